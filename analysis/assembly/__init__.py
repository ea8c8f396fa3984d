"""Report assembly: one module per report, from data and parameters to the report's figures,
tables and findings; parameter specifications and presentation helpers."""

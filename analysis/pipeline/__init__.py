"""The render pipeline: parameter checks before any kernel, execution, HTML, PDF, scenario
batches, the index page and the command line."""

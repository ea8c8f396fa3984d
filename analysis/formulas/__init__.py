"""Pure formulas on numbers and numpy arrays: no data loading, no pandas I/O, units in every
name, the equation and its source in every docstring."""

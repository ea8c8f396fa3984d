"""compute-parity reports: the analysis library.

Pure, vectorized functions from sourced data (``data/*.csv``) to the figures the reports show.
Modules: ``catalog`` (load, validate, look up), ``compute`` (FLOPs, throughput, time, parity),
``scaling`` (interconnect-aware step time), ``inference`` (prefill/decode roofline, capacity
floor), ``power`` (IT/facility power, energy, emissions), ``cost`` (capex, opex, TCO, rental,
break-even), ``controls`` (export-control TPP, density, classification), ``procurement`` (budgets and
fleets), ``uncertainty`` (Monte
Carlo, tornado, Sobol), ``tables`` (what each report shows), ``params`` (report parameters),
``plots`` (theme and presentation helpers), ``render``/``pdf``/``scenarios`` (report production).
"""
from .catalog import DATA_DIR, DataError, UnknownIdError, load, lookup
from .compute import (chips_to_buy, effective_tflops, gpu_hours, hardware_flop, hfu_from_mfu,
                      implied_mfu, parity_chip_count, peak_tflops, training_flop, wall_clock_days)
from .controls import classify, control_table, performance_density, tpp
from .cost import (annual_capex_usd, annual_opex_usd, break_even_usd_per_kwh, capex_usd,
                   capital_recovery_factor, electricity_cost_usd, rental_cost_usd, tco_usd,
                   usd_per_pflop_hour)
from .power import emissions_tco2, energy_kwh, facility_power_w, it_power_w

__all__ = [name for name in dir() if not name.startswith("_")]

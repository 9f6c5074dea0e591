"""Numba kernels: pure numerical code on flat arrays; no I/O, pandas, pydantic or RNG objects."""

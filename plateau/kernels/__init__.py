"""Numba kernels: Gaussian averages, the ODE right-hand side, SGD steps.

Kernels take arrays and scalars only; Python code elsewhere owns validation.
"""

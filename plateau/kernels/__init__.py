"""Numba kernels: Gaussian averages, the ODE right-hand side, the integrator, SGD steps.

Kernels take arrays and scalars only; Python code elsewhere owns validation.
Each module is imported when first needed (a warm `plateau ode` run never loads
the SGD or Fisher kernels); where and how they are cached is
:mod:`plateau.kernels._jit`'s concern.
"""

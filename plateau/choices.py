"""Every list of choices and every default, in one table.

The API (:func:`plateau.builders.build_setup`, :func:`plateau.ode.integrate`,
:func:`plateau.sgd.simulate`), the command line (option choices, defaults and
help texts) and scans read their choices and defaults from here, so that they
cannot drift apart.  The plateau criteria's defaults live with their definition,
:class:`plateau.plateaus.PlateauCriteria`.
"""
# --- lists of choices ---------------------------------------------------------------
ACTIVATIONS = ("erf", "relu", "linear")
TEACHERS = ("degenerate", "orthogonal", "random")
INITS = ("random", "orthogonal")
#: How a setup's student start came about: drawn by one of INITS, or given (read, set by hand).
INIT_ORIGINS = INITS + ("given",)
STARTS = ("auto", "exact", "draw")
ENGINES = ("ode", "sgd")
SCIPY_METHODS = ("RK45", "DOP853", "RK23", "Radau", "BDF", "LSODA")
METHODS = ("dopri5",) + SCIPY_METHODS
#: Learning rules: plain gradient descent, natural gradient (MODEL.md; needs a damping eps >= 0).
ALGORITHMS = ("gd", "ngd")
ALGORITHM = "gd"

# --- defaults of a setup built from options -------------------------------------------
SETUP_DEFAULTS = dict(K=2, M=2, L=1, activation="erf", eta=0.1, eta_w=0.0, sigma=0.0,
                      teacher="degenerate", init="random", init_scale=0.5, seed=0, init_N=1000)
# A scan trains the second layer at the first layer's default rate: with a frozen second layer
# build_setup copies the teacher's rows into W, so the student is handed the output directions
# and a scan over L would measure nothing about L.
SCAN_DEFAULTS = {**SETUP_DEFAULTS, "eta_w": 0.1}

# --- the ODE integrator ------------------------------------------------------------------
METHOD = "dopri5"
RTOL = 1e-8
ATOL = 1e-12
POINTS = 400                    # size of the recorded log grid of alpha
TARGET_EPS_G = 1e-3             # scans record the first alpha at which eps_g reaches this
DIVERGENCE_THRESHOLD = 1e6      # an order parameter beyond this in magnitude: the run diverged

# --- the SGD simulation ---------------------------------------------------------------------
SGD_N = 1000
SGD_RUNS = 8                    # independent runs averaged per point

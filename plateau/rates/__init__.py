"""Learning-rate limits of gradient descent at the perfect-learning fixed point (``plateau rates``).

:mod:`.pencil`: the exact eta-dependence of the Jacobian, J(eta) = eta A + eta^2 B + eta_w C;
:mod:`.limits`: eta_max, eta_opt and the decay rates from it, and Saad & Solla's closed forms;
:mod:`.check`: direct ODE runs started near the fixed point, to check them;
:mod:`.map`: a scan of real training runs over eta and K (or L), to draw the predictions on.
"""
from .limits import RatesResult, learning_rates, saad_solla_estimates
from .pencil import RatePencil, eps_decay_rate, pencil, perfect_state

__all__ = ["RatePencil", "RatesResult", "eps_decay_rate", "learning_rates", "pencil", "perfect_state",
           "saad_solla_estimates"]

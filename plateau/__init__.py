"""plateau: online learning of two-layer networks with several outputs.

Order-parameter ODEs (:func:`plateau.ode.integrate`), direct SGD simulation,
plateau detection and scans; see README.md.  The model's conventions are
those of MODEL.md (student K hidden units, teacher M, L outputs).

The names below are imported on first use, so that ``import plateau`` (and a
command such as ``plateau --help``) does not import Numba and the kernels.
"""
import importlib

__version__ = "0.1.0"
__all__ = ["Setup", "Trajectory", "build_setup", "integrate", "__version__"]

_HOMES = {"Setup": "model", "Trajectory": "trajectory", "build_setup": "builders", "integrate": "ode"}


def __getattr__(name):
    if name in _HOMES:
        return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))

"""plateau: online learning of two-layer networks with several outputs.

Order-parameter ODEs (:func:`plateau.ode.integrate`), direct SGD simulation,
plateau detection and scans; see README.md.  The model's conventions are
those of MODEL.md (student K hidden units, teacher M, L outputs).
"""
from .builders import build_setup
from .model import Setup
from .ode import integrate
from .trajectory import Trajectory

__version__ = "0.1.0"
__all__ = ["Setup", "Trajectory", "build_setup", "integrate", "__version__"]

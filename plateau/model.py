"""The run description: activation, learning rates, noise, teacher and student at alpha = 0.

A :class:`Setup` is validated once, when it is made, and is immutable
afterwards.  Shapes (MODEL.md): T (M, M), V (M, L) for the teacher; Q (K, K),
R (K, M), W (K, L) for the student.  D = W W^T, E = W V^T and F = V V^T follow.
"""
import json
from dataclasses import dataclass, replace

import numpy as np

from .choices import ACTIVATIONS, ALGORITHMS, INIT_ORIGINS, INITS
from .errors import InputError, choose

SCALARS = ("activation", "eta", "eta_w", "sigma")
MATRICES = ("T", "V", "Q", "R", "W")
#: How the student's start came about (written to and read from the setup file).
INIT_FIELDS = ("init", "init_scale", "init_N", "seed")
#: The learning rule (MODEL.md): 'gd' (plain) or 'ngd' (natural gradient with damping eps >= 0).
#: Optional in the setup file (absent: 'gd'); overridable like SCALARS.
ALGORITHM_FIELDS = ("algorithm", "damping")

# Relative tolerance for symmetry and positive semidefiniteness of the overlaps:
# matrices built from real vectors carry rounding of a few ulps times their size.
_PSD_RTOL = 1e-9


@dataclass(frozen=True)
class Setup:
    """One model run at alpha = 0.

    Parameters
    ----------
    activation : {'erf', 'relu', 'linear'}
    eta : float > 0            first-layer learning rate
    eta_w : float >= 0         second-layer learning rate (0 freezes W)
    sigma : float >= 0         output noise standard deviation
    T : (M, M) teacher overlaps B_n.B_m / N
    V : (M, L) teacher second-layer vectors (rows v_n)
    Q : (K, K) student overlaps J_i.J_k / N
    R : (K, M) student-teacher overlaps J_i.B_n / N
    W : (K, L) student second-layer vectors (rows w_i)
    init : {'random', 'orthogonal', 'given'}   how Q, R, W were made: drawn by
                               :func:`plateau.builders.build_setup` with that init, or
                               'given' (read, set by hand, or replaced by :meth:`with_student`)
    init_scale : float > 0     scale s of the drawn start (None when given)
    init_N : int >= 1          dimension in which the start was drawn (None when given)
    seed : int >= 0 or None    seed of the draws; also the default base seed of SGD runs
    algorithm : {'gd', 'ngd'}  plain gradient or natural gradient (MODEL.md)
    damping : float >= 0       the NGD damping eps (required for 'ngd', None for 'gd')

    All fields count in equality and are written to the setup file, so a setup read
    back from its file is the same run: the ODE starts from the same Q, R, W and SGD
    (start='auto') draws its students the same way.
    """
    activation: str
    eta: float
    eta_w: float
    sigma: float
    T: np.ndarray
    V: np.ndarray
    Q: np.ndarray
    R: np.ndarray
    W: np.ndarray
    init: str = "given"
    init_scale: float = None
    init_N: int = None
    seed: int = None
    algorithm: str = "gd"
    damping: float = None

    def __eq__(self, other):
        if not isinstance(other, Setup):
            return NotImplemented
        same_scalars = all(getattr(self, n) == getattr(other, n) for n in SCALARS + INIT_FIELDS + ALGORITHM_FIELDS)
        return same_scalars and all(np.array_equal(getattr(self, n), getattr(other, n)) for n in MATRICES)

    __hash__ = None

    def __post_init__(self):
        choose("activation", self.activation, ACTIVATIONS)
        for name in ("eta", "eta_w", "sigma"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
                raise InputError(f"{name} must be a number, got {value!r}")
            if not np.isfinite(value):
                raise InputError(f"{name} must be finite, got {value}")
            object.__setattr__(self, name, float(value))
        if self.eta <= 0:
            raise InputError(f"eta must be > 0, got {self.eta}")
        if self.eta_w < 0:
            raise InputError(f"eta_w must be >= 0, got {self.eta_w}")
        if self.sigma < 0:
            raise InputError(f"sigma must be >= 0, got {self.sigma}")
        for name in MATRICES:
            object.__setattr__(self, name, _as_matrix(name, getattr(self, name)))
        K, M, L = self.K, self.M, self.L
        expected = {"T": (M, M), "V": (M, L), "Q": (K, K), "R": (K, M), "W": (K, L)}
        for name, shape in expected.items():
            if getattr(self, name).shape != shape:
                raise InputError(f"{name} has shape {getattr(self, name).shape}, expected {shape} "
                                 f"for K={K}, M={M}, L={L}")
        for name in ("T", "Q"):
            _check_symmetric(name, getattr(self, name))
        joint = self.joint_overlaps()
        lowest = np.linalg.eigvalsh(joint).min()
        if lowest < -_PSD_RTOL * max(1.0, np.abs(joint).max()):
            raise InputError("the joint overlap matrix [[Q, R], [R^T, T]] is not positive semidefinite "
                             f"(smallest eigenvalue {lowest:.3g}): no vectors J, B have these overlaps")
        for name in MATRICES:
            getattr(self, name).setflags(write=False)
        self._check_init()
        self._check_algorithm()

    def _check_algorithm(self):
        choose("algorithm", self.algorithm, ALGORITHMS)
        eps = self.damping
        if self.algorithm == "gd":
            if eps is not None:
                raise InputError("damping applies to the natural gradient only: give algorithm ngd, or no damping")
            return
        if eps is None:
            raise InputError("algorithm ngd needs a damping eps >= 0 (--damping)")
        if isinstance(eps, bool) or not isinstance(eps, (int, float, np.floating, np.integer)) \
                or not np.isfinite(eps) or eps < 0:
            raise InputError(f"damping must be a finite number >= 0, got {eps!r}")
        object.__setattr__(self, "damping", float(eps))

    def _check_init(self):
        choose("init", self.init, INIT_ORIGINS)
        if self.seed is not None:
            object.__setattr__(self, "seed", _integer("seed", self.seed, 0))
        if self.init == "given":
            if self.init_scale is not None or self.init_N is not None:
                raise InputError("init_scale and init_N describe a drawn start: leave them out when init is 'given'")
            return
        if self.seed is None:
            raise InputError(f"a start drawn with init {self.init!r} needs its seed")
        scale = self.init_scale
        if isinstance(scale, bool) or not isinstance(scale, (int, float, np.floating, np.integer)) \
                or not np.isfinite(scale) or scale <= 0:
            raise InputError(f"init_scale must be a positive number, got {scale!r}")
        object.__setattr__(self, "init_scale", float(scale))
        object.__setattr__(self, "init_N", _integer("init_N", self.init_N, 1))

    # --- derived quantities -------------------------------------------------
    @property
    def K(self):
        return self.Q.shape[0]

    @property
    def M(self):
        return self.T.shape[0]

    @property
    def L(self):
        return self.V.shape[1]

    @property
    def D(self):
        """(K, K) student second-layer overlaps w_i.w_j."""
        return self.W @ self.W.T

    @property
    def E(self):
        """(K, M) student-teacher second-layer overlaps w_i.v_n."""
        return self.W @ self.V.T

    @property
    def F(self):
        """(M, M) teacher second-layer overlaps v_n.v_m."""
        return self.V @ self.V.T

    def joint_overlaps(self):
        """[[Q, R], [R^T, T]], shape (K+M, K+M)."""
        return np.block([[self.Q, self.R], [self.R.T, self.T]])

    # --- conversions ----------------------------------------------------------
    def with_scalars(self, **overrides):
        """A copy with some of activation, eta, eta_w, sigma, algorithm, damping replaced (None keeps
        the value); switching to algorithm 'gd' drops the damping."""
        changes = {k: v for k, v in overrides.items() if v is not None}
        if changes.get("algorithm") == "gd" and "damping" not in changes:
            changes["damping"] = None
        unknown = set(changes) - set(SCALARS + ALGORITHM_FIELDS)
        if unknown:
            raise InputError(f"cannot override {', '.join(sorted(unknown))}")
        return replace(self, **changes)

    @property
    def drawn(self):
        """True when the student's start was drawn by an init (not given)."""
        return self.init in INITS

    def with_student(self, Q, R, W=None):
        """A copy with another student start (W kept unless given); its init becomes 'given'
        (so SGD's start='auto' matches its overlaps exactly).  The seed is kept."""
        return replace(self, Q=Q, R=R, W=self.W if W is None else W, init="given", init_scale=None,
                       init_N=None)

    def summary(self):
        """The model's part of a --json summary: sizes, scalars and how the start came about."""
        return {"K": self.K, "M": self.M, "L": self.L, **{name: getattr(self, name) for name in SCALARS},
                **{name: getattr(self, name) for name in INIT_FIELDS + ALGORITHM_FIELDS}}

    def to_dict(self):
        """The setup file's JSON object (MODEL.md): scalars, nested-list matrices, the start's origin."""
        out = {name: getattr(self, name) for name in SCALARS}
        out.update({name: getattr(self, name).tolist() for name in MATRICES})
        out.update({name: getattr(self, name) for name in INIT_FIELDS if getattr(self, name) is not None})
        out["algorithm"] = self.algorithm
        if self.damping is not None:
            out["damping"] = self.damping
        return out

    @classmethod
    def from_dict(cls, data):
        """The inverse of :meth:`to_dict`.  Files without the init fields (hand-written, or from
        plateau 0.1, whose free-form ``description`` is read only for its seed) start 'given'."""
        if not isinstance(data, dict):
            raise InputError("a setup must be a JSON object")
        missing = [key for key in SCALARS + MATRICES if key not in data]
        if missing:
            raise InputError(f"setup is missing {', '.join(missing)}")
        extra = set(data) - set(SCALARS + MATRICES + INIT_FIELDS + ALGORITHM_FIELDS + ("description",))
        if extra:
            raise InputError(f"setup has unknown keys {', '.join(sorted(extra))}")
        fields = {key: data[key] for key in SCALARS + MATRICES + INIT_FIELDS + ALGORITHM_FIELDS if key in data}
        legacy = data.get("description")
        if legacy is not None:
            if not isinstance(legacy, dict):
                raise InputError("description must be a JSON object")
            if "seed" not in fields and isinstance(legacy.get("seed"), int):
                fields["seed"] = legacy["seed"]
        return cls(**fields)

    @classmethod
    def from_file(cls, path):
        """Read a setup file; every problem becomes an InputError naming the file."""
        try:
            with open(path) as handle:
                data = json.load(handle)
        except OSError as exc:
            raise InputError(f"cannot read setup file {path}: {exc.strerror}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            where = f": {exc.msg} at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
            raise InputError(f"setup file {path} is not valid JSON{where}") from None
        except RecursionError:
            raise InputError(f"setup file {path} is nested too deeply") from None
        try:
            return cls.from_dict(data)
        except InputError as exc:
            raise InputError(f"setup file {path}: {exc}") from None


def _integer(name, value, low):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise InputError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _as_matrix(name, value):
    try:
        array = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a matrix of numbers (nested lists, rows first)") from None
    if array.ndim != 2:
        raise InputError(f"{name} must be a matrix (nested lists, rows first), got {array.ndim} dimensions")
    if array.size == 0:
        raise InputError(f"{name} is empty: K, M and L must be >= 1")
    if not np.all(np.isfinite(array)):
        raise InputError(f"{name} has non-finite entries")
    return array


def _check_symmetric(name, matrix):
    if not np.allclose(matrix, matrix.T, rtol=0, atol=_PSD_RTOL * max(1.0, np.abs(matrix).max())):
        raise InputError(f"{name} must be symmetric")

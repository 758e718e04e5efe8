"""The run description: activation, learning rates, noise, teacher and student at alpha = 0.

A :class:`Setup` is validated once, when it is made, and is immutable
afterwards.  Shapes (MODEL.md): T (M, M), V (M, L) for the teacher; Q (K, K),
R (K, M), W (K, L) for the student.  D = W W^T, E = W V^T and F = V V^T follow.
"""
import json
from dataclasses import dataclass, field, replace

import numpy as np

ACTIVATIONS = ("erf", "relu", "linear")
SCALARS = ("activation", "eta", "eta_w", "sigma")
MATRICES = ("T", "V", "Q", "R", "W")

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
    description: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}; choose one of {', '.join(ACTIVATIONS)}")
        for name in ("eta", "eta_w", "sigma"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
                raise ValueError(f"{name} must be a number, got {value!r}")
            if not np.isfinite(value):
                raise ValueError(f"{name} must be finite, got {value}")
            object.__setattr__(self, name, float(value))
        if self.eta <= 0:
            raise ValueError(f"eta must be > 0, got {self.eta}")
        if self.eta_w < 0:
            raise ValueError(f"eta_w must be >= 0, got {self.eta_w}")
        if self.sigma < 0:
            raise ValueError(f"sigma must be >= 0, got {self.sigma}")
        for name in MATRICES:
            object.__setattr__(self, name, _as_matrix(name, getattr(self, name)))
        K, M, L = self.K, self.M, self.L
        expected = {"T": (M, M), "V": (M, L), "Q": (K, K), "R": (K, M), "W": (K, L)}
        for name, shape in expected.items():
            if getattr(self, name).shape != shape:
                raise ValueError(f"{name} has shape {getattr(self, name).shape}, expected {shape} "
                                 f"for K={K}, M={M}, L={L}")
        for name in ("T", "Q"):
            _check_symmetric(name, getattr(self, name))
        joint = self.joint_overlaps()
        lowest = np.linalg.eigvalsh(joint).min()
        if lowest < -_PSD_RTOL * max(1.0, np.abs(joint).max()):
            raise ValueError("the joint overlap matrix [[Q, R], [R^T, T]] is not positive semidefinite "
                             f"(smallest eigenvalue {lowest:.3g}): no vectors J, B have these overlaps")
        for name in MATRICES:
            getattr(self, name).setflags(write=False)

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
        """A copy with some of activation, eta, eta_w, sigma replaced (None keeps the value)."""
        changes = {k: v for k, v in overrides.items() if v is not None}
        unknown = set(changes) - set(SCALARS)
        if unknown:
            raise ValueError(f"cannot override {', '.join(sorted(unknown))}")
        return replace(self, **changes)

    def with_student(self, Q, R, W=None):
        """A copy with another student start (W kept unless given).

        The description keeps only the teacher's part: the new start was not drawn
        by the recorded ``init`` (so SGD's start='auto' matches its overlaps exactly).
        """
        return replace(self, Q=Q, R=R, W=self.W if W is None else W,
                       description=_without_student_draw(self.description))

    def to_dict(self):
        """The setup file's JSON object (MODEL.md): scalars and nested-list matrices."""
        out = {name: getattr(self, name) for name in SCALARS}
        out.update({name: getattr(self, name).tolist() for name in MATRICES})
        if self.description:
            out["description"] = dict(self.description)
        return out

    @classmethod
    def from_dict(cls, data):
        if not isinstance(data, dict):
            raise ValueError("a setup must be a JSON object")
        missing = [key for key in SCALARS + MATRICES if key not in data]
        if missing:
            raise ValueError(f"setup is missing {', '.join(missing)}")
        extra = set(data) - set(SCALARS + MATRICES + ("description",))
        if extra:
            raise ValueError(f"setup has unknown keys {', '.join(sorted(extra))}")
        # A setup read back fixes its overlaps: its description no longer names the draw of
        # the student, so SGD (start='auto') starts from exactly these Q and R.
        return cls(**{key: data[key] for key in SCALARS + MATRICES},
                   description=_without_student_draw(data.get("description", {})))

    @classmethod
    def from_file(cls, path):
        """Read a setup file; every problem becomes a ValueError naming the file."""
        try:
            with open(path) as handle:
                data = json.load(handle)
        except OSError as exc:
            raise ValueError(f"cannot read setup file {path}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"setup file {path} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
        try:
            return cls.from_dict(data)
        except ValueError as exc:
            raise ValueError(f"setup file {path}: {exc}") from None


def _without_student_draw(description):
    """The description minus how the student was drawn (init, init_scale, N)."""
    if not isinstance(description, dict):
        raise ValueError("description must be a JSON object")
    return {k: v for k, v in description.items() if k not in ("init", "init_scale", "N")}


def _as_matrix(name, value):
    try:
        array = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a matrix of numbers (nested lists, rows first)") from None
    if array.ndim != 2:
        raise ValueError(f"{name} must be a matrix (nested lists, rows first), got {array.ndim} dimensions")
    if array.size == 0:
        raise ValueError(f"{name} is empty: K, M and L must be >= 1")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} has non-finite entries")
    return array


def _check_symmetric(name, matrix):
    if not np.allclose(matrix, matrix.T, rtol=0, atol=_PSD_RTOL * max(1.0, np.abs(matrix).max())):
        raise ValueError(f"{name} must be symmetric")

"""Building a :class:`~plateau.model.Setup` from a few named choices.

Teacher second layer (every row v_n has unit norm, so tr F = M for every mode
and degenerate, orthogonal and random teachers have the same per-unit output
variance):

- ``degenerate``: v_n = e_0 for all n (parallel outputs; rank F = 1);
- ``orthogonal``: v_n = e_(n mod L) (orthonormal when L >= M; for L < M the
  teacher units share the L output axes in turn);
- ``random``: seeded Gaussian vectors normalised to unit length;
- ``angle:DEG``: unit vectors with the same pairwise angle DEG (degrees, 0..180) between every
  pair, so that F = (1 - c) I + c 1 1^T with c = cos DEG: 0 is the degenerate teacher, 90 the
  orthogonal one.  They are built by Gram-Schmidt in the order v_1, v_2, ...: v_1 = e_0, and v_n
  spans one new axis e_(n-1) beside the earlier ones (M = 2: v_2 = (cos DEG, sin DEG, 0, ...)).
  Such vectors exist when c >= -1/(M-1) and need rank F dimensions: 1 for DEG = 0, M - 1 at the
  simplex angle c = -1/(M-1), else M; an angle the L outputs cannot realise is an InputError.
  :func:`parse_teacher` reads the spelling, once, for the API, the CLI and scans.

Student start, drawn by :mod:`plateau.draws` (the same functions draw SGD's
networks): ``random`` draws J_i with i.i.d. N(0, s^2) components in N
dimensions, ``orthogonal`` takes J_i = s sqrt(N) times Haar-distributed
orthonormal directions; Q and R are then the overlaps of these finite-N vectors
with teacher vectors B of overlap T, so R carries the O(s / sqrt N) asymmetry of
a real network.  The second layer W is the teacher's (w_i = v_(i mod M)) when it
is frozen (eta_w = 0), which for L = 1 is the soft committee machine; when it
is trained, W is drawn like J (random: N(0, s^2 / L) entries; orthogonal: s
times a semi-orthogonal K x L matrix, rescaled so that mean |w_i|^2 = s^2).

The draws are made in a fixed order from ``numpy.random.default_rng(seed)``:
teacher V (random teacher only), then J, then W (trained second layer only).
"""
import numpy as np

from .choices import INITS, SETUP_DEFAULTS, TEACHERS
from .draws import draw_second_layer, draw_student, gram_factor
from .errors import InputError, choose
from .model import ALGORITHM_FIELDS, SCALARS, Setup


def parse_teacher(text):
    """The canonical name of a teacher: one of :data:`TEACHERS`, or ``'angle:DEG'`` with DEG a
    number in [0, 180] (written back with ``%g``).  Anything else is an InputError (one line)."""
    if isinstance(text, str) and text.strip() in TEACHERS:
        return text.strip()
    kind, colon, value = str(text).strip().partition(":")
    if kind == "angle" and colon:
        try:
            degrees = float(value)
        except ValueError:
            degrees = None
        if degrees is not None and 0.0 <= degrees <= 180.0:
            return f"angle:{degrees:g}"
        raise InputError(f"teacher {text!r}: the angle must be a number of degrees in [0, 180]")
    raise InputError(f"unknown teacher {text!r}; choose one of {', '.join(TEACHERS)} or angle:DEG (0..180)")


def teacher_angle(M, L, degrees):
    """V (M, L): unit rows with pairwise angle ``degrees`` (module docstring); InputError if impossible."""
    c = np.cos(np.radians(degrees))
    if degrees == 90.0:
        c = 0.0
    if M > 1 and c < -1.0 / (M - 1) - 1e-12:
        raise InputError(f"teacher angle:{degrees:g}: {M} unit vectors cannot all have pairwise cosine {c:.4g} "
                         f"(at least -1/(M-1) = {-1.0 / (M - 1):.4g} is needed)")
    gram = np.full((M, M), c) + (1.0 - c) * np.eye(M)
    V = np.zeros((M, max(L, M)))
    axis = 0                     # the axes e_0 .. e_(axis-1) spanned by the vectors so far
    for n in range(M):
        v = np.zeros(V.shape[1])
        if n:
            # Components on the spanned axes: the earlier vectors span them, so this is exact.
            v[:axis] = np.linalg.lstsq(V[:n, :axis], gram[n, :n], rcond=None)[0]
        rest = 1.0 - v @ v
        if rest > 1e-12:
            v[axis] = np.sqrt(rest)
            axis += 1
        V[n] = np.where(np.abs(v) < 1e-12, 0.0, np.where(np.abs(v - 1.0) < 1e-12, 1.0, v))  # exact 0 and 1
    if axis > L:
        raise InputError(f"teacher angle:{degrees:g} needs {axis} output dimensions for M = {M} "
                         f"(rank of F), but L = {L}")
    return V[:, :L]


def teacher_vectors(M, L, mode, rng):
    """V, shape (M, L), for one of :data:`TEACHERS` or ``'angle:DEG'`` (see :func:`parse_teacher`)."""
    mode = parse_teacher(mode)
    if mode.startswith("angle:"):
        return teacher_angle(M, L, float(mode.split(":", 1)[1]))
    if mode == "degenerate":
        V = np.zeros((M, L))
        V[:, 0] = 1.0
    elif mode == "orthogonal":
        V = np.zeros((M, L))
        V[np.arange(M), np.arange(M) % L] = 1.0
    elif mode == "random":
        V = rng.standard_normal((M, L))
        V /= np.linalg.norm(V, axis=1, keepdims=True)
    return V


def student_start(K, T, init, scale, N, rng):
    """Q (K, K) and R (K, M) of a freshly drawn student in N dimensions.

    J (K, N) comes from :func:`plateau.draws.draw_student`; the teacher vectors are
    B = sqrt(N) [S, 0] (M, N) with S S^T = T, which loses no generality because J's
    distribution is rotation invariant.  Q = J J^T / N, R = J B^T / N = J[:, :M] S^T / sqrt(N).
    """
    M = T.shape[0]
    if N < max(K, M):
        raise InputError(f"N = {N} must be at least max(K, M) = {max(K, M)}")
    J = draw_student(K, N, init, scale, rng)
    with np.errstate(over="ignore", invalid="ignore"):
        Q = J @ J.T / N
        R = J[:, :M] @ gram_factor(T).T / np.sqrt(N)
        Q = 0.5 * (Q + Q.T)
    if not (np.all(np.isfinite(Q)) and np.all(np.isfinite(R))):
        raise InputError(f"init-scale {scale:g} is too large: the start's overlaps overflow")
    return Q, R


def student_second_layer(K, V, init, scale, trained, rng):
    """W, shape (K, L): the teacher's rows when frozen, else :func:`plateau.draws.draw_second_layer`."""
    M, L = V.shape
    if not trained:
        return V[np.arange(K) % M].copy()
    return draw_second_layer(K, L, init, scale, rng)


def build_setup(K=SETUP_DEFAULTS["K"], M=SETUP_DEFAULTS["M"], L=SETUP_DEFAULTS["L"],
                activation=SETUP_DEFAULTS["activation"], eta=SETUP_DEFAULTS["eta"],
                eta_w=SETUP_DEFAULTS["eta_w"], sigma=SETUP_DEFAULTS["sigma"],
                teacher=SETUP_DEFAULTS["teacher"], init=SETUP_DEFAULTS["init"],
                init_scale=SETUP_DEFAULTS["init_scale"], seed=SETUP_DEFAULTS["seed"],
                N=SETUP_DEFAULTS["init_N"], T=None):
    """A validated Setup from named choices (see the module docstring).

    All random draws come from ``numpy.random.default_rng(seed)``.
    """
    for name, value in (("K", K), ("M", M), ("L", L), ("N", N)):
        if isinstance(value, bool) or int(value) != value or value < 1:
            raise InputError(f"{name} must be an integer >= 1, got {value}")
    K, M, L, N = int(K), int(M), int(L), int(N)
    teacher = parse_teacher(teacher)
    choose("init", init, INITS)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be an integer >= 0, got {seed!r}")
    rng = np.random.default_rng(seed)
    T = np.eye(M) if T is None else np.asarray(T, dtype=float)
    if T.shape != (M, M):
        raise InputError(f"T has shape {T.shape}, expected ({M}, {M})")
    V = teacher_vectors(M, L, teacher, rng)
    Q, R = student_start(K, T, init, init_scale, N, rng)
    W = student_second_layer(K, V, init, init_scale, eta_w > 0, rng)
    return Setup(activation=activation, eta=eta, eta_w=eta_w, sigma=sigma, T=T, V=V, Q=Q, R=R, W=W,
                 init=init, init_scale=init_scale, init_N=N, seed=seed)


def resolve_setup(setup_file=None, overrides=None):
    """The run's Setup: read from ``setup_file`` or built from options, then overridden.

    Parameters
    ----------
    setup_file : path or None    a setup file (MODEL.md)
    overrides : dict             option values, None meaning "not given": with a file only the
                                 scalars (activation, eta, eta_w, sigma, algorithm, damping) may be given; without
                                 one, any :func:`build_setup` argument, ``init_N`` standing for N,
                                 the rest taken from :data:`plateau.choices.SETUP_DEFAULTS`.
    Raises InputError for a bad file, a bad value, or a structural option beside a file.
    """
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    rule = {name: given.pop(name) for name in ALGORITHM_FIELDS if name in given}
    if setup_file is not None:
        structural = sorted(set(given) - set(SCALARS))
        if structural:
            names = ", ".join("--" + name.replace("_", "-") for name in structural)
            raise InputError(f"{names} cannot be combined with --setup: the file fixes the networks")
        return Setup.from_file(setup_file).with_scalars(**given, **rule)
    unknown = sorted(set(given) - set(SETUP_DEFAULTS))
    if unknown:
        raise InputError(f"unknown setup options {', '.join(unknown)}")
    values = {**SETUP_DEFAULTS, **given}
    values["N"] = values.pop("init_N")
    setup = build_setup(**values)
    return setup.with_scalars(**rule) if rule else setup

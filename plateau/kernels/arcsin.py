"""A branch-free arcsine that LLVM can vectorise, for the I4 sums of large networks.

``math.asin`` is a call into the C library, one argument at a time (7-10 ns);
the ODE right-hand side of an erf network needs ~K^2 (K+M)^2 / 4 of them per
evaluation.  :func:`asin_into` maps a whole buffer with the rational
approximation of fdlibm's ``__ieee754_asin`` (Sun Microsystems, the C library's
own): with z = x^2 for |x| <= 1/2 and z = (1 - |x|)/2, s = sqrt(z) above,

    asin(x) = x + x r(z)                                  |x| <= 1/2
    asin(x) = pi/2 - 2 (s + s r(z))   (pi/2 in two parts) |x| > 1/2

r = z P(z) / Q(z) of degrees 6 and 4 on z in [0, 1/4], both polynomials in
Estrin's form (pairs of terms, then powers of z^2: half the dependent steps of
Horner's rule, so more iterations overlap in the vector loop) with fused
multiply-adds (:mod:`plateau.kernels.fma`).  Both halves are
computed and the result is selected, so the loop has no branches and no calls
(sqrt is an instruction).  Arguments are clamped to [-1, 1] as erf's
``_safe_arcsin`` does (rounding can push a correlation a hair outside); NaN stays
NaN.  :func:`asin_half` is the first half alone (no square root), for arguments
known to lie within ``HALF_UP_TO`` = 1/2 + 1/1024 (the rational form stays within
1 ulp a little beyond |x| = 1/2, where rounding puts some correlations that are
1/2 exactly).  Accuracy: a few units in the last place over the whole domain
(tests/test_arcsin.py measures it).
"""
import math

from ._jit import jit_inline, jit_vector
from .fma import fma

_PIO2_HI = 1.57079632679489655800e+00
_PIO2_LO = 6.12323399573676603587e-17
_PS0 = 1.66666666666666657415e-01
_PS1 = -3.25565818622400915405e-01
_PS2 = 2.01212532134862925881e-01
_PS3 = -4.00555345006794114027e-02
_PS4 = 7.91534994289814532176e-04
_PS5 = 3.47933107596021167570e-05
_QS1 = -2.40339491173441421878e+00
_QS2 = 2.02094576023350569471e+00
_QS3 = -6.88283971605453293030e-01
_QS4 = 7.70381505559019352791e-02
HALF_UP_TO = 0.5 + 1.0 / 1024.0


@jit_inline
def _ratio(z):
    """r(z) = z P(z) / Q(z), z in [0, 1/4]."""
    z2 = z * z
    p = z * fma(z2, fma(z2, fma(z, _PS5, _PS4), fma(z, _PS3, _PS2)), fma(z, _PS1, _PS0))
    q = fma(z, fma(z2, fma(z, _QS4, _QS3), fma(z, _QS2, _QS1)), 1.0)
    return p / q


@jit_inline
def asin_half(x):
    """asin(x) for |x| <= HALF_UP_TO (no clamping, no square root)."""
    return fma(x, _ratio(x * x), x)


@jit_vector
def asin_into(x, out, count):
    """out[k] = asin(clamp(x[k], -1, 1)) for k < count; x, out (>= count,) float64."""
    for k in range(count):
        v = x[k]
        a = abs(v)
        a = 1.0 if a > 1.0 else a          # NaN > 1 is false: NaN passes through
        big = a > 0.5
        z = (1.0 - a) * 0.5 if big else a * a
        s = math.sqrt(z) if big else a
        t = fma(s, _ratio(z), s)
        r = _PIO2_HI - (2.0 * t - _PIO2_LO) if big else t
        out[k] = math.copysign(r, v)

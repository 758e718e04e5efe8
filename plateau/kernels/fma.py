"""Fused multiply-add for the vectorised kernels: fma(a, b, c) = a b + c, rounded once.

Compiled, it is LLVM's ``llvm.fma`` intrinsic: one instruction on x86-64 with FMA3 (and
vectorised with the loop around it), the C library's ``fma`` elsewhere, the same correctly
rounded result on every machine (unlike letting the compiler contract a b + c when it sees
fit, which would make results depend on the CPU).  It halves the arithmetic of the
polynomials and sums of :mod:`plateau.kernels.arcsin` and :mod:`plateau.kernels.erf_pairs`.
In plain Python (``NUMBA_DISABLE_JIT=1``) it is a * b + c, rounded twice.
"""
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload


def fma(a, b, c):
    """a * b + c for floats (compiled: rounded once)."""
    return a * b + c


@intrinsic
def _llvm_fma(typingctx, a, b, c):
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        double = ir.DoubleType()
        fn = builder.module.declare_intrinsic("llvm.fma", [double], ir.FunctionType(double, [double] * 3))
        return builder.call(fn, args)
    return sig, codegen


@overload(fma, inline="always")
def _ov_fma(a, b, c):
    if all(isinstance(t, (types.Float, types.Integer)) for t in (a, b, c)):
        return lambda a, b, c: _llvm_fma(float(a), float(b), float(c))

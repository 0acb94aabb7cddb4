r"""User functional forms compiled for the numba path, and the scalar form evaluators.

A user form (a plain callable or a :class:`~moatlab.forms.Form1` / :class:`~moatlab.forms.Form2`
with analytic derivatives) is compiled with ``numba.cfunc`` to a C function of float64
scalars. The compiled numerical kernel takes these as first-class functions, so it is compiled
once (and cached on disk) and not again for each new set of forms. A form that numba cannot
compile — one that closes over a dict or an array, calls Python objects, or returns something
else than its numpy version at probe points — makes :func:`compile_forms` return ``None``; the
solver then takes the numpy path, which accepts any vectorised callable.

The scalar evaluators below mirror :class:`~moatlab.forms.Form1` and ``Form2`` exactly: the same
analytic derivatives when given, else the same five-point stencils with the same steps.
Slots without a user form evaluate the default family from the row's parameters.
"""

from __future__ import annotations

import sys
import warnings
from functools import lru_cache

import numpy as np

from ..forms import _H1, _H2, Form1, Form2, GameForms
from ._fast import _HAVE, available, numba

# parameter columns of the row matrix
A0, TH, PEN, D0, CD, LAM, EPS, K0, CG, FD = range(10)
COLUMNS = ("alpha0", "theta", "penalty", "delta0", "c_d", "lam", "epsilon", "kappa0", "c_g", "f_d")
# function slots: (r, r', r''), (δ, δ'), (φ, ∂Δφ, ∂ΔΔφ, ∂Δωφ), (b, b'), (κ, κ'), φ_G
R, R1, R2, SH, SH1, PH, PHD, PHDD, PHDW, B, B1, KA, KA1, PR = range(14)
#: kinds of one-argument forms, in the order of their default formulas in :func:`default1`
K_R, K_SH, K_B, K_KA, K_PR, K_PH = range(6)

_PROBE_1 = np.array([0.0, 0.05, 0.3, 0.5, 0.9, 1.0, 1.7])
_PROBE_D = np.array([0.0, 0.1, 0.4, 1.3, 0.7])
_PROBE_W = np.array([0.0, 0.25, 0.5, 0.8, 1.0])


if _HAVE:
    from llvmlite import ir
    from numba.extending import intrinsic

    @intrinsic
    def call1(typingctx, addr, x):
        """Call the C function ``double f(double)`` at address ``addr``."""
        sig = numba.types.float64(numba.types.int64, numba.types.float64)

        def codegen(context, builder, signature, args):
            fnty = ir.FunctionType(ir.DoubleType(), [ir.DoubleType()])
            return builder.call(builder.inttoptr(args[0], fnty.as_pointer()), [args[1]])

        return sig, codegen

    @intrinsic
    def call2(typingctx, addr, x, y):
        """Call the C function ``double f(double, double)`` at address ``addr``."""
        sig = numba.types.float64(numba.types.int64, numba.types.float64, numba.types.float64)

        def codegen(context, builder, signature, args):
            fnty = ir.FunctionType(ir.DoubleType(), [ir.DoubleType(), ir.DoubleType()])
            return builder.call(builder.inttoptr(args[0], fnty.as_pointer()), [args[1], args[2]])

        return sig, codegen
else:  # pragma: no cover - the compiled path is off without numba
    def call1(addr, x):
        raise RuntimeError("numba is not installed")

    call2 = call1


def _njit(fn):
    if not _HAVE:
        return fn
    return numba.njit(cache=True, error_model="numpy", nogil=True)(fn)


def _agrees(compiled, fn, args: tuple[np.ndarray, ...]) -> bool:
    """The compiled scalar function returns what the vectorised callable returns."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want = np.asarray(fn(*args), dtype=float) + 0.0 * args[0]
        except Exception:
            return False
        got = np.array([compiled.ctypes(*map(float, a)) for a in zip(*args, strict=True)])
    same_nan = np.isnan(want) == np.isnan(got)
    close = np.isclose(got, want, rtol=1e-12, atol=1e-14) | np.isnan(want)
    return bool(np.all(same_nan & close))


def _cfunc(fn, nargs: int):
    """``fn`` as a numba cfunc of ``nargs`` float64 scalars, or None when it cannot be compiled."""
    try:
        return _cfunc_cached(fn, nargs)
    except TypeError:  # an unhashable callable: compile it each time
        return _cfunc_cached.__wrapped__(fn, nargs)


@lru_cache(maxsize=256)
def _cfunc_cached(fn, nargs: int):
    sig = numba.float64(*([numba.float64] * nargs))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cf = numba.cfunc(sig, error_model="numpy")(fn)
    except Exception:  # numba raises many kinds of errors for what it cannot compile
        return None
    args = (_PROBE_1,) if nargs == 1 else (_PROBE_D, _PROBE_W)
    return cf if _agrees(cf, fn, args) else None


_NOTICED = False


def _forms_notice() -> None:
    """One line on stderr (a terminal only, once per process): user forms are compiled each run."""
    global _NOTICED
    if _NOTICED or not sys.stderr.isatty():
        return
    _NOTICED = True
    print("moatlab: compiling your functional forms with numba (about a second per form; "
          "MOATLAB_NO_NUMBA=1 uses numpy instead) …", file=sys.stderr, flush=True)


def compile_forms(forms: GameForms):
    """The forms' compiled functions and slot flags, or None when one cannot be compiled.

    Returns ``(addresses, flags, keep)``: the int64 addresses of 14 compiled functions (0 where
    the default applies), an int64 array, per form, of bits 1 (function given), 2, 4, 8
    (derivatives given), and the cfunc objects (which must stay alive while the addresses are used).
    """
    if not available():
        return None
    _forms_notice()
    funcs: list = [None] * 14
    flags = np.zeros(6, dtype=np.int64)  # r, share, benefit, serving, production, phi
    todo = ((forms.revenue, K_R, (R, R1, R2)), (forms.share, K_SH, (SH, SH1)),
            (forms.benefit, K_B, (B, B1)), (forms.serving_cost, K_KA, (KA, KA1)),
            (forms.production_cost, K_PR, (PR,)), (forms.finetune_cost, K_PH, (PH, PHD, PHDD, PHDW)))
    for obj, kind, slots in todo:
        if obj is None:
            continue
        if kind == K_PH:
            f2 = obj if isinstance(obj, Form2) else Form2(obj)
            parts, nargs = (f2.func, f2.d_delta, f2.d_delta2, f2.d_delta_omega), 2
        else:
            f1 = obj if isinstance(obj, Form1) else Form1(obj)
            parts, nargs = (f1.func, f1.deriv, f1.deriv2), 1
        # a slot per part the solver uses (so a given δ'' or φ_G' is simply not compiled)
        for bit, slot, fn in zip((1, 2, 4, 8), slots, parts, strict=False):
            if fn is None:
                continue
            cf = _cfunc(fn, nargs)
            if cf is None:
                return None
            funcs[slot] = cf
            flags[kind] |= bit
    addresses = np.array([0 if f is None else f.address for f in funcs], dtype=np.int64)
    return addresses, flags, tuple(funcs)


# -- scalar evaluators (compiled) ---------------------------------------------------------


@_njit
def step(x, h):
    return h * max(1.0, abs(x))


@_njit
def _fd1(fm2, fm1, fp1, fp2, h):
    """Five-point first derivative from the values at x − 2h, x − h, x + h, x + 2h."""
    return (fm2 - 8 * fm1 + 8 * fp1 - fp2) / (12 * h)


@_njit
def _fd2(fm2, fm1, f0, fp1, fp2, h):
    """Five-point second derivative."""
    return (-fp2 + 16 * fp1 - 30 * f0 + 16 * fm1 - fm2) / (12 * h * h)


@_njit
def d1_of(f, x):
    """f'(x) of the C function at address f, as forms.fd1."""
    h = step(x, _H1)
    return _fd1(call1(f, x - 2 * h), call1(f, x - h), call1(f, x + h), call1(f, x + 2 * h), h)


@_njit
def d1_of2(f, d, w):
    """∂/∂d of the two-argument C function at address f, as forms.fd1."""
    h = step(d, _H1)
    return _fd1(call2(f, d - 2 * h, w), call2(f, d - h, w), call2(f, d + h, w), call2(f, d + 2 * h, w), h)


@_njit
def default1(kind, q, x, order):
    """The default one-argument forms and their first two derivatives."""
    if kind == K_R:
        return x if order == 0 else (1.0 if order == 1 else 0.0)
    if kind == K_SH:
        return q[D0] * (1.0 - x) if order == 0 else (-q[D0] if order == 1 else 0.0)
    if kind == K_B:
        return q[EPS] * x if order == 0 else (q[EPS] if order == 1 else 0.0)
    if kind == K_KA:
        return q[K0] * (1.0 - x) if order == 0 else (-q[K0] if order == 1 else 0.0)
    return q[CG] * x * x if order == 0 else (2.0 * q[CG] * x if order == 1 else 2.0 * q[CG])


@_njit
def form1(kind, bits, f, f1, f2, q, x, order):
    """Value (order 0), first or second derivative of a one-argument form, as Form1 does."""
    if bits == 0:
        return default1(kind, q, x, order)
    if order == 0:
        return call1(f, x)
    if order == 1:
        return call1(f1, x) if bits & 2 else d1_of(f, x)
    if bits & 4:
        return call1(f2, x)
    if bits & 2:
        return d1_of(f1, x)
    h = step(x, _H2)
    return _fd2(call1(f, x - 2 * h), call1(f, x - h), call1(f, x), call1(f, x + h), call1(f, x + 2 * h), h)


@_njit
def form1_d12(kind, bits, f, f1, f2, q, x):
    """First and second derivative together; one five-point stencil when neither is given."""
    if bits == 0 or bits & 6:
        return form1(kind, bits, f, f1, f2, q, x, 1), form1(kind, bits, f, f1, f2, q, x, 2)
    h = step(x, _H1)
    fm2, fm1, f0 = call1(f, x - 2 * h), call1(f, x - h), call1(f, x)
    fp1, fp2 = call1(f, x + h), call1(f, x + 2 * h)
    return _fd1(fm2, fm1, fp1, fp2, h), _fd2(fm2, fm1, f0, fp1, fp2, h)


@_njit
def phi_dd_raw(bits, F, q, d, w):
    """∂Δφ(d, w) as Form2.dd."""
    if bits == 0:
        return 2.0 * q[CD] * (1.0 - q[LAM] * w) * d
    return call2(F[PHD], d, w) if bits & 2 else d1_of2(F[PH], d, w)


@_njit
def phi(bits, F, q, d, w, order):
    """φ (0), ∂Δφ (1), ∂ΔΔφ (2) or ∂Δ∂ωφ (3) at (d, w), as Form2 does."""
    if bits == 0:
        c = q[CD]
        lam = q[LAM]
        if order == 0:
            return c * (1.0 - lam * w) * d * d
        if order == 1:
            return 2.0 * c * (1.0 - lam * w) * d
        if order == 2:
            return 2.0 * c * (1.0 - lam * w)
        return -2.0 * c * lam * d
    if order == 0:
        return call2(F[PH], d, w)
    if order == 1:
        return phi_dd_raw(bits, F, q, d, w)
    if order == 2:
        if bits & 4:
            return call2(F[PHDD], d, w)
        if bits & 2:
            return d1_of2(F[PHD], d, w)
        f = F[PH]
        h = step(d, _H2)
        return _fd2(call2(f, d - 2 * h, w), call2(f, d - h, w), call2(f, d, w), call2(f, d + h, w),
                    call2(f, d + 2 * h, w), h)
    if bits & 8:
        return call2(F[PHDW], d, w)
    h = step(w, _H1)
    return _fd1(phi_dd_raw(bits, F, q, d, w - 2 * h), phi_dd_raw(bits, F, q, d, w - h),
                phi_dd_raw(bits, F, q, d, w + h), phi_dd_raw(bits, F, q, d, w + 2 * h), h)


@_njit
def phi_d12(bits, F, q, d, w):
    """∂Δφ and ∂ΔΔφ together; one five-point stencil when neither is given."""
    if bits == 0 or bits & 6:
        return phi(bits, F, q, d, w, 1), phi(bits, F, q, d, w, 2)
    f = F[PH]
    h = step(d, _H1)
    fm2, fm1, f0 = call2(f, d - 2 * h, w), call2(f, d - h, w), call2(f, d, w)
    fp1, fp2 = call2(f, d + h, w), call2(f, d + 2 * h, w)
    return _fd1(fm2, fm1, fp1, fp2, h), _fd2(fm2, fm1, f0, fp1, fp2, h)

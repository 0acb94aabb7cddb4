"""Optional compiled path (numba) of the closed-form kernel: one fused loop over points.

The same equations, candidates and tie rules as :class:`~moatlab.game.closed_form.ClosedFormKernel`
and ``solver._solve_chunk``, written per point so that nothing is materialised per candidate.
It is used for the default forms when numba is installed (``pip install moatlab[fast]``) and
``MOATLAB_NO_NUMBA`` is not set; the test suite checks it against the numpy path.
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np

from .kernel import TIE, TIE_PART

try:  # numba is optional
    import numba

    _HAVE = True
except ImportError:  # pragma: no cover - exercised when numba is absent
    numba = None
    _HAVE = False

FORMS = {"lump_sum": 0, "turnover": 1, "shortfall": 2}


def available() -> bool:
    """True when the compiled path can be used."""
    return _HAVE and not os.environ.get("MOATLAB_NO_NUMBA")


def compile_notice(dispatcher, what: str) -> None:
    """One line on stderr (a terminal only) before ``dispatcher`` compiles: no cache file exists yet.

    numba's first compile of the kernels takes tens of seconds; later runs load the cache.
    """
    if not _HAVE or dispatcher.signatures or not sys.stderr.isatty():
        return
    try:
        index = dispatcher._cache._cache_file._index_path  # numba's cache index for this function
    except AttributeError:  # pragma: no cover - another numba version
        return
    if not os.path.exists(index):
        print(f"moatlab: compiling {what} with numba, once (later runs load the cache) …",
              file=sys.stderr, flush=True)


def _jit(fn):
    if not _HAVE:
        return fn
    return numba.njit(cache=True, error_model="numpy", nogil=True)(fn)


@_jit
def _roots(a2, a1, a0):
    disc = a1 * a1 - 4.0 * a2 * a0
    if not disc >= 0.0:
        return math.nan, math.nan
    sq = math.sqrt(disc)
    q = -0.5 * (a1 + math.copysign(sq, a1))
    r1 = q / a2
    r2 = a0 / q
    if not math.isfinite(r1):
        r1 = math.nan
    if not math.isfinite(r2):
        r2 = math.nan
    return r1, r2


@_jit
def _point(a0, theta, pen, d0, c, lam, eps, k0, cg, fd, form, out, cand, base, pend):
    a = 1.0 - lam
    B = d0 / (2.0 * c)
    fixed = cg * a0 * a0 + k0
    # participation threshold ω_D
    wd = 0.0
    if fd > 0.0:
        q4 = 4.0 * c
        ud_closed = (1.0 - d0) * a0 + (1.0 - d0) ** 2 / q4 - fd
        ud_open = a0 + 1.0 / (q4 * a) - fd
        if ud_closed >= 0.0:
            wd = 0.0
        elif ud_open < 0.0:
            wd = math.inf
        else:
            c2 = d0 * d0 - q4 * a0 * lam * d0
            c1 = q4 * a0 * (lam - a * d0) - 2.0 * d0 - q4 * fd * lam
            c0 = q4 * a0 * a + 1.0 - q4 * fd * a
            r1, r2 = _roots(c2, c1, c0)
            u = r1 if (r1 >= 0.0 and r1 <= 1.0) else r2
            wd = min(max(1.0 - u, 0.0), 1.0) if u == u else math.nan
    cand[0] = 0.0
    cand[1] = 1.0
    cand[2] = theta
    ncand = 6
    for j in range(1 if form == 0 else 2):
        m = 1.0
        s = 0.0
        if j == 1:
            if form == 1:
                m = 1.0 - pen
            else:
                s = pen
        kk = m * d0 * a0 - (eps + k0 + s)
        r1, r2 = _roots(-m * B * lam * d0 + kk * lam * lam, -2.0 * a * m * B * d0 + 2.0 * a * lam * kk,
                        a * m * B + a * a * kk)
        if j == 0:
            cand[3] = 1.0 - r1
            cand[4] = 1.0 - r2
            cand[5] = wd
        else:
            cand[6] = 1.0 - r1
            cand[7] = 1.0 - r2
            ncand = 8
    # regimes: best free, comply (ω ≥ θ) and defy (ω ≤ θ, penalised)
    vf = -math.inf
    vc = -math.inf
    vd = -math.inf
    for i in range(ncand):
        w = cand[i]
        if not (w >= 0.0 and w <= 1.0):
            w = 0.0
            cand[i] = 0.0
        share = d0 * (1.0 - w)
        keep = 1.0 - share
        gain = keep / (2.0 * c * (1.0 - lam * w))
        ud = keep * a0 + 0.5 * keep * gain - fd
        rev = share * (a0 + gain) if ud >= -TIE_PART else 0.0
        b = rev + (eps + k0) * w - fixed
        base[i] = b
        if form == 0:
            pend[i] = b - pen
        elif form == 1:
            pend[i] = b - pen * rev
        else:
            pend[i] = b - pen * (theta - w)
        # each regime's own candidates (as ClosedFormKernel.regimes): the roots 3, 4 are the
        # free objective's stationary points, 6, 7 the penalised one's (turnover, shortfall)
        own_free = i < 6
        own_defy = ncand == 6 or (i != 3 and i != 4)
        if b == b and own_free:
            vf = max(vf, b)
            if w >= theta:
                vc = max(vc, b)
        if w <= theta and pend[i] == pend[i] and own_defy:
            vd = max(vd, pend[i])
    wf = math.nan
    wc = math.nan
    wdf = math.nan
    tf = TIE * (1.0 + abs(vf)) if math.isfinite(vf) else 0.0
    tc = TIE * (1.0 + abs(vc)) if math.isfinite(vc) else 0.0
    td = TIE * (1.0 + abs(vd)) if math.isfinite(vd) else 0.0
    for i in range(ncand):
        w = cand[i]
        own_free = i < 6
        own_defy = ncand == 6 or (i != 3 and i != 4)
        if own_free and math.isfinite(vf) and base[i] >= vf - tf and not wf >= w:
            wf = w
        if own_free and math.isfinite(vc) and w >= theta and base[i] >= vc - tc and not wc >= w:
            wc = w
        if own_defy and math.isfinite(vd) and w <= theta and pend[i] >= vd - td and not wdf >= w:
            wdf = w
    # G's action (as solver._solve_chunk)
    tol_c = TIE * (1.0 + (abs(vc) if math.isfinite(vc) else 0.0))
    best = max(vc, vd)
    tol_b = TIE * (1.0 + (abs(best) if math.isfinite(best) else 0.0))
    comply_side = vc >= vd - tol_c
    free_ok = vf >= -TIE * (1.0 + abs(vf))
    w_free = wf if free_ok else math.nan
    if best < -tol_b:
        action = 0
        omega = math.nan
    elif comply_side:
        if free_ok and w_free >= theta:
            action = 1
            omega = w_free
        else:
            action = 2
            omega = wc
    else:
        action = 3
        omega = wdf
    w = omega if omega == omega else 0.0
    share = d0 * (1.0 - w)
    keep = 1.0 - share
    gain = keep / (2.0 * c * (1.0 - lam * w))
    a1 = a0 + gain
    ud = keep * a0 + 0.5 * keep * gain - fd
    part = ud >= -TIE_PART
    rev = share * a1 if part else 0.0
    other = (eps + k0) * w - fixed
    below = (omega if omega == omega else 1.0) < theta
    if not below:
        paid = 0.0
    elif form == 0:
        paid = pen
    elif form == 1:
        paid = pen * rev
    else:
        paid = pen * (theta - w)
    released = action != 0
    part = part and released
    ug = rev + other - paid if released else 0.0
    udv = ud if part else 0.0
    out[0] = action
    out[1] = omega
    out[2] = w_free
    out[3] = a1 if part else math.nan
    out[4] = ug
    out[5] = udv
    out[6] = ug + udv
    out[7] = paid if released else 0.0
    out[8] = 1.0 if part else 0.0


@_jit
def _solve_all(a0, theta, pen, d0, c, lam, eps, k0, cg, fd, form, res):
    buf = np.empty(9)
    cand = np.empty(8)
    base = np.empty(8)
    pend = np.empty(8)
    for i in range(a0.shape[0]):
        _point(a0[i], theta[i], pen[i], d0[i], c[i], lam[i], eps[i], k0[i], cg[i], fd[i], form, buf, cand,
               base, pend)
        for j in range(9):
            res[j, i] = buf[j]


KEYS = ("action", "omega", "omega_free", "alpha1", "U_G", "U_D", "surplus", "penalty_paid", "participates")


def solve_fast(p: dict[str, np.ndarray], form: str) -> dict[str, np.ndarray]:
    """Equilibria of the default game for flat parameter arrays (same outputs as the numpy path)."""
    n = p["theta"].shape[0]
    res = np.empty((9, n))
    args = [np.ascontiguousarray(p[k], dtype=np.float64) for k in
            ("alpha0", "theta", "penalty", "delta0", "c_d", "lam", "epsilon", "kappa0", "c_g", "f_d")]
    compile_notice(_solve_all, "the game kernel")
    _solve_all(*args, FORMS[form], res)
    out = dict(zip(KEYS, res, strict=True))
    out["action"] = out["action"].astype(np.int8)
    out["participates"] = out["participates"].astype(np.int8)
    return out

"""R's formatting of numbers, as pure functions: the engine behind every printed table.

* :func:`r_format` -- R's ``format()`` of a numeric vector (C ``formatReal``: a
  common number of significant digits, the fixed/scientific choice, the widths);
  :func:`format_info` and :func:`encode_real` are its two halves;
* :func:`r_round` -- R >= 4.0 ``round`` (``src/nmath/fround.c``); :func:`zapsmall`;
* :func:`format_pval` -- ``format.pval`` (``< 2e-16``); :func:`signif_stars`.

Nothing here knows about models; :mod:`glmmlite.rprint` lays these strings out as R's
``print.default`` and ``printCoefmat`` do, and :mod:`glmmlite.lme4_print` uses both for
lme4's layouts.  The rules were taken from R 4.2's ``src/main/format.c``,
``src/nmath/fround.c`` and ``src/library/base/R/format.R``.  One R 4.2 detail matters for
the digits: ``zapsmall(x, digits)`` rounds to ``digits - log10(max|x|)`` decimals
*without* taking the ceiling (``round()`` then uses ``floor(d + 0.5)``), so the anova
table's logLik -2143.147 is zapped to -2143.15 and printed -2143.2, exactly as R does.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Sequence

import numpy as np
import pandas as pd

__all__ = ["R_WIDTH", "R_GAP", "DBL_EPSILON", "r_round", "zapsmall", "format_info", "encode_real",
           "r_format", "format_pval", "signif_stars"]

#: R's default ``getOption("width")``.
R_WIDTH = 80
#: R's ``print.gap``: spaces between the columns of a printed vector or matrix.
R_GAP = 1
#: ``.Machine$double.eps``, the ``eps`` of ``format.pval`` in ``printCoefmat``.
DBL_EPSILON = 2.220446049250313e-16

_KP_MAX = 27          # powers of ten exact in an x87 long double (format.c's tbl[])
_LDBL_MANT = 64       # long double mantissa bits on x86_64 (R's reference platform)
_NA_WIDTH = 2         # width of "NA"
_MAX10E = 308         # DBL_MAX_10_EXP
_M_LOG10_2 = 0.301029995663981195213738894724493027
_CUTPOINTS = (0.0, 0.001, 0.01, 0.05, 0.1, 1.0)
_STARS = ("***", "**", "*", ".", " ")


# =====================================================================
# small helpers
# =====================================================================
def _is_na(v: Any) -> bool:
    """True for None / NaN / pandas NA (R's NA and NaN)."""
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _num(v: Any) -> float:
    """A value as float, NA/None as NaN."""
    return math.nan if _is_na(v) else float(v)


def _nums(x: Any) -> list[float]:
    """A scalar or sequence as a list of floats (NA as NaN)."""
    if isinstance(x, (pd.Series, pd.Index)):
        x = x.to_list()
    elif isinstance(x, np.ndarray):
        x = x.ravel().tolist()
    elif isinstance(x, (int, float, np.number)) or x is None:
        x = [x]
    return [_num(v) for v in x]


def _ljust(s: str, w: int) -> str:
    return s + " " * max(0, w - len(s))


def _rjust(s: str, w: int) -> str:
    return " " * max(0, w - len(s)) + s


def _index_width(n: int) -> int:
    """R's ``IndexWidth``: number of decimal digits of a positive integer."""
    return len(str(int(n)))


# =====================================================================
# R's round() and zapsmall()
# =====================================================================
def _pow_di(x: float, n: int) -> float:
    """R's ``R_pow_di``: x^n by repeated squaring in double precision."""
    xn = 1.0
    if n != 0:
        neg = n < 0
        n = -n if neg else n
        while True:
            if n & 1:
                xn *= x
            n >>= 1
            if n == 0:
                break
            x *= x
        if neg:
            xn = 1.0 / xn
    return xn


def r_round(x: float, digits: float = 0) -> float:
    """R's ``round(x, digits)`` (R >= 4.0.0 algorithm, ``src/nmath/fround.c``).

    Of the two decimal candidates below and above ``x`` the closer one is
    returned, the even one on an exact tie.  Non-integer ``digits`` are
    rounded with ``floor(digits + 0.5)``, as R does.

    Parameters
    ----------
    x : float
        The number (NaN passes through).
    digits : float, default 0
        Number of decimal places (may be negative).

    Returns
    -------
    float
        ``round(x, digits)`` as R computes it, e.g. ``r_round(0.15, 1) == 0.1``
        and ``r_round(2.5) == 2.0``.
    """
    x = _num(x)
    if math.isnan(x) or math.isnan(digits):
        return x + digits
    if not math.isfinite(x) or digits > _MAX10E + 15 or x == 0.0:
        return x
    if digits < -_MAX10E:
        return 0.0
    if digits == 0:
        return float(np.rint(x))
    dig = int(math.floor(digits + 0.5))
    sgn = 1.0
    if x < 0.0:
        sgn, x = -1.0, -x
    logb = math.frexp(x)[1] - 1
    if _M_LOG10_2 * (0.5 + logb) + dig > 15:   # DBL_DIG: nothing to round
        return sgn * x
    if dig <= _MAX10E:
        pow10 = _pow_di(10.0, dig)
        x10 = x * pow10
        i10 = math.floor(x10)
        xd = i10 / pow10
        xu = math.ceil(x10) / pow10
    else:  # pragma: no cover - |x| ~ 1e-305
        p10 = _pow_di(10.0, dig - _MAX10E)
        pow10 = _pow_di(10.0, _MAX10E)
        x10 = (x * pow10) * p10
        i10 = math.floor(x10)
        xd = i10 / pow10 / p10
        xu = math.ceil(x10) / pow10 / p10
    du = xu - x
    dd = x - xd
    return sgn * (xu if (du < dd or (math.fmod(i10, 2.0) == 1 and du == dd)) else xd)


def zapsmall(x: Sequence[float], digits: int = 7) -> list[float]:
    """R 4.2's ``zapsmall(x, digits)``: ``round(x, max(0, digits - log10(max|x|)))``.

    Note the missing ``ceiling()`` (added only in R 4.4): with ``digits = 5``
    and ``max|x| = 2143`` the values are rounded to ``floor(1.67 + 0.5) = 2``
    decimals.

    Parameters
    ----------
    x : sequence of float
        Values; NaN (R's NA) is kept.
    digits : int, default 7

    Returns
    -------
    list of float
    """
    vals = _nums(x)
    ok = [abs(v) for v in vals if not math.isnan(v)]
    if not ok:
        return vals
    mx = max(ok)
    d = max(0.0, digits - math.log10(mx)) if mx > 0 else digits
    return [r_round(v, d) for v in vals]


# =====================================================================
# R's formatReal / format()
# =====================================================================
def _round_bits(q: Fraction, bits: int = _LDBL_MANT) -> Fraction:
    """Round a positive rational to ``bits`` significant bits, ties to even."""
    e = q.numerator.bit_length() - q.denominator.bit_length()
    if q < Fraction(2) ** e:
        e -= 1
    scale = Fraction(2) ** (e - bits + 1)
    return round(q / scale) * scale


def _scientific(x: float, digits: int) -> tuple[int, int, int, bool]:
    """C ``scientific()`` of R's format.c (x86_64 long double build).

    Returns ``(neg, kpower, nsig, roundingwidens)`` with
    ``|x| = alpha * 10^kpower``, ``1 <= alpha < 10``, and ``nsig`` the number of
    significant digits (at most ``digits``) needed to show ``x`` to ``digits``
    significant digits.
    """
    if x == 0.0:
        return 0, 0, 1, False
    neg = 1 if x < 0 else 0
    r = -x if neg else x
    R = digits
    if R >= 16:  # DBL_DIG + 1: via sprintf("%#.*e")
        s = "%#.*e" % (R - 1, r)
        mant, expo = s.split("e")
        kpower = int(expo)
        dig = mant.replace(".", "")
        nsig = len(dig.rstrip("0")) or 1
        return neg, kpower, min(nsig, R), False
    kp = int(math.floor(math.log10(r))) - R + 1
    rq = Fraction(r)
    if abs(kp) <= _KP_MAX:
        if kp > 0:
            rq = _round_bits(rq / 10 ** kp)
        elif kp < 0:
            rq = _round_bits(rq * 10 ** (-kp))
    else:  # powl(10, kp): itself rounded to a long double
        rq = _round_bits(rq / _round_bits(Fraction(10) ** kp))
    if rq < Fraction(10) ** (R - 1):
        rq = _round_bits(rq * 10)
        kp -= 1
    alpha = round(rq)  # nearbyintl: to nearest, ties to even
    nsig = R
    for _ in range(R):
        if alpha % 10 == 0:
            alpha //= 10
            nsig -= 1
        else:
            break
    if nsig == 0 and R > 0:
        nsig = 1
        kp += 1
    kpower = kp + R - 1
    # fixed notation may round less than scientific (9996 with 3 digits)
    rgt = min(max(R - kpower, 0), _KP_MAX)
    fuzz = Fraction(1, 2) / Fraction(10) ** rgt
    widens = 0 < kpower <= _KP_MAX and Fraction(r) < Fraction(10) ** kpower - fuzz
    return neg, kpower, nsig, widens


def format_info(x: Sequence[float], digits: int = 7, nsmall: int = 0) -> tuple[int, int, int]:
    """R's C ``formatReal``: the common format of a numeric vector.

    R shows every element with at least ``digits`` significant digits (fewer
    where trailing zeros would follow) in one common layout: fixed notation
    with the largest number of decimals any element needs, unless scientific
    notation is narrower (``scipen = 0``).

    Parameters
    ----------
    x : sequence of float
        NaN is R's NA (it only widens the field to 2).
    digits : int, default 7
        R's ``digits`` (``getOption("digits")`` is 7).
    nsmall : int, default 0
        Minimum number of decimals in fixed notation (``format(nsmall=)``).

    Returns
    -------
    (w, d, e) : tuple of int
        Field width, number of decimals (or mantissa digits), and 0 for fixed
        notation / 1 or 2 (exponent digits - 1) for scientific notation.
    """
    vals = _nums(x)
    naflag = posinf = neginf = False
    neg = 0
    rgt = mxl = mxsl = mxns = None
    mnl = None
    for v in vals:
        if math.isnan(v):
            naflag = True
            continue
        if math.isinf(v):
            if v > 0:
                posinf = True
            else:
                neginf = True
            continue
        neg_i, kpower, nsig, widens = _scientific(v, digits)
        left = kpower + 1
        if widens:
            left -= 1
        sleft = neg_i + (1 if left <= 0 else left)
        right = nsig - left
        if neg_i:
            neg = 1
        rgt = right if rgt is None else max(rgt, right)
        mxl = left if mxl is None else max(mxl, left)
        mnl = left if mnl is None else min(mnl, left)
        mxsl = sleft if mxsl is None else max(mxsl, sleft)
        mxns = nsig if mxns is None else max(mxns, nsig)
    if mxns is not None:
        if digits == 0:
            rgt = 0
        if mxl < 0:
            mxsl = 1 + neg
        rgt = max(rgt, 0)
        wF = mxsl + rgt + (rgt != 0)
        e = 2 if (mxl > 100 or mnl <= -99) else 1
        d = mxns - 1
        w = neg + (d > 0) + d + 4 + e
        if wF <= w:  # R_print.scipen = 0
            e = 0
            if nsmall > rgt:
                rgt = nsmall
                wF = mxsl + rgt + (rgt != 0)
            d = rgt
            w = wF
    else:
        w = d = e = 0
    if naflag:
        w = max(w, _NA_WIDTH)
    if posinf:
        w = max(w, 3)
    if neginf:
        w = max(w, 4)
    return w, d, e


def encode_real(x: float, w: int, d: int, e: int, na: str = "NA") -> str:
    """R's ``EncodeReal0``: one number in the format ``(w, d, e)`` of :func:`format_info`."""
    x = _num(x)
    if math.isnan(x):
        return _rjust(na, w)
    if math.isinf(x):
        return _rjust("Inf" if x > 0 else "-Inf", w)
    if x == 0.0:
        x = 0.0  # no negative zero
    if e:
        return ("%#*.*e" if d else "%*.*e") % (w, d, x)
    return "%*.*f" % (w, d, x)


def r_format(x: Any, digits: int = 7, nsmall: int = 0, width: int = 0,
             trim: bool = False, na: str = "NA") -> list[str]:
    """R's ``format(x, digits, nsmall)`` of a numeric vector: common width and decimals.

    Parameters
    ----------
    x : float or sequence of float
        NaN/None is R's NA.
    digits : int, default 7
    nsmall : int, default 0
    width : int, default 0
        Minimum field width.
    trim : bool, default False
        No padding to a common width (``format(trim = TRUE)``).
    na : str, default "NA"

    Returns
    -------
    list of str

    Examples
    --------
    >>> r_format([4234.0, 4264.8], digits=4)
    ['4234', '4265']
    >>> r_format([0.0018, 0.04242192], digits=4)
    ['0.00180', '0.04242']
    """
    vals = _nums(x)
    w, d, e = format_info(vals, digits, nsmall)
    w = 0 if trim else max(w, width)
    return [encode_real(v, w, d, e, na) for v in vals]


def format_pval(pv: Sequence[float], digits: int = 5, eps: float = DBL_EPSILON,
                na_form: str = "NA") -> list[str]:
    """R's ``format.pval``: p values, fixed and scientific ones formatted apart.

    Values below ``eps`` print as ``"< 2e-16"`` (for ``eps = .Machine$double.eps``).

    Parameters
    ----------
    pv : sequence of float
    digits : int, default 5
        ``printCoefmat`` passes ``dig.tst`` (3 in lme4's summary, 4 in anova).
    eps : float, default ``.Machine$double.eps``
    na_form : str, default "NA"

    Returns
    -------
    list of str
    """
    vals = _nums(pv)
    ina = [math.isnan(v) for v in vals]
    p = [v for v, n in zip(vals, ina) if not n]
    is0 = [v < eps for v in p]
    r = [""] * len(p)
    rr: list[str] = []
    if not all(is0):
        nz = [v for v, z in zip(p, is0) if not z]
        expo = [math.floor(math.log10(v if v > 0 else 1e-50)) for v in nz]
        fixp = [ex >= -3 or (ex == -4 and digits > 1) for ex in expo]
        rr = [""] * len(nz)
        for flag in (True, False):
            idx = [i for i, f in enumerate(fixp) if f == flag]
            if idx:
                for i, s in zip(idx, r_format([nz[i] for i in idx], digits)):
                    rr[i] = s
        it = iter(rr)
        r = [next(it) if not z else "" for z in is0]
    if any(is0):
        dg = max(1, digits - 2)
        if not all(is0):
            nc = max(len(s) for s in rr)
            if dg > 1 and dg + 6 > nc:
                dg = max(1, nc - 7)
            sep = "" if (dg == 1 and nc <= 6) else " "
        else:
            sep = "" if dg == 1 else " "
        lt = "<" + sep + r_format([eps], dg)[0]
        r = [lt if z else s for s, z in zip(r, is0)]
    it = iter(r)
    return [na_form if n else next(it) for n in ina]


def signif_stars(pv: Sequence[float]) -> list[str]:
    """R's ``symnum`` significance codes (``***`` <= 0.001 < ``**`` <= 0.01 ...); NA gives ""."""
    out = []
    for v in _nums(pv):
        if math.isnan(v) or v < 0 or v > 1:
            out.append("")
            continue
        for cut, sym in zip(_CUTPOINTS[1:], _STARS):
            if v <= cut:
                out.append(sym)
                break
    return out

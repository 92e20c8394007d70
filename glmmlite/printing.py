"""R's printed layout for glmer fits, as pure formatting functions.

Everything here takes plain numbers (floats, lists, pandas objects) and returns
text, so a reader who knows lme4 finds the same digits in the same places:

* :func:`format_summary` -- ``print(summary(m))`` of lme4 1.1-31 (R 4.2), and
  :func:`summary_html`, the same content as an HTML table for Jupyter;
* :func:`format_anova` -- ``anova(m2, m)``; :func:`format_confint` --
  ``print(confint(m))``;
* the blocks of the summary on their own (:func:`format_fit_stats`,
  :func:`format_scaled_residuals`, :func:`format_varcorr`,
  :func:`format_coef_table`, :func:`format_corr_fixef`, ...);
* the R machinery behind them: :func:`r_format` (R's ``format()`` of a numeric
  vector, i.e. C ``formatReal`` with its fixed/scientific choice),
  :func:`r_round` (R >= 4.0 ``round``), :func:`zapsmall`, :func:`format_pval`,
  :func:`abbreviate`, :func:`print_coefmat`, and the printers of named
  vectors and matrices (``print.default``), with R's 80-column line width.

The rules were taken from R 4.2's sources (``src/main/format.c``,
``src/main/printmatrix.c``, ``src/library/stats/R/anova.R``,
``src/library/base/R/format.R``, ``src/nmath/fround.c``,
``src/main/character.c``) and lme4's ``R/lmer.R`` (``.prt.*`` functions,
``formatVC``, ``print.summary.merMod``).  Two R 4.2 details matter for the
digits:

* ``zapsmall(x, digits)`` rounds to ``digits - log10(max|x|)`` decimals
  *without* taking the ceiling (``round()`` then uses ``floor(d + 0.5)``), so
  the anova table's logLik -2143.147 is zapped to -2143.15 and printed
  -2143.2, exactly as R does;
* lme4 1.1-31 calls ``printCoefmat`` *without* ``zap.ind`` (the z column
  shows 18.652, not 18.65).
"""
from __future__ import annotations

import html
import math
import re
from fractions import Fraction
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "R_WIDTH", "SIGNIF_LEGEND", "SINGULAR_MESSAGE",
    "r_round", "zapsmall", "format_info", "encode_real", "r_format", "format_pval",
    "abbreviate", "strwrap", "cat_fill", "print_named_vector", "print_matrix",
    "print_numeric_matrix", "print_coefmat", "signif_stars",
    "method_title", "format_title", "format_call", "format_fit_stats",
    "format_scaled_residuals", "format_varcorr", "format_ngroups", "format_coef_table",
    "format_corr_fixef", "format_conv_messages", "format_summary", "format_anova",
    "format_confint", "table_html", "summary_html", "anova_html", "confint_html",
]

#: R's default ``getOption("width")``.
R_WIDTH = 80
#: R's ``print.gap``: spaces between the columns of a printed vector or matrix.
R_GAP = 1
#: ``.Machine$double.eps``, the ``eps`` of ``format.pval`` in ``printCoefmat``.
DBL_EPSILON = 2.220446049250313e-16
#: The legend ``printCoefmat`` prints under the stars (UTF-8 locale quotes, as in R).
SIGNIF_LEGEND = "0 \u2018***\u2019 0.001 \u2018**\u2019 0.01 \u2018*\u2019 0.05 \u2018.\u2019 0.1 \u2018 \u2019 1"
#: The message lme4 (>= 1.1-27) prints at the end of the summary of a singular fit.
SINGULAR_MESSAGE = "boundary (singular) fit: see help('isSingular')"

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


# =====================================================================
# strings: abbreviate, strwrap, cat(fill = TRUE)
# =====================================================================
_VOWELS = set("aeiou")


def _strip_chars(s: str, minlen: int) -> str:
    """C ``stripchars`` of R's ``abbreviate`` (use.classes = TRUE)."""
    b = list(s)
    if len(b) < minlen:
        return s
    nspace = 0

    def first_char(i: int) -> bool:
        return b[i - 1].isspace()

    def last_char(i: int) -> bool:
        return (not b[i - 1].isspace()) and (i + 1 >= len(b) or b[i + 1].isspace())

    def done() -> bool:
        return len(b) - nspace <= minlen

    # trailing spaces dropped, inner spaces counted (word boundaries)
    j = True
    for i in range(len(b) - 1, 0, -1):
        if b[i].isspace():
            if j:
                del b[i:]
            else:
                nspace += 1
        else:
            j = False
        if done():
            return _finish_strip(b, minlen)
    rules = [
        lambda i: b[i] in _VOWELS and last_char(i),          # l.c. vowels ending a word
        lambda i: b[i] in _VOWELS and not first_char(i),     # other l.c. vowels
        lambda i: b[i].islower() and last_char(i),           # l.c. letters ending a word
        lambda i: b[i].islower() and not first_char(i),      # other l.c. letters
        lambda i: not first_char(i) and not b[i].isspace(),  # brute force
    ]
    for rule in rules:
        for i in range(len(b) - 1, 0, -1):
            if i < len(b) and rule(i):
                del b[i]
            if done():
                return _finish_strip(b, minlen)
    return _finish_strip(b, minlen)


def _finish_strip(b: list[str], minlen: int) -> str:
    if len(b) > minlen:
        b = [b[0]] + [c for c in b[1:] if not c.isspace()]
    return "".join(b)


def abbreviate(names: Sequence[str], minlength: int = 4) -> list[str]:
    """R's ``abbreviate(names, minlength)`` (method "left.kept", not strict).

    Lower-case vowels are dropped from the end, then lower-case letters, ...;
    when abbreviations collide, ``minlength`` grows for the colliding ones.

    Examples
    --------
    >>> abbreviate(["(Intercept)", "trttreat", "sexmale"], 6)
    ['(Intr)', 'trttrt', 'sexmal']
    >>> abbreviate(["(Intercept)", "trttreat:sexmale"], 11)
    ['(Intercept)', 'trttrt:sxml']
    """
    old = [str(n).strip(" ") for n in names]
    if minlength <= 0:
        return [""] * len(old)
    uniq = list(dict.fromkeys(old))
    x = list(uniq)
    todo = list(range(len(uniq)))
    ml = minlength
    while True:
        for i in todo:
            x[i] = _strip_chars(uniq[i], ml) if len(uniq[i]) > ml else uniq[i]
        seen: dict[str, int] = {}
        dup = set()
        for i, v in enumerate(x):
            if v in seen:
                dup.add(i)
            seen.setdefault(v, i)
        if not dup:
            break
        ml += 1
        clash = {x[i] for i in dup}
        todo = [i for i, v in enumerate(x) if i in dup or v in clash]
    m = dict(zip(uniq, x))
    return [m[n] for n in old]


def strwrap(text: str, width: int, indent: int = 0, exdent: int = 0) -> list[str]:
    """R's ``strwrap`` for one paragraph: greedy lines shorter than ``width``.

    A word ending a sentence (``[.?!][)"']*``) is followed by two spaces, as in R.
    """
    words = [w for w in text.replace("\t", " ").replace("\n", " ").split(" ") if w]
    if not words:
        return [""]
    ends = [bool(re.search(r"[.?!][)\"']*$", w)) for w in words]
    lines: list[list[int]] = []
    cur: list[int] = []
    cur_len = 0
    max_len = width - indent - 1
    for i, w in enumerate(words):
        extra = len(w) + (1 if cur else 0) + (1 if cur and ends[cur[-1]] else 0)
        if cur and cur_len + extra > max_len:
            lines.append(cur)
            cur, cur_len = [], 0
            max_len = width - exdent - 1
            extra = len(w)
        cur.append(i)
        cur_len += extra
    lines.append(cur)
    out = []
    for k, idx in enumerate(lines):
        s = ""
        for n, i in enumerate(idx):
            if n:
                s += "  " if ends[idx[n - 1]] else " "
            s += words[i]
        out.append((" " * (indent if k == 0 else exdent)) + s)
    return out


def cat_fill(*objs: str | Sequence[str] | None, sep: str = " ", fill: int = R_WIDTH) -> str:
    """R's ``cat(..., sep = sep, fill = TRUE)``: items on lines of at most ``fill`` columns.

    ``None`` is R's NULL (skipped, no separator).  The separator is printed
    before the line break, so a broken line can end in a space, as in R.
    The result ends with a newline.
    """
    out: list[str] = []
    width = 0
    sepw = len(sep)
    for iobj, s in enumerate(objs):
        if s is None:
            continue
        elems = [s] if isinstance(s, str) else [str(v) for v in s]
        if iobj != 0:
            out.append(sep)
        if not elems:
            continue
        p = elems[0]
        if iobj > 0 and width + len(p) + sepw > fill:
            out.append("\n")
            width = 0
        for i in range(len(elems)):
            out.append(p)
            width += len(p) + sepw
            if i < len(elems) - 1:
                out.append(sep)
                p = elems[i + 1]
                if width + len(p) + sepw > fill:
                    out.append("\n")
                    width = 0
    out.append("\n")
    return "".join(out)


# =====================================================================
# print.default of named vectors and matrices
# =====================================================================
def print_named_vector(cells: Sequence[str], names: Sequence[str], width: int = R_WIDTH) -> list[str]:
    """R's printing of a named vector (``printNamedVector``), entries already formatted.

    Names and entries are right-justified in a common field, each followed by
    the gap (so lines end in a space, as in R), wrapping at ``width``.

    Returns
    -------
    list of str
        The printed lines.
    """
    cells = list(cells)
    names = [str(n) for n in names]
    w = max([len(c) for c in cells] + [len(n) for n in names] + [0])
    per = max(1, width // (w + R_GAP))
    lines = []
    for start in range(0, len(cells), per):
        lines.append("".join(_rjust(n, w) + " " * R_GAP for n in names[start:start + per]))
        lines.append("".join(_rjust(c, w) + " " * R_GAP for c in cells[start:start + per]))
    return lines


def print_matrix(cells: Sequence[Sequence[str]], rownames: Sequence[str] | None,
                 colnames: Sequence[str], *, right: bool, width: int = R_WIDTH) -> list[str]:
    """R's ``print.default`` of a character matrix (``quote = FALSE``).

    Parameters
    ----------
    cells : sequence of rows of str
        The formatted entries, ``cells[i][j]``.
    rownames : sequence of str or None
        Row labels (left-justified); None prints R's ``[1,]`` labels.
    colnames : sequence of str
    right : bool
        Right-justify entries and column labels (``right = TRUE``, as
        ``printCoefmat`` and numeric matrices); otherwise left-justify.
    width : int, default 80
        Line width: columns that do not fit continue in a further block.

    Returns
    -------
    list of str
        The printed lines.
    """
    nr = len(cells)
    nc = len(colnames)
    if rownames is None:
        rl = [f"[{i + 1},]" for i in range(nr)]
        rlabw = _index_width(nr + 1) + 3 if nr else 0
        rl = [_rjust(s, rlabw) for s in rl]
    else:
        rl = [str(s) for s in rownames]
        rlabw = max([len(s) for s in rl] + [0])
        rl = [_ljust(s, rlabw) for s in rl]
    w = []
    for j in range(nc):
        w.append(max([len(colnames[j])] + [len(cells[i][j]) for i in range(nr)]))
    just = _rjust if right else _ljust
    lines: list[str] = []
    jmin = 0
    while jmin < nc or (nc == 0 and not lines):
        if nc == 0:
            lines.append(" " * rlabw)
            lines.extend(rl)
            break
        tot = rlabw
        jmax = jmin
        while True:
            tot += w[jmax] + R_GAP
            jmax += 1
            if not (jmax < nc and tot + w[jmax] + R_GAP < width):
                break
        lines.append(" " * rlabw + "".join(" " * R_GAP + just(colnames[j], w[j]) for j in range(jmin, jmax)))
        for i in range(nr):
            lines.append(rl[i] + "".join(" " * R_GAP + just(cells[i][j], w[j]) for j in range(jmin, jmax)))
        jmin = jmax
    return lines


def print_numeric_matrix(values: Any, rownames: Sequence[str] | None, colnames: Sequence[str],
                         digits: int = 7, width: int = R_WIDTH) -> list[str]:
    """R's ``print`` of a numeric matrix: each column formatted on its own (``formatReal``).

    Parameters
    ----------
    values : 2-D array-like
    rownames, colnames : sequence of str
    digits : int, default 7
    width : int, default 80

    Returns
    -------
    list of str
    """
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 2:
        arr = arr.reshape(len(rownames) if rownames is not None else -1, len(colnames))
    cols = [r_format(arr[:, j].tolist(), digits) for j in range(arr.shape[1])]
    cells = [[cols[j][i] for j in range(arr.shape[1])] for i in range(arr.shape[0])]
    return print_matrix(cells, rownames, list(colnames), right=True, width=width)


def print_coefmat(columns: Sequence[Sequence[float]], rownames: Sequence[str], colnames: Sequence[str], *,
                  digits: int, show_stars: bool = True, signif_legend: bool | None = None,
                  dig_tst: int | None = None, cs_ind: Sequence[int] | None = None,
                  tst_ind: Sequence[int] | None = None, zap_ind: Sequence[int] = (),
                  has_pvalue: bool | None = None, p_values: bool | None = None,
                  eps_pvalue: float = DBL_EPSILON, na_print: str = "NA",
                  width: int = R_WIDTH) -> tuple[list[str], list[list[str]], list[str], bool]:
    """R's ``stats::printCoefmat`` (R 4.2), with 0-based column indices.

    Estimates and standard errors (``cs_ind``) are rounded together to
    ``max(1, digits - digmin)`` decimals (``digmin`` = 1 + floor(log10) of the
    smallest non-zero |value|) and formatted together; test statistics
    (``tst_ind``) are rounded to ``dig_tst`` decimals; other columns are
    formatted on their own (after ``zapsmall`` for ``zap_ind``); p values go
    through :func:`format_pval` with ``dig_tst`` digits, plus stars.

    Parameters
    ----------
    columns : sequence of columns of float
        ``columns[j][i]``; NaN is NA.
    rownames, colnames : sequence of str
    digits : int
    show_stars : bool, default True
        Add the stars column (only if some p < 0.1).
    signif_legend : bool, optional
        Print the legend (default: when stars are shown).
    dig_tst : int, optional
        Default ``max(1, min(5, digits - 1))``.
    cs_ind, tst_ind : sequence of int, optional
        Defaults: all columns before the test statistic / the column before the p values.
        Pass ``cs_ind=[]`` for none.
    zap_ind : sequence of int, default ()
    has_pvalue, p_values : bool, optional
        Default: the last column is named ``"Pr(..."`` or ``"p-v..."``.
    eps_pvalue : float, default ``.Machine$double.eps``
    na_print : str, default "NA"
    width : int, default 80

    Returns
    -------
    (lines, cells, header, stars) : tuple
        The printed lines (legend included), the formatted cells, the column
        labels (with ``""`` for the stars column) and whether stars were shown.
    """
    cols = [_nums(c) for c in columns]
    colnames = [str(c) for c in colnames]
    nc = len(cols)
    nr = len(rownames)
    if dig_tst is None:
        dig_tst = max(1, min(5, digits - 1))
    if has_pvalue is None:
        has_pvalue = nc >= 4 and colnames[-1][:3] in ("Pr(", "p-v")
    if p_values is None:
        p_values = has_pvalue
    if has_pvalue and not p_values:
        cols, colnames = cols[:-1], colnames[:-1]
        nc -= 1
        has_pvalue = False
    k = nc - int(has_pvalue) - (1 if tst_ind is None else len(tst_ind))
    if cs_ind is None:
        cs_ind = list(range(k))
    if tst_ind is None:
        tst_ind = [k]
    cs_ind, tst_ind = list(cs_ind), list(tst_ind)
    xm = [list(c) for c in cols]
    Cf = [[""] * nc for _ in range(nr)]
    ina = [[math.isnan(xm[j][i]) for j in range(nc)] for i in range(nr)]
    ok = [[not ina[i][j] for j in range(nc)] for i in range(nr)]
    for j in zap_ind:
        xm[j] = zapsmall(xm[j], digits)
    if cs_ind:
        allv = [xm[j][i] for j in cs_ind for i in range(nr)]
        fin = [abs(v) for v in allv if math.isfinite(v)]
        if fin:
            nz = [a for a in fin if a != 0]
            digmin = [1 + math.floor(math.log10(min(nz))), 1 + math.floor(math.log10(max(nz)))] if nz else [1]
            rd = max([1] + [digits - d for d in digmin])
            strs = r_format([r_round(v, rd) for v in allv], digits)
            it = iter(strs)
            for j in cs_ind:
                for i in range(nr):
                    Cf[i][j] = next(it)
    if tst_ind:
        allv = [r_round(xm[j][i], dig_tst) for j in tst_ind for i in range(nr)]
        it = iter(r_format(allv, digits))
        for j in tst_ind:
            for i in range(nr):
                Cf[i][j] = next(it)
    pcol = nc - 1 if has_pvalue else None
    for j in range(nc):
        if j in cs_ind or j in tst_ind or j == pcol:
            continue
        for i, s in enumerate(r_format(xm[j], digits)):
            Cf[i][j] = s
    for j in tst_ind:
        for i in range(nr):
            ok[i][j] = False
    # entries shown as 0 although not 0: re-format with one digit less
    fix = []
    for j in range(nc):
        if j == pcol:
            continue
        for i in range(nr):
            if ok[i][j]:
                try:
                    shown0 = float(Cf[i][j]) == 0
                except ValueError:
                    continue
                if (xm[j][i] == 0) != shown0:
                    fix.append((i, j))
    if fix:
        for (i, j), s in zip(fix, r_format([xm[j][i] for i, j in fix], max(1, digits - 1))):
            Cf[i][j] = s
    for i in range(nr):
        for j in range(nc):
            if ina[i][j]:
                Cf[i][j] = na_print
    stars = False
    header = list(colnames)
    if p_values:
        pv = xm[pcol]
        okp = [ok[i][pcol] for i in range(nr)]
        if any(okp):
            fp = iter(format_pval([pv[i] for i in range(nr) if okp[i]], digits=dig_tst, eps=eps_pvalue))
            for i in range(nr):
                if okp[i]:
                    Cf[i][pcol] = next(fp)
            stars = show_stars and any(pv[i] < 0.1 for i in range(nr) if okp[i])
            if stars:
                sy = signif_stars(pv)
                ws = max(len(s) for s in sy)
                for i in range(nr):
                    Cf[i].append(_ljust(sy[i], ws))
                header.append("")
    lines = print_matrix(Cf, rownames, header, right=True, width=width)
    if signif_legend is None:
        signif_legend = stars
    if stars and signif_legend:
        lines += ["---", "Signif. codes:  " + SIGNIF_LEGEND]
    return lines, Cf, header, stars


# =====================================================================
# the blocks of print(summary(<glmerMod>))
# =====================================================================
def method_title(nAGQ: int = 1) -> str:
    """lme4's ``methTitle`` for a GLMM fit by maximum likelihood."""
    if int(nAGQ) == 1:
        meth = "(Laplace Approximation)"
    else:
        meth = "(Adaptive Gauss-Hermite Quadrature, nAGQ = %d)" % int(nAGQ)
    return "Generalized linear mixed model fit by maximum likelihood " + meth


def format_title(nAGQ: int = 1, class_name: str = "glmerMod", width: int = R_WIDTH) -> list[str]:
    """lme4's ``.prt.methTit``: the title, wrapped at ``width - 2`` with a 2-space indent."""
    mtit = method_title(nAGQ)
    if len(mtit) + 5 + len(class_name) > width:
        parts = strwrap(mtit, width - 2, exdent=2)
        return cat_fill(parts, " [", class_name, "]", sep="", fill=width).rstrip("\n").split("\n")
    return ["%s ['%s']" % (mtit, class_name)]


def format_call(*, family: str | None = "binomial", link: str | None = "logit",
                formula: str | Sequence[str] | None = None, data_name: str | None = None,
                weights_name: str | None = None, offset_name: str | None = None,
                control: str | None = None, subset: str | None = None,
                width: int = R_WIDTH) -> list[str]:
    """lme4's ``.prt.family`` and ``.prt.call``: the Family, Formula, Data, ... lines.

    Parameters
    ----------
    family, link : str or None
    formula : str or sequence of str
        The formula as R deparses it (``y ~ trt * sex + (1 | id)``: spaces
        around ``|``, ``~`` and binary operators).  R's ``deparse`` cuts long
        formulas into pieces of about 60 characters; pass those pieces as a
        list to reproduce the exact line breaks.
    data_name : str or None
        The expression given as ``data =`` (``"d"``); None: no Data line.
    weights_name, offset_name, control, subset : str or None
        The deparsed ``weights =``, ``offset =``, ``control =`` (shown unless
        ``"lmerControl()"``), ``subset =`` arguments, if given.

    Returns
    -------
    list of str
    """
    out = ""
    if family is not None:
        out += cat_fill(" Family:", family, None if link is None else " ( %s )" % link, fill=width)
    for label, val in (("Formula:", formula), ("   Data:", data_name), ("Weights:", weights_name),
                       (" Offset:", offset_name)):
        if val is not None:
            out += cat_fill(label, val, fill=width)
    if control is not None and control != "lmerControl()":
        out += cat_fill("Control:", control, fill=width)
    if subset is not None:
        out += cat_fill(" Subset:", subset, fill=width)
    return out.rstrip("\n").split("\n") if out else []


def format_fit_stats(aic: float, bic: float, loglik: float, deviance: float, df_resid: float) -> list[str]:
    """lme4's ``.prt.aictab``: AIC, BIC, logLik, deviance (rounded to 1 decimal) and df.resid.

    The four statistics are ``round(x, 1)`` then ``format()``-ed together with
    7 digits (so they share one decimal); ``df.resid`` is formatted alone.

    Returns
    -------
    list of str
        Two lines: the names and the values (right-justified, trailing gap).
    """
    t4 = [r_round(v, 1) for v in (aic, bic, loglik, deviance, df_resid)]
    cells = r_format(t4[:4], 7) + r_format([t4[4]], 7)
    return print_named_vector(cells, ["AIC", "BIC", "logLik", "deviance", "df.resid"])


def format_scaled_residuals(quantiles: Any, digits: int = 4) -> list[str]:
    """lme4's ``.prt.resids``: the "Scaled residuals:" block (without the blank line after it).

    ``zapsmall(quantile(r), digits + 1)``, printed as a named vector with ``digits``.

    Parameters
    ----------
    quantiles : 5 floats or a mapping/Series
        Min, 1Q, Median, 3Q, Max of the Pearson residuals (type-7 quantiles).
    digits : int, default 4
    """
    q = list(quantiles.values()) if isinstance(quantiles, Mapping) else _nums(quantiles)
    rq = zapsmall(q, digits + 1)
    return ["Scaled residuals: "] + print_named_vector(r_format(rq, digits),
                                                       ["Min", "1Q", "Median", "3Q", "Max"])


def _varcorr_terms(varcorr: Any) -> list[tuple[str, list[str], list[float], np.ndarray | None]]:
    """Random-effect terms ``(group, names, sds, corr)`` from the accepted varcorr layouts."""
    if isinstance(varcorr, (list, tuple)):
        out = []
        for t in varcorr:
            g, names, sds = t[0], list(t[1]), _nums(t[2])
            corr = None if len(t) < 4 or t[3] is None else np.asarray(t[3], float)
            out.append((str(g), [str(n) for n in names], sds, corr))
        return out
    df = pd.DataFrame(varcorr)
    cols = set(df.columns)
    terms: list[tuple[str, list[str], list[float], np.ndarray | None]] = []
    if {"grp", "var1", "sdcor"} <= cols:  # as.data.frame(VarCorr(m))
        cur: dict | None = None
        for _, row in df.iterrows():
            var2 = row.get("var2")
            if _is_na(var2):
                if cur is None or cur["grp"] != row["grp"] or cur["done"]:
                    cur = {"grp": str(row["grp"]), "names": [], "sds": [], "cors": {}, "done": False}
                    terms.append(cur)  # type: ignore[arg-type]
                cur["names"].append(str(row["var1"]))
                cur["sds"].append(_num(row["sdcor"]))
            else:
                cur["cors"][(str(row["var1"]), str(var2))] = _num(row["sdcor"])  # type: ignore[index]
                cur["done"] = True  # type: ignore[index]
        out = []
        for t in terms:
            t = dict(t)  # type: ignore[arg-type]
            n = len(t["names"])
            corr = None
            if n > 1:
                corr = np.eye(n)
                for (a, b), v in t["cors"].items():
                    ia, ib = t["names"].index(a), t["names"].index(b)
                    corr[ia, ib] = corr[ib, ia] = v
            out.append((t["grp"], t["names"], t["sds"], corr))
        return out
    if not ({"Groups", "Name"} <= cols and ("Std.Dev." in cols or "Variance" in cols)):
        raise ValueError("varcorr needs columns Groups, Name, Std.Dev. (and Corr... for vector terms), "
                         "or lme4's as.data.frame(VarCorr(m)) columns grp, var1, var2, vcov, sdcor")
    ccols = [c for c in df.columns if str(c).startswith("Corr")]
    sd = (df["Std.Dev."] if "Std.Dev." in cols else np.sqrt(df["Variance"].astype(float))).tolist()
    cur_t: list | None = None
    for i, (_, row) in enumerate(df.iterrows()):
        g = str(row["Groups"])
        first_corr = _num(row[ccols[0]]) if ccols else math.nan
        new = cur_t is None or (g != "" and g != cur_t[0]) or math.isnan(first_corr)
        if new:
            cur_t = [g, [], [], []]
            terms.append(cur_t)  # type: ignore[arg-type]
        cur_t[1].append(str(row["Name"]))
        cur_t[2].append(_num(sd[i]))
        cur_t[3].append([_num(row[c]) for c in ccols])
    out = []
    for g, names, sds, rows in terms:  # type: ignore[misc]
        n = len(names)
        corr = None
        if n > 1:
            corr = np.eye(n)
            for r in range(1, n):
                for c in range(r):
                    corr[r, c] = corr[c, r] = rows[r][c]
        out.append((g, names, sds, corr))
    return out


def _varcorr_cells(varcorr: Any, digits: int = 4) -> tuple[list[list[str]], list[str]]:
    """lme4's ``formatVC`` (comp = Variance and Std.Dev.): cells and column names."""
    terms = _varcorr_terms(varcorr)
    sds = [s for t in terms for s in t[2]]
    var_s = r_format([s * s for s in sds], digits)
    sd_s = r_format(sds, digits)
    rows: list[list[str]] = []
    k = 0
    for g, names, tsd, _ in terms:
        for r, nm in enumerate(names):
            rows.append([g if r == 0 else "", nm, var_s[k], sd_s[k]])
            k += 1
    colnames = ["Groups", "Name", "Variance", "Std.Dev."]
    maxlen = max(len(t[1]) for t in terms) if terms else 1
    if maxlen > 1:
        dig = max(2, digits - 2)
        co: list[list[str]] = []
        for _, names, _, corr in terms:
            n = len(names)
            cm = np.eye(n) if corr is None else np.asarray(corr, float)
            cc = r_format([r_round(v, dig) for v in cm.ravel(order="F")], 7, nsmall=dig)
            for r in range(n):
                line = [cc[c * n + r] if r > c else "" for c in range(n)]
                line += [""] * (maxlen - n)
                co.append(line[:maxlen - 1])
        for r in range(len(rows)):
            rows[r] += co[r] if r < len(co) else [""] * (maxlen - 1)
        colnames += ["Corr"] + [""] * (maxlen - 2)
    return rows, colnames


def format_varcorr(varcorr: Any, digits: int = 4, width: int = R_WIDTH) -> list[str]:
    """lme4's ``.prt.VC``: the "Random effects:" block.

    Variances (computed as Std.Dev.^2, as lme4 does) and standard deviations
    are each formatted together with ``digits`` significant digits; vector
    terms get the lower triangle of their correlation matrix, rounded to
    ``max(2, digits - 2)`` decimals.

    Parameters
    ----------
    varcorr : DataFrame or list of tuples
        Either lme4's ``as.data.frame(VarCorr(m))`` (columns ``grp, var1,
        var2, vcov, sdcor``), or one row per random effect with columns
        ``Groups, Name, Std.Dev.`` (``Variance`` is ignored when ``Std.Dev.``
        is there) and, for vector terms, ``Corr, Corr.2, ...`` holding on row
        r the correlations with the term's earlier rows (NaN elsewhere), or a
        list of ``(group, names, sds, corr_matrix_or_None)``.
    digits : int, default 4

    Returns
    -------
    list of str
    """
    rows, colnames = _varcorr_cells(varcorr, digits)
    return ["Random effects:"] + print_matrix(rows, [""] * len(rows), colnames, right=False, width=width)


def format_ngroups(nobs: int, ngroups: Mapping[str, int], width: int = R_WIDTH) -> list[str]:
    """lme4's ``.prt.grps``: ``Number of obs: 3500, groups:  id, 250``.

    ``ngroups`` in lme4's order (grouping factors by decreasing number of levels).
    """
    grp = "; ".join("%s, %d" % (k, int(v)) for k, v in ngroups.items())
    return cat_fill("Number of obs: %d, groups: " % int(nobs), grp, fill=width).rstrip("\n").split("\n")


_COEF_ALIASES = {
    "Estimate": ("Estimate", "estimate"),
    "Std. Error": ("Std. Error", "std_error", "se", "Std.Error"),
    "z value": ("z value", "z_value", "z"),
    "Pr(>|z|)": ("Pr(>|z|)", "p_value", "p"),
}


def _coef_columns(coef_table: Any) -> tuple[list[str], list[list[float]]]:
    df = pd.DataFrame(coef_table)
    if "term" in df.columns:
        df = df.set_index("term")
    cols = []
    for key, names in _COEF_ALIASES.items():
        for n in names:
            if n in df.columns:
                cols.append(_nums(df[n]))
                break
        else:
            raise ValueError(f"coef_table needs a column {key!r} (columns: {list(df.columns)})")
    return [str(i) for i in df.index], cols


def format_coef_table(coef_table: Any, digits: int = 4, signif_stars: bool = True,
                      width: int = R_WIDTH) -> list[str]:
    """The "Fixed effects:" table: R's ``printCoefmat(coefs, digits = 4)`` as lme4 1.1-31 calls it.

    Parameters
    ----------
    coef_table : DataFrame
        Index = coefficient names; columns ``Estimate, Std. Error, z value,
        Pr(>|z|)`` (or ``estimate, std_error, z_value, p_value``).
    digits : int, default 4
    signif_stars : bool, default True

    Returns
    -------
    list of str
        The table, and the ``---`` / ``Signif. codes:`` legend when stars are shown.
    """
    names, cols = _coef_columns(coef_table)
    lines, _, _, _ = print_coefmat(cols, names, ["Estimate", "Std. Error", "z value", "Pr(>|z|)"],
                                   digits=digits, show_stars=signif_stars, width=width)
    return lines


def _corr_cells(corr: Any, names: Sequence[str] | None = None) -> tuple[list[list[str]], list[str], list[str]]:
    if isinstance(corr, pd.DataFrame):
        names = [str(c) for c in corr.index] if names is None else list(names)
        arr = corr.to_numpy(dtype=float)
    else:
        arr = np.asarray(corr, dtype=float)
        if names is None:
            raise ValueError("names are needed when corr is not a DataFrame")
    p = arr.shape[0]
    cc = r_format([r_round(v, 3) for v in arr.ravel(order="F")], 7, nsmall=3)
    cells = [[cc[j * p + i] if i > j else "" for j in range(p)] for i in range(p)]
    rns = abbreviate(list(names), 11)
    cns = abbreviate(list(names), 6)
    return [row[:p - 1] for row in cells[1:]], rns[1:], cns[:p - 1]


def format_corr_fixef(corr: Any, names: Sequence[str] | None = None, width: int = R_WIDTH) -> list[str]:
    """lme4's "Correlation of Fixed Effects:" block.

    ``format(round(corr, 3), nsmall = 3)`` over the whole matrix, lower
    triangle only, rows labelled ``abbreviate(names, 11)`` and columns
    ``abbreviate(names, 6)`` (``(Intr)``, ``trttrt``, ...).  Empty for p < 2.

    Parameters
    ----------
    corr : DataFrame or 2-D array
        The correlation matrix of the fixed effects (``cov2cor(vcov(m))``).
    names : sequence of str, optional
        Coefficient names (default: the DataFrame's index).
    """
    p = np.asarray(corr).shape[0]
    if p < 2:
        return []
    cells, rns, cns = _corr_cells(corr, names)
    return ["Correlation of Fixed Effects:"] + print_matrix(cells, rns, cns, right=False, width=width)


def format_conv_messages(*, messages: Sequence[str] = (), singular: bool = False,
                         optimizer: str = "Nelder_Mead", conv_code: int = 0,
                         optimizer_message: str | None = None,
                         optimizer_warnings: Sequence[str] = ()) -> list[str]:
    """lme4's ``.prt.warn``: optimizer status and convergence messages, or nothing if all is OK.

    Printed only when the convergence code is not 0 or there are messages:
    ``optimizer (Nelder_Mead) convergence code: 0 (OK)`` followed by the
    messages (lme4's checks, e.g. ``boundary (singular) fit: see
    help('isSingular')`` -- added here when ``singular`` is True) and the
    optimizer's warnings.
    """
    msgs = [str(m) for m in messages if str(m)]
    if singular and SINGULAR_MESSAGE not in msgs:
        msgs.insert(0, SINGULAR_MESSAGE)
    warns = [str(w) for w in optimizer_warnings]
    if conv_code == 0 and not msgs and not warns:
        return []
    m = "(OK)" if conv_code == 0 else ("(%s)" % optimizer_message if optimizer_message is not None else "")
    head = "optimizer (%s) convergence code: %d %s" % (optimizer, int(conv_code), m)
    return "\n".join([head] + msgs + warns).split("\n")


def format_summary(*, nAGQ: int = 1, family: str = "binomial", link: str | None = "logit",
                   formula: str | Sequence[str], data_name: str | None = None,
                   weights_name: str | None = None, offset_name: str | None = None,
                   control: str | None = None, subset: str | None = None,
                   aic: float, bic: float, loglik: float, deviance: float, df_resid: float,
                   resid_quantiles: Any, varcorr: Any, nobs: int, ngroups: Mapping[str, int],
                   coef_table: Any, corr: Any = None, messages: Sequence[str] = (),
                   singular: bool = False, optimizer: str = "Nelder_Mead", conv_code: int = 0,
                   optimizer_message: str | None = None, optimizer_warnings: Sequence[str] = (),
                   fit_messages: Sequence[str] = (), n_dropped_na: int = 0,
                   class_name: str = "glmerMod", digits: int = 4, signif_stars: bool = True,
                   cor_max: int = 20, width: int = R_WIDTH) -> str:
    """The text of lme4's ``print(summary(m))`` for a ``glmer`` fit.

    Parameters
    ----------
    nAGQ : int, default 1
        1 = "Laplace Approximation", otherwise "Adaptive Gauss-Hermite Quadrature, nAGQ = k".
    family, link : str
    formula : str or sequence of str
        As R deparses it (see :func:`format_call`).
    data_name, weights_name, offset_name, control, subset : str or None
        The expressions of the call; ``None`` omits the line.
    aic, bic, loglik, deviance, df_resid : float
        ``deviance`` is -2 logLik (the summary's "deviance"), not ``deviance(m)``.
    resid_quantiles : 5 floats
        Quantiles (type 7) of the Pearson residuals: Min, 1Q, Median, 3Q, Max.
    varcorr : DataFrame or list
        See :func:`format_varcorr`.
    nobs : int
    ngroups : mapping
        Grouping factor -> number of levels, in lme4's order.
    coef_table : DataFrame
        See :func:`format_coef_table`.
    corr : DataFrame or 2-D array, optional
        Correlation of the fixed effects; shown when given, p > 1 and
        p <= ``cor_max`` (lme4's ``lme4.summary.cor.max = 20``).
    messages : sequence of str
        lme4's convergence-check messages (printed at the end, after the optimizer line).
    singular : bool
        Adds lme4's ``boundary (singular) fit: see help('isSingular')``.
    optimizer, conv_code, optimizer_message, optimizer_warnings
        The optimizer line ``optimizer (Nelder_Mead) convergence code: 0 (OK)``.
    fit_messages : sequence of str
        lme4's "fit warnings:" (e.g. a rank-deficient fixed-effect matrix).
    n_dropped_na : int
        If > 0, the line ``  (k observations deleted due to missingness)`` follows
        "Number of obs".  lme4 itself prints no such line (``summary.lm`` does).
    class_name : str, default "glmerMod"
    digits : int, default 4
        ``max(3, getOption("digits") - 3)``.
    signif_stars : bool, default True
    cor_max : int, default 20
    width : int, default 80

    Returns
    -------
    str
        The printed lines joined by newlines (no final newline).
    """
    L: list[str] = []
    L += format_title(nAGQ, class_name, width)
    L += format_call(family=family, link=link, formula=formula, data_name=data_name,
                     weights_name=weights_name, offset_name=offset_name, control=control,
                     subset=subset, width=width)
    L.append("")
    L += format_fit_stats(aic, bic, loglik, deviance, df_resid)
    L.append("")
    L += format_scaled_residuals(resid_quantiles, digits)
    L.append("")
    L += format_varcorr(varcorr, digits, width)
    L += format_ngroups(nobs, ngroups, width)
    if n_dropped_na and int(n_dropped_na) > 0:
        k = int(n_dropped_na)
        L.append("  (%d observation%s deleted due to missingness)" % (k, "" if k == 1 else "s"))
    names, _ = _coef_columns(coef_table)
    p = len(names)
    if p > 0:
        L += ["", "Fixed effects:"]
        L += format_coef_table(coef_table, digits, signif_stars, width)
        if corr is not None and 1 < p <= cor_max:
            L.append("")
            L += format_corr_fixef(corr, None if isinstance(corr, pd.DataFrame) else names, width)
    fm = [m for m in fit_messages if str(m)]
    if fm:
        L.append("fit warnings:")
        L += [str(m) for m in fm]
    L += format_conv_messages(messages=messages, singular=singular, optimizer=optimizer,
                              conv_code=conv_code, optimizer_message=optimizer_message,
                              optimizer_warnings=optimizer_warnings)
    return "\n".join(L)


# =====================================================================
# anova(m2, m) and confint(m)
# =====================================================================
def _anova_cells(npar, aic, bic, loglik, deviance, chisq, df, p_value, models,
                 digits: int = 5, signif_stars: bool = True, width: int = R_WIDTH):
    colnames = ["npar", "AIC", "BIC", "logLik", "deviance", "Chisq", "Df", "Pr(>Chisq)"]
    cols = [_nums(v) for v in (npar, aic, bic, loglik, deviance, chisq, df, p_value)]
    # print.anova: zap all but the test statistic, the Df and the p value columns
    return print_coefmat(cols, [str(m) for m in models], colnames, digits=digits,
                         show_stars=signif_stars, cs_ind=[], tst_ind=[5], zap_ind=[0, 1, 2, 3, 4],
                         has_pvalue=True, p_values=True, na_print="", width=width)


_ANOVA_COLUMNS = ("npar", "AIC", "BIC", "logLik", "deviance", "Chisq", "Df", "Pr(>Chisq)")


def _anova_args(table: Any, kw: dict) -> tuple[list[str], dict]:
    """Heading lines and column values, from a table object or from keyword arguments."""
    if table is not None:
        df = getattr(table, "table", table)
        df = pd.DataFrame(df)
        missing = [c for c in _ANOVA_COLUMNS if c not in df.columns]
        if missing:
            raise ValueError(f"anova table lacks columns {missing}")
        models = [str(i) for i in df.index]
        vals = dict(zip(("npar", "aic", "bic", "loglik", "deviance", "chisq", "df", "p_value"),
                        (df[c].tolist() for c in _ANOVA_COLUMNS)))
        heading = getattr(table, "heading", None)
        if heading is None:
            formulas = getattr(table, "formulas", None) or kw.get("formulas")
            if isinstance(formulas, Mapping):
                formulas = [formulas[m] for m in models]
            heading = _anova_heading(models, formulas or [], kw.get("data_name"), kw.get("subset"))
        return list(heading), dict(vals, models=models)
    need = ("models", "formulas", "npar", "aic", "bic", "loglik", "deviance", "chisq", "df", "p_value")
    missing = [k for k in need if kw.get(k) is None]
    if missing:
        raise ValueError(f"format_anova needs a table or the arguments {missing}")
    heading = _anova_heading(kw["models"], kw["formulas"], kw.get("data_name"), kw.get("subset"))
    return heading, {k: kw[k] for k in need if k != "formulas"}


def _anova_heading(models: Sequence[str], formulas: Sequence[str], data_name: str | None,
                   subset: str | None) -> list[str]:
    L = ["Data: %s" % ("NULL" if data_name is None else data_name)]
    if subset is not None:
        L.append("Subset: %s" % subset)
    L.append("Models:")
    L += ["%s: %s" % (m, f) for m, f in zip(models, formulas)]
    return L


def format_anova(table: Any = None, *, models: Sequence[str] | None = None,
                 formulas: Sequence[str] | None = None, data_name: str | None = None,
                 npar: Sequence[float] | None = None, aic: Sequence[float] | None = None,
                 bic: Sequence[float] | None = None, loglik: Sequence[float] | None = None,
                 deviance: Sequence[float] | None = None, chisq: Sequence[float] | None = None,
                 df: Sequence[float] | None = None, p_value: Sequence[float] | None = None,
                 subset: str | None = None, signif_stars: bool = True, width: int = R_WIDTH) -> str:
    """The text of lme4's ``anova(m2, m)`` (likelihood-ratio test of nested glmer fits).

    Give either ``table`` or the keyword arguments.

    Parameters
    ----------
    table : object or DataFrame, optional
        A DataFrame with columns ``npar, AIC, BIC, logLik, deviance, Chisq, Df,
        Pr(>Chisq)`` and the model labels as index, or an object with such a
        DataFrame as ``.table`` and R's heading lines as ``.heading``
        (``["Data: d", "Models:", "m2: y ~ ...", ...]``); without ``.heading``
        it is built from ``.formulas`` (or ``formulas``) and ``data_name``.
    models : sequence of str
        Row labels (the object names, ordered by npar as lme4 orders them).
    formulas : sequence of str
        The deparsed formulas, one per model.
    data_name : str or None
        The ``data =`` expression (``"d"``); None prints ``Data: NULL`` as R does.
    npar, aic, bic, loglik, deviance : sequence of float
        ``deviance`` is -2 logLik.
    chisq, df, p_value : sequence of float
        NaN/None for the first model.
    subset : str, optional
        Adds a ``Subset:`` line.

    Returns
    -------
    str
        Heading, table and legend, joined by newlines (no final newline).
    """
    heading, v = _anova_args(table, dict(models=models, formulas=formulas, data_name=data_name, npar=npar,
                                         aic=aic, bic=bic, loglik=loglik, deviance=deviance, chisq=chisq,
                                         df=df, p_value=p_value, subset=subset))
    lines, _, _, _ = _anova_cells(v["npar"], v["aic"], v["bic"], v["loglik"], v["deviance"], v["chisq"],
                                  v["df"], v["p_value"], v["models"], signif_stars=signif_stars, width=width)
    return "\n".join(heading + lines)


def _confint_parts(ci: Any, rownames: Sequence[str] | None, colnames: Sequence[str] | None):
    if isinstance(ci, pd.DataFrame):
        rn = [str(i) for i in ci.index] if rownames is None else list(rownames)
        cn = [str(c) for c in ci.columns] if colnames is None else list(colnames)
        vals = ci.to_numpy(dtype=float)
    else:
        vals = np.asarray(ci, dtype=float)
        rn = list(rownames) if rownames is not None else None
        cn = list(colnames) if colnames is not None else ["2.5 %", "97.5 %"]
    return vals, rn, cn


def format_confint(ci: Any, rownames: Sequence[str] | None = None, colnames: Sequence[str] | None = None,
                   digits: int = 7, width: int = R_WIDTH) -> str:
    """R's ``print`` of ``confint(m)``: a numeric matrix, each column with 7 significant digits.

    Parameters
    ----------
    ci : DataFrame or 2-D array
        Rows = parameters (``sd_(Intercept)|id``, then the fixed effects),
        columns = the bounds (``"2.5 %"``, ``"97.5 %"``); NaN prints NA.
    rownames, colnames : sequence of str, optional
        Needed when ``ci`` is an array.
    """
    vals, rn, cn = _confint_parts(ci, rownames, colnames)
    return "\n".join(print_numeric_matrix(vals, rn, cn, digits, width))


# =====================================================================
# HTML for Jupyter
# =====================================================================
_TABLE_STYLE = "border-collapse:collapse;margin:0.2em 0 0.6em 0;"
_CELL_STYLE = "padding:0.1em 0.6em;font-family:monospace;white-space:pre;"
_HEAD_STYLE = _CELL_STYLE + "border-bottom:1px solid #999;font-weight:bold;"


def table_html(df: pd.DataFrame, *, index: bool = True, align: str | Sequence[str] = "right",
               caption: str | None = None) -> str:
    """A DataFrame of already formatted strings as a small, self-styled HTML table.

    Parameters
    ----------
    df : DataFrame
        Cells are shown as given (stripped of padding); ``None``/NaN shows empty.
    index : bool, default True
        Show the index as a first, left-aligned column.
    align : str or sequence of str, default "right"
        ``"left"``/``"right"``/``"center"`` for all columns or one per column.
    caption : str, optional
        A bold title line above the table.

    Returns
    -------
    str
    """
    aligns = [align] * df.shape[1] if isinstance(align, str) else list(align)
    e = html.escape
    out = []
    if caption:
        out.append('<div style="font-weight:bold;margin-top:0.4em;">%s</div>' % e(caption))
    out.append('<table style="%s">' % _TABLE_STYLE)
    head = ['<th style="%s"></th>' % _HEAD_STYLE] if index else []
    for c, a in zip(df.columns, aligns):
        head.append('<th style="%stext-align:%s;">%s</th>' % (_HEAD_STYLE, a, e(str(c))))
    out.append("<thead><tr>%s</tr></thead><tbody>" % "".join(head))
    for idx, row in df.iterrows():
        cells = ['<th style="%stext-align:left;">%s</th>' % (_CELL_STYLE, e(str(idx)))] if index else []
        for v, a in zip(row.tolist(), aligns):
            s = "" if _is_na(v) else str(v).strip()
            cells.append('<td style="%stext-align:%s;">%s</td>' % (_CELL_STYLE, a, e(s)))
        out.append("<tr>%s</tr>" % "".join(cells))
    out.append("</tbody></table>")
    return "".join(out)


def _line_html(text: str) -> str:
    return '<div style="font-family:monospace;white-space:pre;">%s</div>' % html.escape(text)


def summary_html(*, nAGQ: int = 1, family: str = "binomial", link: str | None = "logit",
                 formula: str | Sequence[str], data_name: str | None = None,
                 weights_name: str | None = None, offset_name: str | None = None,
                 control: str | None = None, subset: str | None = None,
                 aic: float, bic: float, loglik: float, deviance: float, df_resid: float,
                 resid_quantiles: Any, varcorr: Any, nobs: int, ngroups: Mapping[str, int],
                 coef_table: Any, corr: Any = None, messages: Sequence[str] = (),
                 singular: bool = False, optimizer: str = "Nelder_Mead", conv_code: int = 0,
                 optimizer_message: str | None = None, optimizer_warnings: Sequence[str] = (),
                 fit_messages: Sequence[str] = (), n_dropped_na: int = 0,
                 class_name: str = "glmerMod", digits: int = 4, signif_stars: bool = True,
                 cor_max: int = 20, width: int = R_WIDTH) -> str:
    """The summary of :func:`format_summary` as HTML (for ``_repr_html_``).

    Same arguments and the same formatted numbers as the text: a title, the
    call lines, then tables for the fit statistics, scaled residuals, random
    effects, fixed effects (with stars and legend) and the correlation of
    the fixed effects, and the convergence messages.  Inline styles only.
    """
    e = html.escape
    out = ['<div class="glmmlite-summary" style="font-size:0.95em;">']
    out.append('<div style="font-weight:bold;">%s [%s]</div>' % (e(method_title(nAGQ)), e(class_name)))
    for ln in format_call(family=family, link=link, formula=formula, data_name=data_name,
                          weights_name=weights_name, offset_name=offset_name, control=control,
                          subset=subset, width=10 ** 6):
        out.append(_line_html(ln))
    t4 = [r_round(v, 1) for v in (aic, bic, loglik, deviance, df_resid)]
    stats = r_format(t4[:4], 7) + r_format([t4[4]], 7)
    out.append(table_html(pd.DataFrame([stats], columns=["AIC", "BIC", "logLik", "deviance", "df.resid"]),
                          index=False))
    q = list(resid_quantiles.values()) if isinstance(resid_quantiles, Mapping) else _nums(resid_quantiles)
    rq = r_format(zapsmall(q, digits + 1), digits)
    out.append(table_html(pd.DataFrame([rq], columns=["Min", "1Q", "Median", "3Q", "Max"]), index=False,
                          caption="Scaled residuals"))
    rows, cols = _varcorr_cells(varcorr, digits)
    cols = [c if c else " " * (i + 1) for i, c in enumerate(cols)]  # unique blank headers
    out.append(table_html(pd.DataFrame(rows, columns=cols), index=False,
                          align=["left", "left"] + ["right"] * (len(cols) - 2), caption="Random effects"))
    grp = "; ".join("%s, %d" % (k, int(v)) for k, v in ngroups.items())
    out.append(_line_html("Number of obs: %d, groups: %s" % (int(nobs), grp)))
    if n_dropped_na and int(n_dropped_na) > 0:
        k = int(n_dropped_na)
        out.append(_line_html("(%d observation%s deleted due to missingness)" % (k, "" if k == 1 else "s")))
    names, ccols = _coef_columns(coef_table)
    p = len(names)
    if p > 0:
        _, cells, header, stars = print_coefmat(
            ccols, names, ["Estimate", "Std. Error", "z value", "Pr(>|z|)"], digits=digits,
            show_stars=signif_stars, width=width)
        header = [h if h else " " for h in header]
        out.append(table_html(pd.DataFrame(cells, index=names, columns=header),
                              align=["right"] * 4 + (["left"] if stars else []), caption="Fixed effects"))
        if stars:
            out.append('<div style="font-size:0.85em;color:#555;">Signif. codes: %s</div>' % e(SIGNIF_LEGEND))
        if corr is not None and 1 < p <= cor_max:
            ccells, rns, cns = _corr_cells(corr, None if isinstance(corr, pd.DataFrame) else names)
            out.append(table_html(pd.DataFrame(ccells, index=rns, columns=cns),
                                  caption="Correlation of Fixed Effects"))
    fm = [str(m) for m in fit_messages if str(m)]
    if fm:
        out.append(_line_html("fit warnings:"))
        out += [_line_html(m) for m in fm]
    for ln in format_conv_messages(messages=messages, singular=singular, optimizer=optimizer,
                                   conv_code=conv_code, optimizer_message=optimizer_message,
                                   optimizer_warnings=optimizer_warnings):
        out.append('<div style="color:#a00;">%s</div>' % e(ln))
    out.append("</div>")
    return "".join(out)


def anova_html(table: Any = None, *, models: Sequence[str] | None = None,
               formulas: Sequence[str] | None = None, data_name: str | None = None,
               npar: Sequence[float] | None = None, aic: Sequence[float] | None = None,
               bic: Sequence[float] | None = None, loglik: Sequence[float] | None = None,
               deviance: Sequence[float] | None = None, chisq: Sequence[float] | None = None,
               df: Sequence[float] | None = None, p_value: Sequence[float] | None = None,
               subset: str | None = None, signif_stars: bool = True) -> str:
    """:func:`format_anova` as HTML (same arguments, same formatted numbers)."""
    e = html.escape
    heading, v = _anova_args(table, dict(models=models, formulas=formulas, data_name=data_name, npar=npar,
                                         aic=aic, bic=bic, loglik=loglik, deviance=deviance, chisq=chisq,
                                         df=df, p_value=p_value, subset=subset))
    out = ['<div class="glmmlite-anova">']
    out += [_line_html(h) for h in heading]
    _, cells, header, stars = _anova_cells(v["npar"], v["aic"], v["bic"], v["loglik"], v["deviance"],
                                           v["chisq"], v["df"], v["p_value"], v["models"],
                                           signif_stars=signif_stars)
    header = [h if h else " " for h in header]
    out.append(table_html(pd.DataFrame(cells, index=[str(m) for m in v["models"]], columns=header),
                          align=["right"] * 8 + (["left"] if stars else [])))
    if stars:
        out.append('<div style="font-size:0.85em;color:#555;">Signif. codes: %s</div>' % e(SIGNIF_LEGEND))
    out.append("</div>")
    return "".join(out)


def confint_html(ci: Any, rownames: Sequence[str] | None = None, colnames: Sequence[str] | None = None,
                 digits: int = 7) -> str:
    """:func:`format_confint` as an HTML table (each column formatted as R prints it)."""
    vals, rn, cn = _confint_parts(ci, rownames, colnames)
    cols = [r_format(vals[:, j].tolist(), digits) for j in range(vals.shape[1])]
    cells = [[cols[j][i] for j in range(vals.shape[1])] for i in range(vals.shape[0])]
    idx = rn if rn is not None else [str(i + 1) for i in range(vals.shape[0])]
    return table_html(pd.DataFrame(cells, index=idx, columns=cn))

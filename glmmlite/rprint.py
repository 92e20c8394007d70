"""R's printing of strings, named vectors, matrices and coefficient tables.

* :func:`abbreviate`, :func:`strwrap`, :func:`cat_fill` (``cat(..., fill = TRUE)``);
* :func:`print_named_vector`, :func:`print_matrix`, :func:`print_numeric_matrix`
  (``print.default``: column widths, justification, wrapping at 80 columns);
* :func:`print_coefmat` -- ``stats::printCoefmat`` with its rounding rules for
  estimates, test statistics and p values, the stars and their legend.

The cells come from :mod:`glmmlite.rformat`.  Rules from R 4.2's
``src/main/printmatrix.c``, ``src/main/character.c`` and
``src/library/stats/R/anova.R``.
"""
from __future__ import annotations

import math
import re
from typing import Any, Sequence

import numpy as np

from .rformat import (DBL_EPSILON, R_GAP, R_WIDTH, _index_width, _ljust, _nums, _rjust, format_pval, r_format,
                      r_round, signif_stars, zapsmall)

__all__ = ["SIGNIF_LEGEND", "abbreviate", "strwrap", "cat_fill", "print_named_vector", "print_matrix",
           "print_numeric_matrix", "print_coefmat"]

#: The legend ``printCoefmat`` prints under the stars (UTF-8 locale quotes, as in R).
SIGNIF_LEGEND = "0 \u2018***\u2019 0.001 \u2018**\u2019 0.01 \u2018*\u2019 0.05 \u2018.\u2019 0.1 \u2018 \u2019 1"


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
def print_named_vector(cells: Sequence[str], names: Sequence[str], width: int = R_WIDTH,
                       gap: int = R_GAP) -> list[str]:
    """R's printing of a named vector (``printNamedVector``), entries already formatted.

    Names and entries are right-justified in a common field, each followed by
    the gap (so lines end in a space, as in R; ``print.gap = 2`` gives two), wrapping at ``width``.

    Returns
    -------
    list of str
        The printed lines.
    """
    cells = list(cells)
    names = [str(n) for n in names]
    w = max([len(c) for c in cells] + [len(n) for n in names] + [0])
    per = max(1, width // (w + gap))
    lines = []
    for start in range(0, len(cells), per):
        lines.append("".join(_rjust(n, w) + " " * gap for n in names[start:start + per]))
        lines.append("".join(_rjust(c, w) + " " * gap for c in cells[start:start + per]))
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

"""lme4's printed summary: ``print(summary(m))`` of a glmer fit, block by block.

* :class:`SummaryRecord` -- what the summary shows, as plain numbers; :func:`format_summary`
  renders it as lme4 1.1-31 prints it (R 4.2), and
  :func:`glmmlite.html_print.summary_html` renders the same record as HTML;
* the blocks of the summary on their own (:func:`format_title`, :func:`format_call`,
  :func:`format_fit_stats`, :func:`format_scaled_residuals`, :func:`format_varcorr`,
  :func:`format_ngroups`, :func:`format_coef_table`, :func:`format_corr_fixef`,
  :func:`format_conv_messages`);
* :func:`glmmlite.lme4_tables.format_anova` and :func:`~glmmlite.lme4_tables.format_confint`
  are the other two printed tables.

Everything takes plain numbers (floats, lists, pandas objects) and returns text, so a reader
who knows lme4 finds the same digits in the same places.  The number formatting is
:mod:`glmmlite.rformat` and :mod:`glmmlite.rprint`; the layouts follow lme4's ``R/lmer.R``
(``.prt.*`` functions, ``formatVC``, ``print.summary.merMod``).  lme4 1.1-31 calls
``printCoefmat`` *without* ``zap.ind`` (the z column shows 18.652, not 18.65).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .rformat import R_WIDTH, _is_na, _num, _nums, r_format, r_round, zapsmall
from .rprint import abbreviate, cat_fill, print_coefmat, print_matrix, print_named_vector, strwrap

__all__ = [
    "SINGULAR_MESSAGE", "SummaryRecord", "method_title", "format_title", "format_call", "format_fit_stats",
    "format_scaled_residuals", "format_varcorr", "format_ngroups", "format_coef_table",
    "format_corr_fixef", "format_conv_messages", "format_summary",
]

#: The message lme4 (>= 1.1-27) prints at the end of the summary of a singular fit.
SINGULAR_MESSAGE = "boundary (singular) fit: see help('isSingular')"


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


def format_fit_stats(aic: float, bic: float, loglik: float, deviance: float, df_resid: float,
                     round_digits: int = 1) -> list[str]:
    """lme4's ``.prt.aictab``: AIC, BIC, logLik, deviance (rounded to 1 decimal) and df.resid.

    The four statistics are ``round(x, 1)`` then ``format()``-ed together with
    7 digits (so they share one decimal); ``df.resid`` is formatted alone.
    ``print(m)`` rounds to 4 decimals (``round_digits = 4``).

    Returns
    -------
    list of str
        Two lines: the names and the values (right-justified, trailing gap).
    """
    t4 = [r_round(v, round_digits) for v in (aic, bic, loglik, deviance, df_resid)]
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


def _varcorr_cells(varcorr: Any, digits: int = 4, comp: Sequence[str] = ("Variance", "Std.Dev.")
                   ) -> tuple[list[list[str]], list[str]]:
    """lme4's ``formatVC``: cells and column names (``comp``: the columns, Variance and/or Std.Dev.)."""
    terms = _varcorr_terms(varcorr)
    sds = [s for t in terms for s in t[2]]
    comp = [c for c in ("Variance", "Std.Dev.") if c in comp]
    cols = {"Variance": r_format([s * s for s in sds], digits), "Std.Dev.": r_format(sds, digits)}
    rows: list[list[str]] = []
    k = 0
    for g, names, tsd, _ in terms:
        for r, nm in enumerate(names):
            rows.append([g if r == 0 else "", nm] + [cols[c][k] for c in comp])
            k += 1
    colnames = ["Groups", "Name"] + comp
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


def format_varcorr(varcorr: Any, digits: int = 4, width: int = R_WIDTH,
                   comp: Sequence[str] = ("Variance", "Std.Dev.")) -> list[str]:
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
    comp : the columns shown, ``"Variance"`` and/or ``"Std.Dev."`` (``print(m)``: Std.Dev. only)

    Returns
    -------
    list of str
    """
    rows, colnames = _varcorr_cells(varcorr, digits, comp)
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


@dataclass(kw_only=True)
class SummaryRecord:
    """Everything lme4's ``print(summary(m))`` shows, as plain numbers and strings.

    One record feeds both renderers, :func:`format_summary` (R's text) and
    :func:`glmmlite.html_print.summary_html` (a notebook table); build it from a fit with
    :func:`glmmlite.summary.summary_record`, or by hand from lme4's numbers.

    Attributes
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
        p <= ``cor_max`` (lme4's ``lme4.summary.cor.max = 20``).  None: no block
        (R's ``summary(m, corr = FALSE)``).
    messages : sequence of str
        lme4's convergence-check messages (printed at the end, after the optimizer line).
    singular : bool
        Adds lme4's ``boundary (singular) fit: see help('isSingular')``.
    optimizer, conv_code, optimizer_message, optimizer_warnings
        The optimizer line ``optimizer (Nelder_Mead) convergence code: 0 (OK)``
        (lme4's ``optinfo``); ``optimizer_message`` is shown for a non-zero code.
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
    """

    nAGQ: int = 1
    family: str = "binomial"
    link: str | None = "logit"
    formula: str | Sequence[str]
    data_name: str | None = None
    weights_name: str | None = None
    offset_name: str | None = None
    control: str | None = None
    subset: str | None = None
    aic: float
    bic: float
    loglik: float
    deviance: float
    df_resid: float
    resid_quantiles: Any
    varcorr: Any
    nobs: int
    ngroups: Mapping[str, int]
    coef_table: Any
    corr: Any = None
    messages: Sequence[str] = ()
    singular: bool = False
    optimizer: str = "Nelder_Mead"
    conv_code: int = 0
    optimizer_message: str | None = None
    optimizer_warnings: Sequence[str] = ()
    fit_messages: Sequence[str] = ()
    n_dropped_na: int = 0
    class_name: str = "glmerMod"
    digits: int = 4
    signif_stars: bool = True
    cor_max: int = 20
    width: int = R_WIDTH

    def show_corr(self) -> bool:
        """Whether the "Correlation of Fixed Effects" block is printed."""
        p = len(_coef_columns(self.coef_table)[0])
        return self.corr is not None and 1 < p <= self.cor_max

    def dropped_line(self) -> str | None:
        """``(k observations deleted due to missingness)``, or None."""
        k = int(self.n_dropped_na or 0)
        return None if k <= 0 else "(%d observation%s deleted due to missingness)" % (k, "" if k == 1 else "s")

    def conv_lines(self) -> list[str]:
        """lme4's ``.prt.warn`` lines (see :func:`format_conv_messages`)."""
        return format_conv_messages(messages=self.messages, singular=self.singular, optimizer=self.optimizer,
                                    conv_code=self.conv_code, optimizer_message=self.optimizer_message,
                                    optimizer_warnings=self.optimizer_warnings)


def as_record(record: SummaryRecord | None, fields: dict) -> SummaryRecord:
    """``record``, or a :class:`SummaryRecord` built from keyword ``fields`` (not both)."""
    if record is None:
        return SummaryRecord(**fields)
    if fields:
        raise TypeError("give a SummaryRecord or its fields as keyword arguments, not both")
    return record


def format_summary(record: SummaryRecord | None = None, /, **fields: Any) -> str:
    """The text of lme4's ``print(summary(m))`` for a ``glmer`` fit.

    Parameters
    ----------
    record : SummaryRecord, optional
        What to print; or give its fields as keyword arguments
        (``format_summary(formula=..., aic=..., ...)``).

    Returns
    -------
    str
        The printed lines joined by newlines (no final newline).
    """
    r = as_record(record, fields)
    width, digits = r.width, r.digits
    L: list[str] = []
    L += format_title(r.nAGQ, r.class_name, width)
    L += format_call(family=r.family, link=r.link, formula=r.formula, data_name=r.data_name,
                     weights_name=r.weights_name, offset_name=r.offset_name, control=r.control,
                     subset=r.subset, width=width)
    L.append("")
    L += format_fit_stats(r.aic, r.bic, r.loglik, r.deviance, r.df_resid)
    L.append("")
    L += format_scaled_residuals(r.resid_quantiles, digits)
    L.append("")
    L += format_varcorr(r.varcorr, digits, width)
    L += format_ngroups(r.nobs, r.ngroups, width)
    dropped = r.dropped_line()
    if dropped:
        L.append("  " + dropped)
    names, _ = _coef_columns(r.coef_table)
    if names:
        L += ["", "Fixed effects:"]
        L += format_coef_table(r.coef_table, digits, r.signif_stars, width)
        if r.show_corr():
            L.append("")
            L += format_corr_fixef(r.corr, None if isinstance(r.corr, pd.DataFrame) else names, width)
    fm = [str(m) for m in r.fit_messages if str(m)]
    if fm:
        L.append("fit warnings:")
        L += fm
    L += r.conv_lines()
    return "\n".join(L)

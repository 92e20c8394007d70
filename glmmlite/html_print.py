"""HTML for Jupyter: the summary, anova and confint tables with the numbers formatted as R
prints them (the same cells as the text of :mod:`glmmlite.lme4_print` and
:mod:`glmmlite.lme4_tables`), in small self-styled tables (inline styles only)."""
from __future__ import annotations

import html
from typing import Any, Mapping, Sequence

import pandas as pd

from .lme4_print import (SummaryRecord, _coef_columns, _corr_cells, _varcorr_cells, as_record, format_call,
                         method_title)
from .lme4_tables import _anova_args, _anova_cells, _confint_parts
from .rformat import _is_na, _nums, r_format, r_round, zapsmall
from .rprint import SIGNIF_LEGEND, print_coefmat

__all__ = ["table_html", "summary_html", "anova_html", "confint_html"]

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


def summary_html(record: SummaryRecord | None = None, /, **fields: Any) -> str:
    """The summary of :func:`glmmlite.lme4_print.format_summary` as HTML (for ``_repr_html_``).

    The same record (or the same keyword fields) and the same formatted numbers as the
    text: a title, the call lines, then tables for the fit statistics, scaled residuals,
    random effects, fixed effects (with stars and legend) and the correlation of the
    fixed effects, and the convergence messages.  Inline styles only.
    """
    r = as_record(record, fields)
    digits = r.digits
    e = html.escape
    out = ['<div class="glmmlite-summary" style="font-size:0.95em;">']
    out.append('<div style="font-weight:bold;">%s [%s]</div>' % (e(method_title(r.nAGQ)), e(r.class_name)))
    # one line: the pieces R's deparse cuts a long formula into, joined again
    formula = r.formula if isinstance(r.formula, str) else " ".join(p.strip() for p in r.formula)
    for ln in format_call(family=r.family, link=r.link, formula=formula, data_name=r.data_name,
                          weights_name=r.weights_name, offset_name=r.offset_name, control=r.control,
                          subset=r.subset, width=10 ** 6):
        out.append(_line_html(ln))
    t4 = [r_round(v, 1) for v in (r.aic, r.bic, r.loglik, r.deviance, r.df_resid)]
    stats = r_format(t4[:4], 7) + r_format([t4[4]], 7)
    out.append(table_html(pd.DataFrame([stats], columns=["AIC", "BIC", "logLik", "deviance", "df.resid"]),
                          index=False))
    q = list(r.resid_quantiles.values()) if isinstance(r.resid_quantiles, Mapping) else _nums(r.resid_quantiles)
    rq = r_format(zapsmall(q, digits + 1), digits)
    out.append(table_html(pd.DataFrame([rq], columns=["Min", "1Q", "Median", "3Q", "Max"]), index=False,
                          caption="Scaled residuals"))
    rows, cols = _varcorr_cells(r.varcorr, digits)
    cols = [c if c else " " * (i + 1) for i, c in enumerate(cols)]  # unique blank headers
    out.append(table_html(pd.DataFrame(rows, columns=cols), index=False,
                          align=["left", "left"] + ["right"] * (len(cols) - 2), caption="Random effects"))
    grp = "; ".join("%s, %d" % (k, int(v)) for k, v in r.ngroups.items())
    out.append(_line_html("Number of obs: %d, groups: %s" % (int(r.nobs), grp)))
    dropped = r.dropped_line()
    if dropped:
        out.append(_line_html(dropped))
    names, ccols = _coef_columns(r.coef_table)
    if names:
        _, cells, header, stars = print_coefmat(
            ccols, names, ["Estimate", "Std. Error", "z value", "Pr(>|z|)"], digits=digits,
            show_stars=r.signif_stars, width=r.width)
        header = [h if h else " " for h in header]
        out.append(table_html(pd.DataFrame(cells, index=names, columns=header),
                              align=["right"] * 4 + (["left"] if stars else []), caption="Fixed effects"))
        if stars:
            out.append('<div style="font-size:0.85em;color:#555;">Signif. codes: %s</div>' % e(SIGNIF_LEGEND))
        if r.show_corr():
            ccells, rns, cns = _corr_cells(r.corr, None if isinstance(r.corr, pd.DataFrame) else names)
            out.append(table_html(pd.DataFrame(ccells, index=rns, columns=cns),
                                  caption="Correlation of Fixed Effects"))
    fm = [str(m) for m in r.fit_messages if str(m)]
    if fm:
        out.append(_line_html("fit warnings:"))
        out += [_line_html(m) for m in fm]
    for ln in r.conv_lines():
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

"""lme4's other printed forms of a fit: ``print(m)``, ``print(VarCorr(m))`` and ``print(ranef(m)$g)``.

* :func:`format_short` -- ``print(m)`` (lme4's ``print.merMod``, the short form: fit statistics
  to 4 decimals, the random-effect SDs, the fixed effects as a named vector), from the same
  :class:`~glmmlite.lme4_print.SummaryRecord` as the summary;
* :func:`format_varcorr_print` -- ``print(VarCorr(m))`` (``formatVC`` with 5 digits, SDs only);
* :func:`format_ranef_head` -- ``print(head(ranef(m)[[g]]))``, a data frame printed by R.

The fit's methods :meth:`~glmmlite.GlmerResult.show`, :meth:`~glmmlite.GlmerResult.varcorr_text`
and :meth:`~glmmlite.GlmerResult.ranef_text` return these texts as :class:`PrintedText`.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from .lme4_print import (SummaryRecord, _coef_columns, as_record, format_call, format_fit_stats,
                         format_ngroups, format_title, format_varcorr, SINGULAR_MESSAGE)
from .rformat import R_WIDTH, r_format
from .rprint import print_matrix, print_named_vector, print_numeric_matrix

__all__ = ["PrintedText", "format_short", "format_varcorr_print", "format_ranef_head"]


class PrintedText(str):
    """A text as R prints it; shown as the text itself (not a quoted string) at the prompt."""

    def __repr__(self) -> str:
        return str(self)


def format_short(record: SummaryRecord | None = None, /, **fields: Any) -> str:
    """The text of lme4's ``print(m)`` (``print.merMod``) for a ``glmer`` fit.

    As the summary's blocks, without blank lines between them, with: AIC, BIC, logLik,
    deviance rounded to 4 decimals (``.prt.aictab(, 4)``); the random effects' Std.Dev.
    (and Corr) only; ``Fixed Effects:`` as ``format(fixef(m), digits = 4)`` printed as a
    named vector with ``print.gap = 2``; no Control line; the optimizer line, when there is
    one, as ``optimizer (...) convergence code: 0 (OK) ; 0 optimizer warnings; 1 lme4 warnings``.
    """
    r = as_record(record, fields)
    width, digits = r.width, r.digits
    L: list[str] = []
    L += format_title(r.nAGQ, r.class_name, width)
    L += format_call(family=r.family, link=r.link, formula=r.formula, data_name=r.data_name,
                     weights_name=r.weights_name, offset_name=r.offset_name, subset=r.subset, width=width)
    L += format_fit_stats(r.aic, r.bic, r.loglik, r.deviance, r.df_resid, round_digits=4)
    L += format_varcorr(r.varcorr, digits, width, comp=("Std.Dev.",))
    L += format_ngroups(r.nobs, r.ngroups, width)
    dropped = r.dropped_line()
    if dropped:
        L.append("  " + dropped)
    names, cols = _coef_columns(r.coef_table)
    if names:
        L.append("Fixed Effects:")
        L += print_named_vector(r_format(cols[0], digits), names, width, gap=2)
    else:
        L.append("No fixed effect coefficients")
    fm = [str(m) for m in r.fit_messages if str(m)]
    if fm:
        L.append("fit warnings:")
        L += fm
    msgs = [str(m) for m in r.messages if str(m)]
    if r.singular and SINGULAR_MESSAGE not in msgs:
        msgs.insert(0, SINGULAR_MESSAGE)
    warns = list(r.optimizer_warnings)
    if r.conv_code != 0 or msgs or warns:
        m = "(OK)" if r.conv_code == 0 else ("(%s)" % r.optimizer_message if r.optimizer_message else "")
        L.append("optimizer (%s) convergence code: %d %s ; %d optimizer warnings; %d lme4 warnings "
                 % (r.optimizer, int(r.conv_code), m, len(warns), len(msgs)))
    return "\n".join(L)


def format_varcorr_print(varcorr: Any, digits: int = 5, width: int = R_WIDTH) -> str:
    """lme4's ``print(VarCorr(m))``: ``formatVC(, digits = 5, comp = "Std.Dev.")`` as a matrix.

    ``varcorr`` as :func:`glmmlite.lme4_print.format_varcorr` takes it; correlations are
    rounded to ``max(2, digits - 2)`` = 3 decimals.
    """
    from .lme4_print import _varcorr_cells
    rows, colnames = _varcorr_cells(varcorr, digits, ("Std.Dev.",))
    return "\n".join(print_matrix(rows, [""] * len(rows), colnames, right=False, width=width))


def format_ranef_head(ranef: pd.DataFrame, n: int = 6, width: int = R_WIDTH) -> str:
    """R's ``print(head(ranef(m)[[g]], n))``: the first ``n`` rows of a data frame of conditional
    modes, each column formatted on its own with 7 significant digits, row names on the left."""
    df = ranef.head(n)
    return "\n".join(print_numeric_matrix(df.to_numpy(dtype=float), [str(i) for i in df.index],
                                          [str(c) for c in df.columns], 7, width))

"""``summary(m)``: the numbers of lme4's summary, printed in its layout.

:func:`summary_record` collects what lme4's ``print(summary(m))`` shows from a fit into one
:class:`~glmmlite.lme4_print.SummaryRecord`; :class:`Summary` renders that record as R's text
(``str``) and as a notebook table (``_repr_html_``).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from .argcheck import check_bool
from .formula import deparse, deparse_lines, parse_expression
from .html_print import summary_html
from .lme4_print import SummaryRecord, format_summary

__all__ = ["Summary", "summary_record", "formula_text", "formula_lines", "r_formula_text"]


@lru_cache(maxsize=256)
def _deparsed(formula: str) -> str:
    return deparse(parse_expression(formula))


def formula_text(formula: str) -> str:
    """The formula as R deparses it: ``y ~ trt * sex + (1 | id)``, ``a:b``, ``g1/g2``,
    ``cbind(incidence, size - incidence)`` (the one formula-to-text routine: the summary's
    Formula line and anova's Models lines)."""
    return _deparsed(str(formula))


@lru_cache(maxsize=256)
def _deparsed_lines(formula: str) -> tuple[str, ...]:
    return tuple(deparse_lines(parse_expression(formula)))


def formula_lines(formula: str) -> str | list[str]:
    """The formula as ``print(summary(m))`` shows it: R's ``deparse`` cuts a formula longer than
    60 characters into pieces (after a ``+``, ``|``, ... or a ``,``), which lme4 prints on lines
    of their own (``(1 | herd) + (1 |`` / ``    obs)``).  One piece: the string; else the list."""
    pieces = _deparsed_lines(str(formula))
    return pieces[0] if len(pieces) == 1 else list(pieces)


#: The former name of :func:`formula_text`.
r_formula_text = formula_text


def rank_deficiency_message(dropped: list[str]) -> str | None:
    """lme4's ``checkRankX`` message for the "fit warnings:" block, or None if nothing was dropped."""
    k = len(dropped)
    if k == 0:
        return None
    s = "s" if k > 1 else ""
    return f"fixed-effect model matrix is rank deficient so dropping {k} column{s} / coefficient{s}"


def optimizer_status(m: Any) -> tuple[str, int, str | None]:
    """``(optimizer, conv_code, message)`` of the fit, for the summary's optimizer line.

    Reads ``m.optinfo`` (the optimizer's record, lme4's ``optinfo``: ``optimizer``,
    ``conv_code``, ``message``).  A result without one (made before that record existed)
    gives BFGS, the optimizer glmmlite runs, with code 0 if ``m.converged`` else 1.
    """
    info = getattr(m, "optinfo", None)
    if info is not None:
        code = int(info.conv_code)
        msg = getattr(info, "message", None)
        return str(info.optimizer), code, (str(msg) if msg else None)
    converged = bool(getattr(m, "converged", True))
    return "BFGS", 0 if converged else 1, (None if converged else "the optimizer stopped before converging")


def summary_record(m: Any, corr: bool = True, coefficients: pd.DataFrame | None = None,
                   varcorr: pd.DataFrame | None = None, resid_quantiles: Any = None,
                   correlation: pd.DataFrame | None = None) -> SummaryRecord:
    """What ``print(summary(m))`` shows for the fit ``m``, as a :class:`SummaryRecord`.

    The optional arguments pass pieces already computed (by :class:`Summary`).
    """
    coefficients = m.coef_table() if coefficients is None else coefficients
    varcorr = m.varcorr() if varcorr is None else varcorr
    if resid_quantiles is None:
        resid_quantiles = _resid_quantiles(m)
    if corr and correlation is None and len(coefficients) > 1:
        correlation = _correlation(m)
    optimizer, conv_code, opt_message = optimizer_status(m)
    fit_msg = rank_deficiency_message(list(getattr(m.frame, "dropped_fixef", []) or []))
    return SummaryRecord(
        nAGQ=m.nAGQ, family="binomial", link=m.family.link, formula=formula_lines(m.formula),
        data_name=m.data_name, weights_name=m.weights_name, aic=m.aic, bic=m.bic, loglik=m.loglik,
        deviance=m.deviance, df_resid=m.df_resid, resid_quantiles=np.asarray(resid_quantiles, float),
        varcorr=varcorr, nobs=m.nobs, ngroups=m.ngroups, coef_table=coefficients,
        corr=correlation if corr and len(coefficients) > 1 else None,
        messages=list(m.messages), singular=m.is_singular(), optimizer=optimizer, conv_code=conv_code,
        optimizer_message=opt_message, fit_messages=[fit_msg] if fit_msg else [],
        n_dropped_na=m.frame.n_dropped,
    )


def _resid_quantiles(m: Any) -> pd.Series:
    pr = m.residuals("pearson").to_numpy()
    return pd.Series(np.quantile(pr, [0, .25, .5, .75, 1]), index=["Min", "1Q", "Median", "3Q", "Max"])


def _correlation(m: Any) -> pd.DataFrame:
    V = m.vcov().to_numpy()
    sd = np.sqrt(np.diag(V))
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame(V / np.outer(sd, sd), index=m.fixef.index, columns=m.fixef.index)


class Summary:
    """What ``summary(m)`` shows; ``str()`` gives R's text, ``_repr_html_`` a notebook table.

    Parameters
    ----------
    model : GlmerResult
    corr : bool, default True
        Print the "Correlation of Fixed Effects" block (R's ``summary(m, corr = FALSE)``
        leaves it out).

    Attributes
    ----------
    coefficients, varcorr, scaled_residuals, correlation : pandas objects
        The numbers behind the printed blocks.
    record : SummaryRecord
        Everything printed, as one record (both renderers read it).
    """

    def __init__(self, model: Any, corr: bool = True):
        corr = check_bool(corr, "corr", "show the correlation of the fixed effects")
        self.model = model
        m = model
        self.corr = bool(corr)
        self.coefficients = m.coef_table()
        self.varcorr = m.varcorr()
        self.scaled_residuals = _resid_quantiles(m)
        self.correlation = _correlation(m)
        self.record = summary_record(m, corr=self.corr, coefficients=self.coefficients, varcorr=self.varcorr,
                                     resid_quantiles=self.scaled_residuals.to_numpy(),
                                     correlation=self.correlation)

    def __str__(self) -> str:
        return format_summary(self.record)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return summary_html(self.record)

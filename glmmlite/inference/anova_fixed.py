"""The sequential table of the fixed effects: lme4's ``anova(m)`` of a single model.

With R_X the upper-triangular factor of the fixed-effects information at the fit (lme4's
``RX``, with ``R_X' R_X`` the inverse of ``vcov(m, use.hessian = FALSE)``), the vector
``e = R_X beta`` splits the squared length of the fixed effects into one piece per column; its
squares are summed within each term, in the order of the formula.  That is a *sequential*
(type I) table: each term is tested after the terms before it, so ``y ~ sex + trt`` and
``y ~ trt + sex`` give different rows.  ``F value`` is ``Mean Sq / sigma^2`` with sigma = 1 for
the binomial family, so for a one-column term it equals the squared Wald z of that term given
the earlier ones.  lme4 gives no p values here; for tests of terms use :func:`glmmlite.drop1`
(likelihood ratio) or :func:`glmmlite.anova` with two models.
"""
from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ArgumentError
from ..html_print import table_html
from ..rprint import print_coefmat
from .headed_table import HeadedTable

__all__ = ["FixedAnovaTable", "fixed_anova", "sequential_effects"]

COLUMNS = ["npar", "Sum Sq", "Mean Sq", "F value"]
HEADING = "Analysis of Variance Table"


class FixedAnovaTable(HeadedTable):
    """The table of ``anova(m)`` with one model: a DataFrame plus R's heading.

    Attributes
    ----------
    table : DataFrame
        Columns npar, Sum Sq, Mean Sq, F value; one row per fixed-effect term (the intercept
        left out), in the order of the formula.
    heading : list of str
        ``["Analysis of Variance Table"]``.
    """

    _own = ("table", "heading")

    def __init__(self, table: pd.DataFrame, heading: list[str]) -> None:
        self.table = table
        self.heading = heading

    def _cells(self, width: int = 80):
        cols = [self.table[c].to_numpy(dtype=float).tolist() for c in COLUMNS]
        # R's print.anova: "F value" is a test statistic, the other columns are zapped; no p values
        return print_coefmat(cols, [str(i) for i in self.table.index], COLUMNS, digits=5, show_stars=True,
                             cs_ind=[], tst_ind=[3], zap_ind=[0, 1, 2], has_pvalue=False, p_values=False,
                             na_print="", width=width)

    def __str__(self) -> str:
        if not len(self.table):      # R prints the header alone
            return "\n".join(self.heading + ["     " + " ".join(COLUMNS)])
        lines, _, _, _ = self._cells()
        return "\n".join(self.heading + lines)

    def _repr_html_(self) -> str:
        out = ['<div class="glmmlite-anova">', f"<div><b>{html.escape(self.heading[0])}</b></div>"]
        if len(self.table):
            _, cells, header, _ = self._cells()
            out.append(table_html(pd.DataFrame(cells, index=[str(i) for i in self.table.index], columns=header),
                                  align="right"))
        else:
            out.append("<div>(no fixed-effect terms besides the intercept)</div>")
        out.append("</div>")
        return "".join(out)


def sequential_effects(information: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """``R_X beta``, with ``R_X`` the upper Cholesky factor of ``information`` (``R_X' R_X``).

    The squares of its entries add up to ``beta' information beta``; entry j is what column j
    adds after columns 0..j-1.
    """
    RX = np.linalg.cholesky(information).T
    return RX @ beta


def fixed_anova(m: Any) -> FixedAnovaTable:
    """lme4's ``anova(m)`` of one fitted model: the sequential sums of squares of the fixed effects.

    Parameters
    ----------
    m : GlmerResult

    Returns
    -------
    FixedAnovaTable
        Rows: the model's fixed-effect terms (``trt``, ``sex``, ``trt:sex``); columns npar (the
        term's number of columns in X), Sum Sq, Mean Sq (Sum Sq / npar) and F value (Mean Sq,
        as sigma = 1).  Prints as R does.

    Raises
    ------
    ArgumentError
        The fixed-effects information cannot be factored (fixed effects not identified).
    """
    V = m.vcov_rx().to_numpy(dtype=float)
    try:
        eff = sequential_effects(np.linalg.inv(V), np.asarray(m.beta, dtype=float))
    except np.linalg.LinAlgError:
        raise ArgumentError("anova(m): the fixed-effects information matrix of this fit is not positive "
                            "definite (the fixed effects are not identified), so there is no table") from None
    assign = np.asarray(m.frame.fixed_assign(), dtype=int)
    labels = m.frame.parsed.fixed.labels
    rows, npar, ss = [], [], []
    for i in dict.fromkeys(assign.tolist()):       # terms with a column, in order
        if i == 0:
            continue                               # the intercept: lme4 computes it, then drops the row
        cols = assign == i
        rows.append(labels[i - 1])
        npar.append(int(cols.sum()))
        ss.append(float(np.sum(eff[cols] ** 2)))
    ms = np.asarray(ss) / np.asarray(npar, dtype=float) if rows else np.array([])
    table = pd.DataFrame({"npar": npar, "Sum Sq": ss, "Mean Sq": ms, "F value": ms}, index=pd.Index(rows))
    table["npar"] = table["npar"].astype(int)
    return FixedAnovaTable(table, [HEADING])

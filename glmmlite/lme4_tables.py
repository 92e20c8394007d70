"""lme4's two other printed tables: ``anova(m2, m)`` and ``print(confint(m))``.

The heading and the table of the likelihood-ratio test as lme4's ``anova.merMod`` and R's
``print.anova`` print them (``printCoefmat`` with ``zap.ind`` on all but the test
statistic, the Df and the p value), and an interval matrix as ``print.default`` prints it.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .rformat import R_WIDTH, _nums
from .rprint import print_coefmat, print_numeric_matrix

__all__ = ["format_anova", "format_confint"]


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

"""Likelihood-ratio comparison of nested GLMMs (lme4's ``anova(m2, m)``).

``anova(m2, m)`` orders the models by their number of parameters (as R does),
and for each model after the first reports the likelihood-ratio statistic
``Chisq = 2 * (logLik - logLik of the previous row)`` (0 if negative), its
degrees of freedom ``Df`` (the difference in the number of parameters) and
``Pr(>Chisq)`` from the chi-squared distribution.  The ``deviance`` column is
-2 logLik (not R's ``deviance()`` of a GLMM).
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ArgumentError, GlmmliteWarning, caller_names as _caller_names, user_stacklevel
from ..html_print import anova_html
from ..lme4_tables import format_anova
from ..summary import formula_text
from .anova_fixed import fixed_anova
from .headed_table import HeadedTable

__all__ = ["anova", "AnovaTable"]

COLUMNS = ["npar", "AIC", "BIC", "logLik", "deviance", "Chisq", "Df", "Pr(>Chisq)"]


class AnovaTable(HeadedTable):
    """The table of :func:`anova`: a DataFrame plus R's heading.

    Behaves like the DataFrame for indexing (``tab["Chisq"]``, ``tab.loc["m"]``,
    ``tab.columns`` ...); ``str(tab)`` prints R's layout; in a notebook it shows
    as an HTML table.

    Attributes
    ----------
    table : DataFrame
        Columns npar, AIC, BIC, logLik, deviance, Chisq, Df, Pr(>Chisq); rows named
        by the model labels, ordered by npar.
    heading : list of str
        R's heading lines ("Data: d", "Models:", "m2: y ~ trt + sex + (1 | id)", ...).
    formulas : dict
        Model label -> formula.
    """

    _own = ("table", "heading", "formulas")

    def __init__(self, table: pd.DataFrame, heading: list[str], formulas: dict[str, str]) -> None:
        self.table = table
        self.heading = heading
        self.formulas = formulas

    def __str__(self) -> str:
        return format_anova(self)

    def _repr_html_(self) -> str:
        return anova_html(self)


# ------------------------------------------------------------------- the labels
def _same_data(a: Any, b: Any) -> bool:
    fa, fb = getattr(a, "frame", None), getattr(b, "frame", None)
    if fa is None or fb is None:
        return True
    try:
        if len(fa.y) != len(fb.y):
            return False
        if not (np.array_equal(np.asarray(fa.y, float), np.asarray(fb.y, float))
                and np.array_equal(np.asarray(fa.weights, float), np.asarray(fb.weights, float))):
            return False
        ia, ib = getattr(fa.data, "index", None), getattr(fb.data, "index", None)
        return ia is None or ib is None or ia.equals(ib)
    except Exception:  # pragma: no cover - be permissive with unusual objects
        return True


def _has_saturated_constant(m: Any) -> bool:
    fr = getattr(m, "frame", None)
    if fr is None:
        return True
    w = np.asarray(fr.weights, float)
    return bool(np.any(w > 1))


# -------------------------------------------------------------------- anova()
def anova(*models: Any, names: Sequence[str] | None = None) -> AnovaTable | Any:
    """Compare nested models by likelihood-ratio tests (R's ``anova(m2, m)``); with one model,
    lme4's sequential table of its fixed effects (``anova(m)``, see
    :func:`glmmlite.inference.anova_fixed.fixed_anova`).

    Parameters
    ----------
    *models : GlmerResult
        Two or more models fitted to the same data (same rows and response); or one model,
        for its "Analysis of Variance Table" (a :class:`FixedAnovaTable`).
    names : sequence of str, optional
        Row labels.  By default the names the models are bound to in the calling
        code (``anova(m2, m)`` gives rows "m2" and "m", as R does), else
        "MODEL1", "MODEL2", ...

    Returns
    -------
    AnovaTable
        DataFrame-like, with columns npar, AIC, BIC, logLik, deviance, Chisq, Df
        and Pr(>Chisq), rows ordered by npar; prints as R does.

    Raises
    ------
    ArgumentError
        Fewer than two models, models fitted to different numbers of observations or
        to different data, or ``names`` of the wrong length.

    Notes
    -----
    As in lme4, ``Chisq`` is ``2 * max(0, logLik_i - logLik_{i-1})``: a larger
    model whose fit is worse shows 0.  ``Pr(>Chisq)`` is NaN when ``Df <= 0``
    (R would print 0 for ``Df = 0``).

    Examples
    --------
    >>> gl.anova(m2, m)                                         # doctest: +SKIP
    """
    if len(models) == 1 and isinstance(models[0], (list, tuple)):
        models = tuple(models[0])
    if len(models) == 1 and hasattr(models[0], "vcov_rx") and names is None:
        return fixed_anova(models[0])
    if len(models) < 2:
        raise ArgumentError("anova needs a fitted model (anova(m): the fixed effects' sequential table) "
                            "or at least two to compare, e.g. anova(m2, m)")
    for i, mod in enumerate(models):
        for attr in ("loglik", "n_params", "nobs"):
            if not hasattr(mod, attr):
                raise ArgumentError(f"argument {i + 1} of anova is not a fitted model (it has no {attr!r})")
    if names is None:
        found = _caller_names(models)
        labels = [f or f"MODEL{i + 1}" for i, f in enumerate(found)]
        if len(set(labels)) != len(labels):
            labels = [f"MODEL{i + 1}" for i in range(len(models))]
    else:
        labels = [str(s) for s in names]
        if len(labels) != len(models):
            raise ArgumentError(f"names has {len(labels)} labels for {len(models)} models")
        if len(set(labels)) != len(labels):
            raise ArgumentError(f"model names must be unique, got {labels}")

    nobs = [int(mod.nobs) for mod in models]
    if len(set(nobs)) > 1:
        detail = ", ".join(f"{lab}: {n}" for lab, n in zip(labels, nobs))
        raise ArgumentError(f"models were not all fitted to the same size of dataset ({detail})")
    for lab, mod in zip(labels[1:], models[1:]):
        if not _same_data(models[0], mod):
            raise ArgumentError(
                f"all models must be fit to the same data: {labels[0]!r} and {lab!r} have different "
                "responses or rows"
            )
    nagq = [int(getattr(mod, "nAGQ", 1)) for mod in models]
    if len({a > 1 for a in nagq}) > 1:
        msg = (f"models fitted with nAGQ = {nagq}: adaptive quadrature (nAGQ > 1) and the Laplace "
               "approximation give log-likelihoods on different scales")
        if _has_saturated_constant(models[0]):
            raise ArgumentError(msg + " (for binomial counts they differ by the saturated-model constant); "
                                "refit all models with the same nAGQ")
        warnings.warn(msg + "; refit all models with the same nAGQ", GlmmliteWarning, stacklevel=user_stacklevel())

    order = sorted(range(len(models)), key=lambda i: int(models[i].n_params))  # stable, as R's order()
    mods = [models[i] for i in order]
    labs = [labels[i] for i in order]
    npar = np.array([int(mod.n_params) for mod in mods], float)
    llk = np.array([float(mod.loglik) for mod in mods])
    n = float(nobs[0])
    aic = -2 * llk + 2 * npar
    bic = -2 * llk + math.log(n) * npar
    chisq = np.concatenate([[np.nan], 2 * np.maximum(0.0, np.diff(llk))])
    df = np.concatenate([[np.nan], np.diff(npar)])
    with np.errstate(invalid="ignore"):
        p = np.where(df > 0, stats.chi2.sf(chisq, np.where(df > 0, df, 1)), np.nan)
    p[0] = np.nan
    table = pd.DataFrame(
        {"npar": npar, "AIC": aic, "BIC": bic, "logLik": llk, "deviance": -2 * llk,
         "Chisq": chisq, "Df": df, "Pr(>Chisq)": p},
        index=pd.Index(labs),
    )
    table["npar"] = table["npar"].astype(int)
    formulas = {lab: formula_text(getattr(mod, "formula", "")) for lab, mod in zip(labs, mods)}
    heading = []
    dn = [getattr(mod, "data_name", None) for mod in mods]
    if dn[0]:
        heading.append(f"Data: {dn[0]}")
    heading.append("Models:")
    heading += [f"{lab}: {formulas[lab]}" for lab in labs]
    return AnovaTable(table, heading, formulas)

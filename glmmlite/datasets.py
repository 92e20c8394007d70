"""Data sets that ship with glmmlite (the files in ``glmmlite/data/``).

* :func:`cbpp`: lme4's ``cbpp`` data (contagious bovine pleuropneumonia in 15 zebu herds),
  with ``herd`` and ``period`` as categorical columns, as R's factors.
* :func:`lme4_reference`: the numbers real ``lme4::glmer`` (1.1-31, R 4.2.2) gives for the
  book's models, for comparing glmmlite with R without R.
* :func:`calibration`: the project's coverage study of 95% intervals
  (``benchmarks/calibration.py``), which chapter 6 of the book quotes.

Both read package data, so they work from any folder (a downloaded notebook included).
``scripts/make_datasets.py`` writes the files from the project's lme4 reference outputs.
"""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from importlib import resources
from typing import Any

import pandas as pd

from .errors import ArgumentError

__all__ = ["cbpp", "lme4_reference", "calibration", "REFERENCE_DATA"]

#: The simulations of the article's data that :func:`lme4_reference` knows:
#: ``"article"`` is the article's code run top to bottom in one R session after
#: ``set.seed(1)`` (its coin-flip demo included), ``"seed"`` the same without the coin flip.
REFERENCE_DATA: tuple[str, ...] = ("article", "seed")


def _open(name: str):
    return resources.files("glmmlite").joinpath("data", name).open("r", encoding="utf-8")


def cbpp() -> pd.DataFrame:
    """lme4's ``cbpp`` data: 56 herd-periods of 15 herds.

    Returns
    -------
    pandas.DataFrame
        Columns ``herd`` (categorical, levels ``"1"`` .. ``"15"``), ``incidence`` (new
        serological cases), ``size`` (herd size) and ``period`` (categorical, levels
        ``"1"`` .. ``"4"``), as ``lme4::cbpp`` in R.  A new copy on every call.

    Examples
    --------
    >>> import glmmlite as gl
    >>> d = gl.datasets.cbpp()
    >>> m = gl.glmer("cbind(incidence, size - incidence) ~ period + (1|herd)",
    ...              data=d, family="binomial")
    """
    with _open("cbpp.csv") as fh:
        d = pd.read_csv(fh)
    for col, n in (("herd", 15), ("period", 4)):
        d[col] = pd.Categorical(d[col].astype(str), categories=[str(i) for i in range(1, n + 1)])
    return d


@lru_cache(maxsize=1)
def _reference() -> dict[str, Any]:
    with _open("lme4_reference.json") as fh:
        return json.load(fh)


def lme4_reference(data: str = "article") -> dict[str, Any]:
    """lme4's numbers for the book's models (selected fields of real ``glmer`` fits).

    Parameters
    ----------
    data : {"article", "seed"}
        Which simulation of the article's data the fits ``m``, ``m2`` and ``m_y2`` are on:
        ``"article"`` (``gl.simulate_article_data(seed=1, stream="r")``, the article's
        R session) or ``"seed"`` (the same without the article's coin-flip demo).

    Returns
    -------
    dict
        ``source`` and ``session`` (R and lme4 versions), then ``m``, ``m2``, ``m_y2``
        (``formula``, ``nobs``, ``df_resid``, ``fixef``, ``se``, ``theta``, ``sd``,
        ``logLik``, ``AIC``, ``BIC``, ``deviance_summary``; ``m`` also
        ``confint_profile_95``, ``predict_newdata`` and ``nAGQ25``), ``anova_m2_m``
        (``anova(m2, m)``) and ``cbpp`` (the ``cbind`` fit of :func:`cbpp`).  A new copy
        on every call.
    """
    if not isinstance(data, str) or data not in REFERENCE_DATA:
        raise ArgumentError(f"data must be one of {REFERENCE_DATA}, got {data!r}")
    ref = _reference()
    return copy.deepcopy({"source": ref["source"], "session": ref["session"], **ref[data]})


@lru_cache(maxsize=1)
def _calibration() -> dict[str, Any]:
    with _open("calibration.json") as fh:
        return json.load(fh)


def calibration(sd: float | None = None) -> dict[str, Any]:
    """The coverage study of 95% intervals on the article's design (``benchmarks/calibration.py``).

    Each scenario simulated ``nsim`` data sets from the article's logit-scale model with the
    given random-intercept SD, fitted ``y ~ trt * sex + (1|id)`` and computed profile and
    Wald intervals.

    Parameters
    ----------
    sd : float, optional
        A scenario's true random-intercept SD (for example ``0.03``): return only that
        scenario.  By default, the whole study.

    Returns
    -------
    dict
        Without ``sd``: ``source``, ``level`` and ``scenarios`` (a list).  Each scenario has
        ``sd``, ``nsim``, ``failed``, ``singular`` (count), ``singular_pct``, ``sd_mean``,
        ``sd_median``, ``zero_lower_pct`` (SD intervals starting at exactly 0),
        ``below_pct`` / ``above_pct`` (SD intervals entirely below / above the truth) and
        ``coverage``: per parameter (``"sd_(Intercept)|id"``, ``"(Intercept)"``, ...)
        ``true``, ``profile_coverage``, ``profile_mc_se``, ``wald_coverage`` (``None`` for
        the SD), ``profile_width``, ``wald_width``; percentages in percent.  A new copy on
        every call.

    Examples
    --------
    >>> import glmmlite as gl
    >>> gl.datasets.calibration(sd=0.03)["singular_pct"]  # doctest: +SKIP
    """
    study = copy.deepcopy(_calibration())
    if sd is None:
        return study
    for scenario in study["scenarios"]:
        if abs(scenario["sd"] - float(sd)) < 1e-12:
            return scenario
    known = [s["sd"] for s in study["scenarios"]]
    raise ArgumentError(f"sd must be one of the study's SDs {known}, got {sd!r}")

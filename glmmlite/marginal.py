"""Typical-cluster vs population-averaged probabilities.

A binomial GLMM's fixed effects describe a *typical* cluster, one whose random effects are 0:
its probability is ``linkinv(x' beta)``.  The *population-averaged* probability -- the
proportion of successes over all clusters of the population -- integrates over the
random-effect distribution::

    p_pop(x) = integral of linkinv(x' beta + s * z) phi(z) dz,   s^2 = sum_t z_t' Sigma_t z_t

(``z_t`` the row of the random term's model matrix, ``Sigma_t`` its covariance), which is pulled
toward 0.5 when ``s`` is large.  The integral is computed by Gauss-Hermite quadrature.

Intervals use the delta method on the fixed effects (the variance parameters are treated as
known) and are formed on the logit of the probability, so they stay in (0, 1).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from .argcheck import takes_fit
from .errors import ArgumentError

__all__ = ["population_average", "typical_probability", "probabilities", "gauss_hermite", "re_sd_of_rows"]


def gauss_hermite(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights for integrals against the standard normal density."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ArgumentError(f"n_quad must be a whole number >= 1, not {n!r}")
    x, w = np.polynomial.hermite_e.hermegauss(int(n))
    return x, w / np.sqrt(2.0 * np.pi)


def re_sd_of_rows(m: Any, newdata: pd.DataFrame | None = None, terms: list[int] | None = None) -> np.ndarray:
    """SD of the random-effect part of the linear predictor for each row, ``sqrt(sum_t z_t' Sigma_t z_t)``."""
    fr = m.frame
    terms = list(range(len(fr.random))) if terms is None else terms
    if newdata is None:
        Xts = [fr.random[i].X for i in terms]
        n = fr.n
    else:
        from .modelframe import _rebuild_design
        Xts = [_rebuild_design(fr.random[i].spec.design, newdata, f"random term ({fr.random[i].spec.random.text})")
               for i in terms]
        n = len(newdata)
    var = np.zeros(n)
    factors = m.layout.factors(m.theta)
    for i, Xt in zip(terms, Xts):
        S = factors[i] @ factors[i].T
        var += np.einsum("ij,jk,ik->i", Xt, S, Xt)
    return np.sqrt(var)


def _integrate(fam, eta: np.ndarray, s: np.ndarray, n_quad: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean of linkinv, mean of mu_eta) over eta + s z, z ~ N(0, 1)."""
    x, w = gauss_hermite(n_quad)
    E = eta[:, None] + s[:, None] * x[None, :]
    return fam.linkinv(E) @ w, fam.mu_eta(E) @ w


def _logit_interval(p: np.ndarray, se: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    z = special.ndtri(0.5 + level / 2)
    pc = np.clip(p, 1e-300, 1 - 1e-16)
    sl = se / (pc * (1 - pc))
    lp = special.logit(pc)
    return special.expit(lp - z * sl), special.expit(lp + z * sl)


@takes_fit
def population_average(m: Any, newdata: pd.DataFrame | None = None, level: float = 0.95,
                       n_quad: int = 32) -> pd.DataFrame:
    """Population-averaged (marginal) probabilities, integrating over all random effects.

    Parameters
    ----------
    m : GlmerResult
    newdata : DataFrame, optional
        Rows (fixed-effect and random-term columns, no grouping columns needed); default the fitted data.
    level : float
    n_quad : int
        Gauss-Hermite nodes (32 is exact to ~1e-10 for SDs up to about 3 on the logit scale).

    Returns
    -------
    DataFrame with ``fit`` (the population-averaged probability), ``se_fit``, ``lower``, ``upper``.
    """
    from .prediction_se import check_level
    level = check_level(level)
    fr = m.frame
    if newdata is None:
        X, off, index = fr.X, fr.offset, fr.data.index
    else:
        from .prediction_se import link_design
        X, off, _, index = link_design(m, newdata, [])
    eta = X @ m.beta + off
    s = re_sd_of_rows(m, newdata)
    p, d = _integrate(m.family, eta, s, n_quad)
    G = d[:, None] * X
    se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", G, m._vcov, G), 0.0))
    lo, hi = _logit_interval(p, se, level)
    return pd.DataFrame({"fit": p, "se_fit": se, "lower": lo, "upper": hi}, index=index)


@takes_fit
def typical_probability(m: Any, newdata: pd.DataFrame | None = None, level: float = 0.95) -> pd.DataFrame:
    """The probability of a typical cluster (random effects 0): ``linkinv(x' beta)`` with its interval."""
    from .prediction_se import predict_se
    return predict_se(m, newdata, type="response", re_form="~0", level=level)


@takes_fit
def probabilities(m: Any, newdata: pd.DataFrame | None = None, level: float = 0.95, n_quad: int = 32) -> pd.DataFrame:
    """Both kinds side by side: ``typical``, ``typical_lower``, ``typical_upper``,
    ``population``, ``population_lower``, ``population_upper`` (and ``re_sd``, the SD
    of the random part of the linear predictor for the row)."""
    t = typical_probability(m, newdata, level)
    p = population_average(m, newdata, level, n_quad)
    out = pd.DataFrame({"typical": t["fit"], "typical_lower": t["lower"], "typical_upper": t["upper"],
                        "population": p["fit"], "population_lower": p["lower"], "population_upper": p["upper"]},
                       index=t.index)
    out["re_sd"] = re_sd_of_rows(m, newdata)
    if newdata is not None:
        out = pd.concat([newdata.reset_index(drop=True).set_axis(out.index), out], axis=1)
    return out

"""Predictions with standard errors and confidence intervals (lme4's ``predict(se.fit = TRUE)``).

The delta method on the link scale:

* population level (``re_form="~0"``, R's ``re.form = NA``): ``eta = x' beta``,
  ``se = sqrt(x' V x)`` with ``V = vcov(m)``;
* conditional on random effects (``re_form=None`` or a formula naming some terms):
  ``eta = x' beta + z' b``, ``se = sqrt(x' V x + z' C z)`` where ``C`` holds the
  conditional variances of the modes (R's ``ranef(m, condVar = TRUE)``).  The covariance
  between the fixed-effect estimates and the modes is left out, as in most software
  (``merTools``, ``ggeffects``); the estimates of the variance parameters are treated as
  known.

On the response scale the point prediction is ``linkinv(eta)``, the standard error is the
delta-method ``mu_eta(eta) * se`` and the interval is the link-scale interval transformed,
so it stays inside (0, 1).  ``method="boot"`` instead takes percentile intervals of the
predictions over parametric-bootstrap refits (:func:`glmmlite.bootMer`), which also carries
the uncertainty of the variance parameters.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from .argcheck import check_bool, takes_fit
from .errors import ArgumentError
from .inference.levels import check_level
from .newdata import as_frame, offset_for, re_form_terms

__all__ = ["predict", "predict_se", "parse_re_form", "link_design", "check_level"]


def parse_re_form(m: Any, re_form: Any) -> list[int]:
    """Indices of the random-effect terms that ``re_form`` keeps; see
    :func:`glmmlite.newdata.re_form_terms` (this module's name for it)."""
    return re_form_terms(m, re_form)


def link_design(m: Any, newdata: Any, keep: list[int], allow_new_levels: bool = False):
    """(X, offset, [(term index, codes, Xt)], index) for ``newdata`` (or the fitted data)."""
    fr = m.frame
    if newdata is None:
        X = fr.X
        off = fr.offset
        mats = [(i, fr.random[i].codes, fr.random[i].X) for i in keep]
        return X, off, mats, fr.data.index
    newdata = as_frame(newdata)
    X = fr.fixed_matrix(newdata)
    off = offset_for(fr, newdata, m.offset_argument)
    mats = []
    if keep:
        allm = fr.random_matrices(newdata, allow_new_levels=allow_new_levels)
        mats = [(i, allm[i][0], allm[i][1]) for i in keep]
    return X, off, mats, newdata.index


def _eta(m: Any, X: np.ndarray, off: np.ndarray, mats, cv: list[np.ndarray] | None = None
         ) -> tuple[np.ndarray, np.ndarray]:
    """The linear predictor ``x' beta + offset + z' b`` over the terms in ``mats`` (a level not
    seen in fitting, code -1, contributes 0), and with the conditional variances ``cv`` the
    ``z' C z`` part of its variance (zeros without them)."""
    eta = X @ m.beta + off
    zcz = np.zeros(eta.shape)
    B = m.b if mats else []
    for i, codes, Xt in mats:
        ok = codes >= 0
        c = np.where(ok, codes, 0)
        eta = eta + np.where(ok, np.einsum("ij,ij->i", Xt, B[i][c]), 0.0)
        if cv is not None:
            if Xt.shape[1] == 1:                         # a scalar term: x^2 var
                v = Xt[:, 0] * Xt[:, 0] * cv[i][:, 0, 0][c]
            else:
                v = np.einsum("ij,ij->i", np.einsum("ij,ijk->ik", Xt, cv[i][c]), Xt)
            zcz = zcz + np.where(ok, v, 0.0)
    return eta, zcz


def _eta_var(m: Any, X: np.ndarray, off: np.ndarray, mats) -> tuple[np.ndarray, np.ndarray]:
    """The linear predictor and its delta-method variance ``x' V x + z' C z``."""
    eta, zcz = _eta(m, X, off, mats, _conditional_variances(m) if mats else None)
    return eta, np.einsum("ij,ij->i", X @ m._vcov, X) + zcz     # x' V x per row


def _check_type(type: Any) -> None:
    if type not in ("link", "response"):
        raise ArgumentError(f"type must be 'link' or 'response', not {type!r}")


@takes_fit
def predict(m: Any, newdata: Any = None, type: str = "link", re_form: Any = None,
            allow_new_levels: bool = False) -> pd.Series:
    """Predictions without standard errors (R's ``predict.merMod``; :meth:`GlmerResult.predict`).

    ``re_form`` is read as for :func:`predict_se` (None, ``"~0"``, or a formula naming some of
    the model's random-effect terms), so both give the same ``fit``.
    """
    _check_type(type)
    check_bool(allow_new_levels, "allow_new_levels", "new levels get random effect 0")
    keep = parse_re_form(m, re_form)
    X, off, mats, index = link_design(m, newdata, keep, bool(allow_new_levels))
    eta, _ = _eta(m, X, off, mats)
    return pd.Series(eta if type == "link" else m.family.linkinv(eta), index=index, name=type)


def _mu_eta(fam: Any, eta: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """``fam.mu_eta(eta)``; for the logit link from ``mu = linkinv(eta)`` without a second
    exp (the same numbers: linkinv's clamp is where mu_eta returns epsilon)."""
    if fam.link != "logit":
        return fam.mu_eta(eta)
    from .family import _EPS, _LOGIT_THRESH
    return np.where(np.abs(eta) > _LOGIT_THRESH, _EPS, mu * (1.0 - mu))


def _conditional_variances(m: Any) -> list[np.ndarray]:
    """The conditional variances of the modes (per term, levels x k x k), computed once per fit
    (kept on the result with the parameters they belong to)."""
    x = np.asarray(m._x, float)
    cached = m.__dict__.get("_cond_var_cache")
    if cached is not None and cached[0] is m._devfun and np.array_equal(cached[1], x):
        return cached[2]
    cv = m._devfun.conditional_variances(x)
    m.__dict__["_cond_var_cache"] = (m._devfun, x.copy(), cv)
    return cv


@takes_fit
def predict_se(m: Any, newdata: pd.DataFrame | None = None, type: str = "link", re_form: Any = None,
               level: float = 0.95, allow_new_levels: bool = False, method: str = "delta",
               nsim: int = 200, seed=None, progress: bool | None = None) -> pd.DataFrame:
    """Predictions with standard errors and confidence intervals.

    Parameters
    ----------
    m : GlmerResult
    newdata : DataFrame, optional
        Rows to predict for (default: the fitted data).
    type : {"link", "response"}
    re_form : None, "~0" or a formula string such as ``"~(1|id)"``
        Which random effects to condition on (R's ``re.form``).
    level : float
        Confidence level of the intervals.
    allow_new_levels : bool
        A level not seen in fitting gets random effect 0 and conditional variance 0.
    method : {"delta", "boot"}
        ``"delta"``: delta method (fast; fixed-effect and conditional-mode uncertainty);
        ``"boot"``: parametric bootstrap percentile intervals (``nsim`` refits; slower, also
        reflects the variance parameters' uncertainty).  With ``"boot"`` the random effects
        used are each refit's conditional modes.
    nsim, seed, progress
        For ``method="boot"``.

    Returns
    -------
    DataFrame with columns ``fit``, ``se_fit``, ``lower``, ``upper``, index of ``newdata``.
    """
    _check_type(type)
    check_bool(allow_new_levels, "allow_new_levels", "new levels get random effect 0")
    if method not in ("delta", "boot"):
        raise ArgumentError(f"method must be 'delta' or 'boot', not {method!r}")
    level = check_level(level)
    keep = parse_re_form(m, re_form)
    X, off, mats, index = link_design(m, newdata, keep, bool(allow_new_levels))
    eta, var = _eta_var(m, X, off, mats)
    se = np.sqrt(np.maximum(var, 0.0))
    z = special.ndtri(0.5 + level / 2)
    fam = m.family
    if method == "delta":
        lo, hi = eta - z * se, eta + z * se
        if type == "link":
            return pd.DataFrame({"fit": eta, "se_fit": se, "lower": lo, "upper": hi}, index=index)
        mu, mu_lo, mu_hi = fam.linkinv(np.stack([eta, lo, hi]))      # one pass of the inverse link
        return pd.DataFrame({"fit": mu, "se_fit": _mu_eta(fam, eta, mu) * se,
                             "lower": mu_lo, "upper": mu_hi}, index=index)
    from .inference.bootstrap import bootMer, norm_inter

    def stat(fit):
        e, _ = _eta(fit, X, off, mats)
        return pd.Series(e if type == "link" else fit.family.linkinv(e))

    bt = bootMer(m, stat, nsim=nsim, seed=seed, progress=progress, warn=False)
    T = bt.t.to_numpy(float)
    alpha = np.array([(1 - level) / 2, (1 + level) / 2])
    lohi = np.array([norm_inter(col[np.isfinite(col)], alpha) for col in T.T])
    fit = eta if type == "link" else fam.linkinv(eta)
    return pd.DataFrame({"fit": fit, "se_fit": np.nanstd(T, axis=0, ddof=1),
                         "lower": lohi[:, 0], "upper": lohi[:, 1]}, index=index)


def boot_quantiles(t: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Bootstrap percentiles as R's ``boot`` takes them (:func:`glmmlite.inference.bootstrap.norm_inter`)."""
    from .inference.bootstrap import norm_inter
    return norm_inter(t, alpha)


def as_rng(seed: Any) -> np.random.Generator:
    """A numpy Generator from an int seed, a Generator, or None (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise ArgumentError(f"seed must be an int, a numpy Generator or None, not {seed!r}")
    return np.random.default_rng(seed)

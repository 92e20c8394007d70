"""The binomial log-likelihood of the rows, in one place.

``-2 log p(y | mu) = -2 sum_i [log choose(m_i, k_i) + k_i log mu_i + (m_i - k_i) log(1 - mu_i)]``
with ``m_i`` = the prior weight (trials) and ``k_i = round(m_i y_i)`` the successes (lme4's
``aic`` term of the Laplace deviance, R's ``binomial()$aic``); rows of weight 0 count 0.
The binomial coefficients do not depend on mu and are summed once.

For the logit link the sum is taken straight from the linear predictor,
``log mu = -softplus(-eta)`` and ``log(1 - mu) = -softplus(eta)``, so that

    -2 log p = 2 sum_i [m_i softplus(eta_i) - k_i eta_i] - 2 const

(one ``exp`` and one ``log1p`` per row, computed once and shared with ``mu``), with eta
clamped as R's logit inverse clamps it.
"""
from __future__ import annotations

import numpy as np
from scipy import special

from .family import _LOGIT_THRESH, Binomial


def vdot(a: np.ndarray, b: np.ndarray) -> float:
    """Dot product of two vectors without BLAS (whose threads stall on a busy machine)."""
    return float(np.einsum("i,i->", a, b))


class BinomialLoglik:
    """``-2 log p(y | mu)`` and the per-row log-likelihood for fixed data.

    Parameters
    ----------
    y, weights : ndarray (n,)
        Proportion of successes and prior weights (trials).
    family : Binomial
    const : float, optional
        The summed log binomial coefficients, when the rows are aggregated counts whose
        original rows' coefficients differ (see :mod:`glmmlite.aggregate`).
    """

    def __init__(self, y: np.ndarray, weights: np.ndarray, family: Binomial, const: float | None = None):
        self.y = np.asarray(y, float)
        self.w = np.asarray(weights, float)
        self.family = family
        pos = self.w > 0
        m = np.where(pos, np.round(self.w), 0.0)
        self.k = np.where(pos, np.round(m * self.y), 0.0)      # successes
        self.mk = m - self.k                                    # failures
        self.m = m
        self.const = float(np.sum(Binomial.log_choose(self.y, self.w)[pos])) if const is None else float(const)
        self.wy = self.w * self.y                               # unrounded, for unit deviances
        self.logit = family.link == "logit"

    def minus2logp(self, mu: np.ndarray) -> float:
        """``-2 log p(y | mu)`` summed over the rows."""
        return -2.0 * (self.const + vdot(self.k, np.log(mu)) + vdot(self.mk, np.log1p(-mu)))

    def mu_and_minus2logp(self, eta: np.ndarray) -> tuple[np.ndarray, float]:
        """``mu = linkinv(eta)`` and ``-2 log p(y | mu)``, in one pass for the logit link."""
        if not self.logit:
            mu = self.family.linkinv(eta)
            return mu, self.minus2logp(mu)
        e = np.clip(eta, -_LOGIT_THRESH, _LOGIT_THRESH)
        ee = np.exp(e)
        mu = ee / (1.0 + ee)
        sp_ = np.log1p(ee, out=ee)                              # softplus(eta)
        return mu, 2.0 * (vdot(self.m, sp_) - vdot(self.k, e)) - 2.0 * self.const

    def row_loglik(self, mu: np.ndarray) -> np.ndarray:
        """Per row ``w y log mu + w (1 - y) log(1 - mu)`` (unit deviances less the saturated part)."""
        return self.wy * np.log(mu) + (self.w - self.wy) * np.log1p(-mu)

    def saturated(self) -> float:
        """``sum w y log y + w (1 - y) log(1 - y)``: the unit deviances' saturated part."""
        y, w = self.y, self.w
        return float(np.sum(special.xlogy(w * y, y) + special.xlogy(w * (1 - y), 1 - y)))

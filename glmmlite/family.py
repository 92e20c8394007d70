"""The binomial family and its links (logit, probit, cloglog).

The numbers follow R's ``binomial()`` family object, which is what lme4 uses:
the same clamping of the inverse link near 0 and 1, the same unit deviances and
the same "aic" term (``-2 * sum(log dbinom)``) that enters lme4's Laplace
deviance.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import special

from .errors import FamilyError

_EPS = np.finfo(float).eps
_LOGIT_THRESH = -np.log(_EPS)            # 36.04: R's logit clamp
_PROBIT_THRESH = -special.ndtri(_EPS)    # 8.12: R's probit clamp

LINKS = ("logit", "probit", "cloglog")


# ---------------------------------------------------------------- the links
def _logit_inv(eta):
    return special.expit(np.clip(eta, -_LOGIT_THRESH, _LOGIT_THRESH))


def _logit_mu_eta(eta):
    mu = special.expit(eta)
    out = mu * (1.0 - mu)
    return np.where(np.abs(eta) > _LOGIT_THRESH, _EPS, out)


def _logit_mu_eta_deriv(eta):
    mu = special.expit(eta)
    return mu * (1.0 - mu) * (1.0 - 2.0 * mu)


def _probit_inv(eta):
    return special.ndtr(np.clip(eta, -_PROBIT_THRESH, _PROBIT_THRESH))


def _dnorm(x):
    return np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)


def _probit_mu_eta(eta):
    return np.maximum(_dnorm(eta), _EPS)


def _probit_mu_eta_deriv(eta):
    return -eta * _dnorm(eta)


def _cloglog_inv(eta):
    return np.clip(-np.expm1(-np.exp(eta)), _EPS, 1.0 - _EPS)


def _cloglog_mu_eta(eta):
    eta = np.minimum(eta, 700.0)
    return np.maximum(np.exp(eta - np.exp(eta)), _EPS)


def _cloglog_mu_eta_deriv(eta):
    eta = np.minimum(eta, 700.0)
    e = np.exp(eta)
    return np.exp(eta - e) * (1.0 - e)


_LINK_FUNS = {
    "logit": (special.logit, _logit_inv, _logit_mu_eta, _logit_mu_eta_deriv),
    "probit": (special.ndtri, _probit_inv, _probit_mu_eta, _probit_mu_eta_deriv),
    "cloglog": (lambda mu: np.log(-np.log1p(-mu)), _cloglog_inv, _cloglog_mu_eta, _cloglog_mu_eta_deriv),
}


@dataclass(frozen=True)
class Binomial:
    """The binomial family with a given link (R's ``binomial(link = ...)``).

    Parameters
    ----------
    link : {"logit", "probit", "cloglog"}
        The link function g, with eta = g(mu).
    """

    link: str = "logit"

    def __post_init__(self) -> None:
        if not isinstance(self.link, str) or self.link not in _LINK_FUNS:
            raise FamilyError(
                f"unknown link {self.link!r} for the binomial family; "
                f"use one of {', '.join(repr(k) for k in LINKS)}"
            )

    # link and its inverse -------------------------------------------------
    @property
    def name(self) -> str:
        return "binomial"

    @property
    def canonical(self) -> bool:
        """True for the logit link, where Fisher and observed information agree."""
        return self.link == "logit"

    def linkfun(self, mu: np.ndarray) -> np.ndarray:
        """eta = g(mu)."""
        return _LINK_FUNS[self.link][0](np.asarray(mu, float))

    def linkinv(self, eta: np.ndarray) -> np.ndarray:
        """mu = g^{-1}(eta), clamped away from 0 and 1 as R does."""
        return _LINK_FUNS[self.link][1](np.asarray(eta, float))

    def mu_eta(self, eta: np.ndarray) -> np.ndarray:
        """d mu / d eta (at least machine epsilon, as R)."""
        return _LINK_FUNS[self.link][2](np.asarray(eta, float))

    def mu_eta_deriv(self, eta: np.ndarray) -> np.ndarray:
        """d^2 mu / d eta^2 (used by the analytic gradient of the Laplace deviance)."""
        return _LINK_FUNS[self.link][3](np.asarray(eta, float))

    def newton_moments(self, eta: np.ndarray, mu: np.ndarray, y: np.ndarray,
                       w: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
        """``(W, s, exact)`` for a Newton step of PIRLS: per row the score
        ``s = d log p / d eta`` and the weight ``W = -d^2 log p / d eta^2`` (the observed
        information), for proportions y with w trials.

        For the logit link this is the Fisher weight ``w mu (1 - mu)``.  For probit and
        cloglog, Fisher scoring (the Fisher weight ``w mu'^2 / V``) converges only linearly
        in PIRLS (each step 0.14 of the last for probit and 0.37 for cloglog, on the
        crossed benchmark design), whereas the observed information gives Newton's
        quadratic convergence.  Both links have a log-concave likelihood in eta, so the
        observed information is positive; where rounding makes it not positive (far into
        the clamped tails), the row keeps its Fisher weight and ``exact`` is False.
        """
        m1 = self.mu_eta(eta)
        var = mu * (1.0 - mu)
        r = y - mu
        s = w * r * m1 / var
        fisher = w * m1 * m1 / var
        if self.canonical:
            return fisher, s, True
        m2 = self.mu_eta_deriv(eta)
        W = fisher - w * r * (m2 / var - m1 * m1 * (1.0 - 2.0 * mu) / (var * var))
        good = np.isfinite(W) & (W > 0.0)
        if good.all():
            return W, s, True
        return np.where(good, W, fisher), s, False

    # variance and deviance -------------------------------------------------
    @staticmethod
    def variance(mu: np.ndarray) -> np.ndarray:
        """V(mu) = mu (1 - mu)."""
        return mu * (1.0 - mu)

    @staticmethod
    def dev_resids(y: np.ndarray, mu: np.ndarray, wt: np.ndarray) -> np.ndarray:
        """Unit deviances 2 wt (y log(y/mu) + (1-y) log((1-y)/(1-mu)))."""
        return 2.0 * wt * (special.xlogy(y, y / mu) + special.xlogy(1.0 - y, (1.0 - y) / (1.0 - mu)))

    @staticmethod
    def log_choose(y: np.ndarray, wt: np.ndarray, trials: np.ndarray | None = None) -> np.ndarray:
        """Per row, the log binomial coefficient in R's ``binomial()$aic`` (the log-likelihood's
        constant, which lme4 includes in its logLik, AIC and deviance).

        R takes ``m = n`` (the trials of a ``cbind`` response) if some row has more than one
        trial, else ``m = wt`` (the prior weights), and weighs ``log choose(m, round(m y))`` by
        ``wt / m``.  So ``cbind(k, n - k)`` with ``weights = w`` counts ``w log choose(n, k)``,
        not ``log choose(w n, w k)``; for every other response ``m = wt``.
        """
        wt = np.asarray(wt, float)
        m = np.round(wt)
        scale = None
        if trials is not None and np.any(np.asarray(trials) > 1):
            m = np.round(np.asarray(trials, float))
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = np.where(m > 0, wt / np.where(m > 0, m, 1.0), 0.0)
        if scale is None and np.all(m == 1.0):    # Bernoulli rows: choose(1, k) = 1
            return np.zeros_like(m)
        k = np.round(m * y)
        out = special.gammaln(m + 1.0) - special.gammaln(k + 1.0) - special.gammaln(m - k + 1.0)
        return out if scale is None else out * scale

    def __repr__(self) -> str:  # R-like
        return f"binomial(link = {self.link!r})"


def binomial(link: str = "logit") -> Binomial:
    """The binomial family, as R's ``binomial(link = "logit")``.

    Parameters
    ----------
    link : {"logit", "probit", "cloglog"}

    Examples
    --------
    >>> binomial("probit")
    binomial(link = 'probit')
    """
    return Binomial(link)


def as_family(family: "str | Binomial | Callable") -> Binomial:
    """Turn what a user passes as ``family=`` into a :class:`Binomial`.

    Accepts ``"binomial"``, a :class:`Binomial`, or the function :func:`binomial`
    itself (as R accepts ``family = binomial``).
    """
    if isinstance(family, Binomial):
        return family
    if family is binomial:
        return Binomial("logit")
    if isinstance(family, str):
        key = family.strip().lower()
        if key == "binomial":
            return Binomial("logit")
        if key in LINKS:
            raise FamilyError(
                f"family={family!r} names a link, not a family; use family=gl.binomial(link={key!r})"
            )
        raise FamilyError(
            f"unknown family {family!r}: glmmlite fits binomial GLMMs only; "
            "use family='binomial' or family=gl.binomial(link='logit'|'probit'|'cloglog')"
        )
    raise FamilyError(
        f"family must be 'binomial' or gl.binomial(...), not {type(family).__name__}"
    )

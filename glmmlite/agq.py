"""Adaptive Gauss-Hermite quadrature (nAGQ > 1) for one scalar random-effects term.

Each group's integral over its spherical random effect u_j is approximated with
``nAGQ`` Gauss-Hermite nodes centred at the conditional mode and scaled by the
conditional SD ``1 / L_jj``, as lme4's ``glmerAGQ`` does:

    devc_j(u) = u^2 + sum_i unit_deviance_i(u)
    mult_j = sum_k w_k exp(z_k^2 / 2 - (devc_j(u_j + z_k sd_j) - devc_j(u_j)) / 2)
    D = sum_j devc_j(u_j) + log|L|^2 - 2 sum_j log mult_j

Unit deviances are used (as lme4), so D lacks the saturated-model constant: for
0/1 data that constant is 0; for counts it is not (see the reference README).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from .pirls_scalar import ScalarLaplace


@lru_cache(maxsize=32)
def gauss_hermite_normal(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of the n-point rule for the standard normal density, symmetrized."""
    x, w = np.polynomial.hermite.hermgauss(n)
    z = x * np.sqrt(2.0)
    w = w / np.sqrt(np.pi)
    z = (z - z[::-1]) / 2.0
    w = (w + w[::-1]) / 2.0
    return z, w


class ScalarAGQ:
    """The nAGQ-point deviance for one scalar term, built on :class:`ScalarLaplace`.

    It has the backends' interface (see :mod:`glmmlite.deviance`); the conditional modes
    and variances are the Laplace ones at the same parameters, as in lme4.
    """

    has_gradient = False

    def __init__(self, laplace: ScalarLaplace, nAGQ: int):
        self.lap = laplace
        self.nAGQ = int(nAGQ)
        self.nodes, self.wts = gauss_hermite_normal(self.nAGQ)

    # the interface, from the Laplace backend
    @property
    def rows(self):
        return self.lap.rows

    @property
    def u(self) -> np.ndarray:
        return self.lap.u

    @property
    def n_eval(self) -> int:
        return self.lap.n_eval

    def fisher_weights(self, eta: np.ndarray) -> np.ndarray:
        return self.lap.fisher_weights(eta)

    def modes(self, theta, beta) -> np.ndarray:
        return self.lap.modes(theta, beta)

    def conditional_variances(self, theta, beta) -> list[np.ndarray]:
        return self.lap.conditional_variances(theta, beta)

    def deviance_and_gradient(self, theta, beta):
        """The AGQ deviance and None (no analytic gradient)."""
        return self.deviance(theta, beta), None

    def _devc(self, eta_fixed: np.ndarray, theta: float, u: np.ndarray) -> np.ndarray:
        """u_j^2 - 2 sum_i (w y log mu + w (1-y) log(1-mu)) per group (unit deviances less
        the saturated part, which is added once in :meth:`deviance`)."""
        lap = self.lap
        mu = lap.family.linkinv(lap.eta(eta_fixed, theta, u))
        return u * u - 2.0 * lap.group_sum(lap.loglik.row_loglik(mu))

    def deviance(self, theta, beta) -> float:
        lap = self.lap
        theta = float(np.ravel(np.asarray(theta, float))[0])
        lap.deviance_and_gradient(theta, beta, gradient=False)
        u = lap.u
        sd = lap.cond_sd()
        eta_fixed = lap.X @ np.asarray(beta, float) + lap.offset
        dev0 = self._devc(eta_fixed, theta, u)
        mult = np.zeros_like(u)
        for z, w in zip(self.nodes, self.wts):
            dk = self._devc(eta_fixed, theta, u + z * sd)
            mult += w * np.exp(0.5 * z * z - 0.5 * (dk - dev0))
        return float(np.sum(dev0) + 2.0 * lap.saturated - 2.0 * np.sum(np.log(sd)) - 2.0 * np.sum(np.log(mult)))

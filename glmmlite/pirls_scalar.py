"""Step 4 (fast path): PIRLS and the Laplace deviance for one scalar random-effects term.

With a single term ``(1|g)`` or ``(0+x|g)`` the penalized system
``Lambda' Z' W Z Lambda + I`` is diagonal, so every PIRLS step is a few vectorized
group sums, and the deviance has a cheap analytic gradient.

Notation (lme4's): ``eta_i = x_i' beta + offset_i + theta * z_i * u_j`` for row ``i`` of
group ``j``; ``W_i = w_i mu'(eta_i)^2 / V(mu_i)`` (Fisher weights);
``S_j = sum_i W_i z_i^2``; the Laplace deviance is

    D(theta, beta) = sum_j log(1 + theta^2 S_j) + sum_j u_j^2 - 2 sum_i log p(y_i | u)

at the conditional modes ``u = u(theta, beta)`` (lme4's ``log|L|^2 + ||u||^2 + aic``).
"""
from __future__ import annotations

import numpy as np
from scipy import special

from .aggregate import aggregate_rows
from .family import Binomial


def _vdot(a: np.ndarray, b: np.ndarray) -> float:
    """Dot product of two vectors without BLAS (whose threads stall on a busy machine)."""
    return float(np.einsum("i,i->", a, b))


class ScalarLaplace:
    """Laplace deviance, conditional modes and gradient for one scalar term.

    Parameters
    ----------
    y, weights, offset : ndarray (n,)
        Proportion of successes, prior weights (trials) and offset.
    X : ndarray (n, p)
        Fixed-effects model matrix.
    codes : ndarray of int (n,)
        Group index of each row, in ``range(nlevels)``.
    nlevels : int
    zcol : ndarray (n,)
        The term's column (ones for a random intercept).
    family : Binomial
    """

    def __init__(self, y, weights, offset, X, codes, nlevels, zcol, family: Binomial,
                 aggregate: bool = True):
        const = None
        yy, ww = np.asarray(y, float), np.asarray(weights, float)
        # saturated log-likelihood without binomial coefficients (for AGQ's unit deviances)
        self.saturated = float(np.sum(special.xlogy(ww * yy, yy) + special.xlogy(ww * (1 - yy), 1 - yy)))
        if aggregate:
            agg = aggregate_rows(y, weights, offset, X, [codes, zcol])
            if agg is not None:
                y, weights, offset, X = agg.y, agg.weights, agg.offset, agg.X
                codes, zcol = agg.columns
                const = agg.log_choose_const
        self.y = np.asarray(y, float)
        self.w = np.asarray(weights, float)
        self.offset = np.asarray(offset, float)
        self.X = np.ascontiguousarray(X, float)
        self.codes = np.asarray(codes, np.intp)
        self.J = int(nlevels)
        self.z = np.asarray(zcol, float)
        self.ones_z = bool(np.all(self.z == 1.0))
        self.z2 = self.z * self.z
        self.family = family
        m = np.round(self.w)
        self._k = np.round(m * self.y)          # successes
        self._mk = m - self._k                  # failures
        self._const = (float(np.sum(family.log_choose(self.y, self.w)[self.w > 0]))
                       if const is None else const)
        if np.any(self.w <= 0):                 # zero-weight rows do not count
            self._k = np.where(self.w > 0, self._k, 0.0)
            self._mk = np.where(self.w > 0, self._mk, 0.0)
        self.u = np.zeros(self.J)
        self._logit = family.link == "logit"
        self._wy = self.w * self.y
        self.n_pirls = 0
        self.n_eval = 0

    # -------------------------------------------------------------- helpers
    def _gsum(self, v: np.ndarray) -> np.ndarray:
        return np.bincount(self.codes, weights=v, minlength=self.J)

    def _eta(self, eta_fixed: np.ndarray, theta: float, u: np.ndarray) -> np.ndarray:
        if self.ones_z:
            return eta_fixed + theta * u[self.codes]
        return eta_fixed + theta * self.z * u[self.codes]

    def _minus2logp(self, mu: np.ndarray) -> float:
        # -2 log dbinom(k, m, mu) summed; mu is clamped inside (0, 1) by the links
        return -2.0 * (self._const + _vdot(self._k, np.log(mu)) + _vdot(self._mk, np.log1p(-mu)))

    def _moments(self, eta: np.ndarray, mu: np.ndarray):
        """Fisher weights W and scores s = d log p / d eta for each row."""
        if self._logit:
            W = self.w * mu * (1.0 - mu)
            return W, self._wy - self.w * mu
        m1 = self.family.mu_eta(eta)
        var = mu * (1.0 - mu)
        W = self.w * m1 * m1 / var
        return W, self.w * (self.y - mu) * m1 / var

    # ---------------------------------------------------------------- PIRLS
    def pirls(self, theta: float, beta: np.ndarray, u0: np.ndarray | None = None,
              tol: float = 1e-11, maxit: int = 60) -> np.ndarray:
        """Conditional modes ``u`` at (theta, beta) by penalized IRLS with step halving."""
        fam = self.family
        eta_fixed = self.X @ beta + self.offset
        u = self.u.copy() if u0 is None else np.array(u0, float)
        if theta == 0.0:
            u[:] = 0.0
            self.u = u
            mu = fam.linkinv(eta_fixed)
            self._final = (eta_fixed, mu, self._minus2logp(mu))
            return u
        eta = self._eta(eta_fixed, theta, u)
        mu = fam.linkinv(eta)
        m2lp = self._minus2logp(mu)
        pdev = m2lp + _vdot(u, u)
        for _ in range(maxit):
            self.n_pirls += 1
            W, s = self._moments(eta, mu)
            if self.ones_z:
                S = self._gsum(W)
                g = self._gsum(s)
            else:
                S = self._gsum(W * self.z2)
                g = self._gsum(s * self.z)
            delta = (theta * g - u) / (1.0 + theta * theta * S)
            step = 1.0
            for _half in range(30):
                u_new = u + step * delta
                eta_new = self._eta(eta_fixed, theta, u_new)
                mu_new = fam.linkinv(eta_new)
                m2lp_new = self._minus2logp(mu_new)
                pdev_new = m2lp_new + _vdot(u_new, u_new)
                if pdev_new <= pdev + 1e-10 * abs(pdev):
                    break
                step *= 0.5
            u, eta, mu, m2lp = u_new, eta_new, mu_new, m2lp_new
            dp = pdev - pdev_new
            pdev = pdev_new
            if np.max(np.abs(step * delta)) < tol and abs(dp) < 1e-9 * (1.0 + abs(pdev)):
                break
        self.u = u
        self._final = (eta, mu, m2lp)   # reused by deviance_and_gradient
        return u

    # ------------------------------------------------------------ deviance
    def deviance(self, theta: float, beta: np.ndarray) -> float:
        """Laplace deviance D(theta, beta) (lme4's stage-2 objective with nAGQ = 1)."""
        return self.deviance_and_gradient(theta, beta, gradient=False)[0]

    def deviance_and_gradient(self, theta: float, beta: np.ndarray, gradient: bool = True):
        """D(theta, beta) and, if asked, its gradient in (theta, beta).

        The gradient is exact given the modes: the implicit derivative of ``u`` enters
        only through ``log|L|^2`` (the rest is stationary at the mode).
        """
        self.n_eval += 1
        fam = self.family
        theta = float(theta)
        beta = np.asarray(beta, float)
        u = self.pirls(theta, beta)
        eta, mu, m2lp = self._final
        W, s = self._moments(eta, mu)
        S = self._gsum(W * self.z2) if not self.ones_z else self._gsum(W)
        t2 = theta * theta
        ld = 1.0 + t2 * S
        dev = float(np.sum(np.log(ld)) + _vdot(u, u) + m2lp)
        self.last = dict(theta=theta, beta=beta, u=u.copy(), eta=eta, mu=mu, S=S, W=W)
        if not gradient:
            return dev, None
        if self._logit:
            s1 = -W                                   # ds/deta
            W1 = W * (1.0 - 2.0 * mu)                 # dW/deta
        else:
            m1 = fam.mu_eta(eta)
            var = mu * (1.0 - mu)
            m2 = fam.mu_eta_deriv(eta)
            r = self.y - mu
            dV = 1.0 - 2.0 * mu
            s1 = self.w * (-m1 * m1 / var + r * (m2 / var - m1 * m1 * dV / (var * var)))
            W1 = self.w * (2.0 * m1 * m2 / var - m1 ** 3 * dV / (var * var))
        z, z2 = self.z, self.z2
        H = self._gsum(-s1) if self.ones_z else self._gsum(-s1 * z2)
        G = self._gsum(W1) if self.ones_z else self._gsum(W1 * z2 * z)
        c = t2 * theta * G / ld                      # dD/du at the mode
        den = 1.0 + t2 * H
        ldi = ld[self.codes]
        # beta
        if self.ones_z:
            row = t2 * W1 / ldi - 2.0 * s + theta * s1 * (c / den)[self.codes]
        else:
            row = t2 * W1 * z2 / ldi - 2.0 * s + theta * s1 * z * (c / den)[self.codes]
        g_beta = self.X.T @ row
        # theta
        sz = self._gsum(s) if self.ones_z else self._gsum(s * z)
        g_theta_direct = np.sum((2.0 * theta * S + t2 * G * u) / ld) - 2.0 * np.sum(sz * u)
        g_theta = g_theta_direct + np.sum(c * (sz - theta * H * u) / den)
        return dev, np.concatenate([[g_theta], g_beta])

    # ----------------------------------------------------------- used by AGQ
    def cond_sd(self) -> np.ndarray:
        """Conditional SDs of u at the last evaluation: 1 / sqrt(1 + theta^2 S_j)."""
        return 1.0 / np.sqrt(1.0 + self.last["theta"] ** 2 * self.last["S"])

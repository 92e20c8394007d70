"""Step 4 (fast path): PIRLS and the Laplace deviance for one scalar random-effects term.

With a single term ``(1|g)`` or ``(0+x|g)`` the penalized system
``Lambda' Z' W Z Lambda + I`` is diagonal, so every PIRLS step is a few vectorized
group sums, and the deviance has a cheap analytic gradient.

Notation (lme4's): ``eta_i = x_i' beta + offset_i + theta * z_i * u_j`` for row ``i`` of
group ``j``; ``W_i = w_i mu'(eta_i)^2 / V(mu_i)`` (Fisher weights);
``S_j = sum_i W_i z_i^2``; the Laplace deviance is

    D(theta, beta) = sum_j log(1 + theta^2 S_j) + sum_j u_j^2 - 2 sum_i log p(y_i | u)

at the conditional modes ``u = u(theta, beta)`` (lme4's ``log|L|^2 + ||u||^2 + aic``).

With the logit link every PIRLS step makes one ``exp`` and one ``log1p`` per row (see
:mod:`glmmlite.loglik`) and otherwise only a few passes over the rows.
"""
from __future__ import annotations

import numpy as np

from .aggregate import aggregate_rows
from .family import Binomial
from .loglik import BinomialLoglik, vdot
from .pirls import pirls_done

_vdot = vdot     # the old name, kept for callers


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
    aggregate : bool
        Sum rows that share a linear predictor into binomial counts first.
    const : float, optional
        The log-likelihood's constant (default: from y and weights; see ``Binomial.log_choose``).
    """

    has_gradient = True

    def __init__(self, y, weights, offset, X, codes, nlevels, zcol, family: Binomial,
                 aggregate: bool = True, const: float | None = None):
        if const is None:            # the original rows' constant: aggregated counts have another
            const = BinomialLoglik(y, weights, family).const
        # saturated log-likelihood of the original rows (for AGQ's unit deviances)
        self.saturated = BinomialLoglik(y, weights, family).saturated()
        if aggregate:
            agg = aggregate_rows(y, weights, offset, X, [codes, zcol])
            if agg is not None:
                y, weights, offset, X = agg.y, agg.weights, agg.offset, agg.X
                codes, zcol = agg.columns
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
        self.loglik = BinomialLoglik(self.y, self.w, family, const)
        self.u = np.zeros(self.J)
        self._logit = family.link == "logit"
        self._wy = self.w * self.y
        self.n_pirls = 0
        self.n_eval = 0
        self.last = None

    # ------------------------------------------------------- the interface
    @property
    def rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(y, weights, offset, X)`` of the rows this backend works on (maybe aggregated)."""
        return self.y, self.w, self.offset, self.X

    def fisher_weights(self, eta: np.ndarray) -> np.ndarray:
        """``W = w mu'(eta)^2 / V(mu)`` for each of :attr:`rows`."""
        return self.moments(eta, self.family.linkinv(eta))[0]

    def group_sum(self, v: np.ndarray) -> np.ndarray:
        """``sum_{i in group j} v_i`` for every group j."""
        return np.bincount(self.codes, weights=v, minlength=self.J)

    def eta(self, eta_fixed: np.ndarray, theta: float, u: np.ndarray) -> np.ndarray:
        """The linear predictor ``eta_fixed + theta z u[codes]``."""
        if self.ones_z:
            return eta_fixed + theta * u[self.codes]
        return eta_fixed + theta * self.z * u[self.codes]

    def moments(self, eta: np.ndarray, mu: np.ndarray):
        """Fisher weights W and scores s = d log p / d eta for each row."""
        if self._logit:
            wmu = self.w * mu
            return wmu * (1.0 - mu), self._wy - wmu
        m1 = self.family.mu_eta(eta)
        var = mu * (1.0 - mu)
        W = self.w * m1 * m1 / var
        return W, self.w * (self.y - mu) * m1 / var

    # ---------------------------------------------------------------- PIRLS
    def pirls(self, theta: float, beta: np.ndarray, u0: np.ndarray | None = None,
              tol: float = 1e-11, maxit: int = 60) -> np.ndarray:
        """Conditional modes ``u`` at (theta, beta) by penalized IRLS with step halving."""
        ll = self.loglik
        eta_fixed = self.X @ beta + self.offset
        u = self.u.copy() if u0 is None else np.array(u0, float)
        if theta == 0.0:
            u[:] = 0.0
            self.u = u
            mu, m2lp = ll.mu_and_minus2logp(eta_fixed)
            self._final = (eta_fixed, mu, m2lp)
            return u
        eta = self.eta(eta_fixed, theta, u)
        mu, m2lp = ll.mu_and_minus2logp(eta)
        pdev = m2lp + vdot(u, u)
        zc = None if self.ones_z else self.z
        for _ in range(maxit):
            self.n_pirls += 1
            if self._logit:
                W, s = self.moments(eta, mu)
                newton = True
            else:                          # Newton's weights, not Fisher scoring's (see newton_moments)
                W, s, newton = self.family.newton_moments(eta, mu, self.y, self.w)
            if zc is None:
                S = self.group_sum(W)
                g = self.group_sum(s)
            else:
                S = self.group_sum(W * self.z2)
                g = self.group_sum(s * zc)
            delta = (theta * g - u) / (1.0 + theta * theta * S)
            d_eta = theta * delta[self.codes]
            if zc is not None:
                d_eta *= zc
            step = 1.0
            for _half in range(30):
                u_new = u + step * delta
                eta_new = eta + step * d_eta if step != 1.0 else eta + d_eta
                mu_new, m2lp_new = ll.mu_and_minus2logp(eta_new)
                pdev_new = m2lp_new + vdot(u_new, u_new)
                if pdev_new <= pdev + 1e-10 * abs(pdev):
                    break
                step *= 0.5
            u, eta, mu, m2lp = u_new, eta_new, mu_new, m2lp_new
            dp = pdev - pdev_new
            pdev = pdev_new
            if pirls_done(np.max(np.abs(step * delta), initial=0.0), step, dp, pdev, tol, newton):
                break
        self.u = u
        self._final = (eta, mu, m2lp)   # reused by deviance_and_gradient
        return u

    # ------------------------------------------------------------ deviance
    def deviance(self, theta, beta: np.ndarray) -> float:
        """Laplace deviance D(theta, beta) (lme4's stage-2 objective with nAGQ = 1)."""
        return self.deviance_and_gradient(theta, beta, gradient=False)[0]

    def deviance_and_gradient(self, theta, beta: np.ndarray, gradient: bool = True):
        """D(theta, beta) and, if asked, its gradient in (theta, beta).

        ``theta`` is a number or a 1-vector.  The gradient is exact given the modes: the
        implicit derivative of ``u`` enters only through ``log|L|^2`` (the rest is
        stationary at the mode).
        """
        self.n_eval += 1
        fam = self.family
        theta = float(np.ravel(np.asarray(theta, float))[0])
        beta = np.asarray(beta, float)
        u = self.pirls(theta, beta)
        eta, mu, m2lp = self._final
        W, s = self.moments(eta, mu)
        S = self.group_sum(W * self.z2) if not self.ones_z else self.group_sum(W)
        t2 = theta * theta
        ld = 1.0 + t2 * S
        dev = float(np.sum(np.log(ld)) + vdot(u, u) + m2lp)
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
        if self.ones_z:
            H = S if self._logit else self.group_sum(-s1)
            G = self.group_sum(W1)
        else:
            H = S if self._logit else self.group_sum(-s1 * z2)
            G = self.group_sum(W1 * z2 * z)
        c = t2 * theta * G / ld                      # dD/du at the mode
        den = 1.0 + t2 * H
        # beta
        if self.ones_z:
            row = (t2 / ld)[self.codes] * W1 - 2.0 * s + (theta * c / den)[self.codes] * s1
        else:
            row = ((t2 / ld)[self.codes] * z2) * W1 - 2.0 * s + ((theta * c / den)[self.codes] * z) * s1
        g_beta = self.X.T @ row
        # theta
        sz = self.group_sum(s) if self.ones_z else self.group_sum(s * z)
        g_theta_direct = np.sum((2.0 * theta * S + t2 * G * u) / ld) - 2.0 * np.sum(sz * u)
        g_theta = g_theta_direct + np.sum(c * (sz - theta * H * u) / den)
        return dev, np.concatenate([[g_theta], g_beta])

    # ------------------------------------------------------------ at a point
    def cond_sd(self) -> np.ndarray:
        """Conditional SDs of u at the last evaluation: 1 / sqrt(1 + theta^2 S_j)."""
        return 1.0 / np.sqrt(1.0 + self.last["theta"] ** 2 * self.last["S"])

    def modes(self, theta, beta) -> np.ndarray:
        """Spherical conditional modes u at (theta, beta)."""
        self.deviance(theta, beta)
        return self.u.copy()

    def conditional_variances(self, theta, beta) -> list[np.ndarray]:
        """The conditional variances of b = theta u: one (levels, 1, 1) array."""
        self.deviance(theta, beta)
        t = self.last["theta"]
        return [(t * t * self.cond_sd() ** 2)[:, None, None]]

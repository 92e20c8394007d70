"""The stage-2 objective: the deviance as a function of x = c(theta, beta).

Chooses the fastest exact implementation for the model: the diagonal fast path for
one scalar term (with an analytic gradient), adaptive quadrature for ``nAGQ > 1``,
and the blocked Cholesky for everything else.
"""
from __future__ import annotations

import numpy as np

from .agq import ScalarAGQ
from .errors import ArgumentError
from .family import Binomial
from .modelframe import ModelFrame
from .pirls import BlockedLaplace
from .pirls_scalar import ScalarLaplace
from .remat import ThetaLayout


class DevianceFunction:
    """``D(x)`` with ``x = c(theta, beta)``: Laplace (nAGQ = 1) or AGQ (nAGQ > 1) deviance.

    Attributes
    ----------
    layout : ThetaLayout
    ntheta, p : sizes of theta and beta
    scalar : bool, True for the one-scalar-term fast path
    """

    def __init__(self, frame: ModelFrame, family: Binomial, nAGQ: int = 1):
        self.frame = frame
        self.family = family
        self.layout = ThetaLayout.from_terms(frame.random)
        self.ntheta = self.layout.size
        self.p = frame.X.shape[1]
        self.nAGQ = int(nAGQ)
        terms = frame.random
        self.scalar = len(terms) == 1 and terms[0].k == 1
        if self.nAGQ > 1 and not self.scalar:
            raise ArgumentError(
                f"nAGQ = {nAGQ} (adaptive quadrature) needs exactly one scalar random-effects term "
                f"such as (1 | g); this model has {len(terms)} term(s): "
                + ", ".join(f"({' + '.join(t.names)} | {t.group})" for t in terms)
                + ". Use nAGQ = 1 (the Laplace approximation)."
            )
        if self.scalar:
            t = terms[0]
            self.laplace = ScalarLaplace(frame.y, frame.weights, frame.offset, frame.X, t.codes,
                                         t.nlevels, t.X[:, 0], family)
            self.agq = ScalarAGQ(self.laplace, self.nAGQ) if self.nAGQ > 1 else None
        else:
            self.blocked = BlockedLaplace(frame.y, frame.weights, frame.offset, frame.X, terms, family)

    def split(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, float)
        return x[:self.ntheta], x[self.ntheta:]

    def __call__(self, x: np.ndarray) -> float:
        theta, beta = self.split(x)
        if self.scalar:
            if self.agq is not None:
                return self.agq.deviance(theta[0], beta)
            return self.laplace.deviance(theta[0], beta)
        return self.blocked.deviance(theta, beta)

    @property
    def has_gradient(self) -> bool:
        """True when the analytic gradient is available (Laplace; for the blocked path only
        while its dense (n, q) arrays stay small)."""
        if self.scalar:
            return self.agq is None
        return self.blocked.gradient_ok

    def value_and_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """Deviance and its analytic gradient in (theta, beta) (Laplace only)."""
        theta, beta = self.split(x)
        if self.scalar:
            return self.laplace.deviance_and_gradient(theta[0], beta)
        return self.blocked.deviance_and_gradient(theta, beta)

    # ------------------------------------------------------------ at a point
    def modes(self, x: np.ndarray) -> np.ndarray:
        """Spherical conditional modes u at x (in lme4's order)."""
        theta, beta = self.split(x)
        if self.scalar:
            self.laplace.deviance_and_gradient(theta[0], beta, gradient=False)
            return self.laplace.u.copy()
        self.blocked.deviance(theta, beta)
        return self.blocked.u.copy()

    def conditional_variances(self, x: np.ndarray) -> list[np.ndarray]:
        """Per term, the conditional covariance of b = Lambda u, shape (levels, k, k)."""
        theta, beta = self.split(x)
        if self.scalar:
            self.laplace.deviance_and_gradient(theta[0], beta, gradient=False)
            var_u = self.laplace.cond_sd() ** 2
            return [(theta[0] ** 2 * var_u)[:, None, None]]
        self.blocked.deviance(theta, beta)
        F = self.blocked.last["factor"]
        out, pos = [], 0
        Ts = self.layout.factors(theta)
        for t_i, (term, T) in enumerate(zip(self.frame.random, Ts)):
            k, J = term.k, term.nlevels
            if t_i == 0:
                Vu = F.diag_inverse_blocks()
            else:
                Vu = np.zeros((J, k, k))
                for j in range(J):
                    for a in range(k):
                        e = np.zeros(self.blocked.q)
                        e[pos + j * k + a] = 1.0
                        Vu[j, :, a] = F.solve(e)[pos + j * k:pos + (j + 1) * k]
            out.append(np.einsum("ab,jbc,dc->jad", T, Vu, T))
            pos += J * k
        return out

    def vcov_rx(self, x: np.ndarray) -> np.ndarray:
        """lme4's ``vcov(use.hessian = FALSE)``: (X'WX - RZX'RZX)^{-1} at x, theta held fixed."""
        theta, beta = self.split(x)
        fam = self.family
        fr = self.frame
        from .remat import z_lambda
        M = z_lambda(fr.random, self.layout, theta)
        u = self.modes(x)   # runs PIRLS at x
        eta = fr.X @ beta + fr.offset + M @ u
        mu = fam.linkinv(eta)
        m1 = fam.mu_eta(eta)
        W = fr.weights * m1 * m1 / fam.variance(mu)
        XtW = fr.X.T * W
        XWX = XtW @ fr.X
        MWX = (M.T @ (fr.X * W[:, None]))
        if self.scalar:
            A_diag = 1.0 + np.asarray((M.multiply(M).T @ W)).ravel()
            schur = XWX - MWX.T @ (MWX / A_diag[:, None])
        else:
            F = self.blocked.factor(theta, W)
            sol = np.column_stack([F.solve(MWX[:, j]) for j in range(MWX.shape[1])])
            schur = XWX - MWX.T @ sol
        return np.linalg.inv(schur)

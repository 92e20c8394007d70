"""Step 4: PIRLS and the Laplace deviance for any random-effects structure.

The penalized system ``A = Lambda' Z' W Z Lambda + I`` is factored blockwise, as in
MixedModels.jl: the first term (the one with the most levels, lme4's order) gives a
block-diagonal ``A11`` (one ``k x k`` block per level), factored block by block; the
remaining terms are handled through the Schur complement
``A22 - L21 L21'``, a dense matrix only as large as the *other* terms.

    L11 = chol(A11) (blockwise),  L21 = A21 L11^{-T},  L22 = chol(A22 - L21 L21')

Laplace deviance (lme4): ``log|L|^2 + ||u||^2 - 2 log p(y | u)`` at the conditional
modes ``u``.  The single-scalar-term case has a faster, diagonal version in
:mod:`glmmlite.pirls_scalar`.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.linalg import solve_triangular

from .family import Binomial
from .modelframe import RandomTerm
from .pirls_scalar import _vdot
from .remat import ThetaLayout, z_lambda



class BlockedCholesky:
    """Cholesky factor of ``A = M' W M + I`` with a block-diagonal leading block.

    Parameters
    ----------
    A : sparse (q, q)
    q1, k1 : size of the leading block and of its diagonal blocks
    """

    def __init__(self, A: sp.spmatrix, q1: int, k1: int):
        A = sp.csr_matrix(A)
        q = A.shape[0]
        self.q1, self.k1, self.q2 = q1, k1, q - q1
        J1 = q1 // k1
        A11 = A[:q1, :q1].tocoo()
        blocks = np.zeros((J1, k1, k1))
        np.add.at(blocks, (A11.row // k1, A11.row % k1, A11.col % k1), A11.data)
        self.L11 = np.linalg.cholesky(blocks)                     # (J1, k1, k1)
        self.L11inv = np.linalg.inv(self.L11)
        logdet = 2.0 * np.sum(np.log(np.diagonal(self.L11, axis1=1, axis2=2)))
        if self.q2:
            Linv_T = sp.block_diag([B.T for B in self.L11inv], format="csr") if k1 > 1 \
                else sp.diags(self.L11inv[:, 0, 0], format="csr")
            self.L21 = (A[q1:, :q1] @ Linv_T).tocsr()            # (q2, q1)
            S = A[q1:, q1:].toarray() - (self.L21 @ self.L21.T).toarray()
            self.L22 = np.linalg.cholesky(S)
            logdet += 2.0 * np.sum(np.log(np.diag(self.L22)))
        self.logdet = float(logdet)

    def _l11_solve(self, r: np.ndarray, transpose: bool) -> np.ndarray:
        R = r.reshape(-1, self.k1)
        Li = np.transpose(self.L11inv, (0, 2, 1)) if transpose else self.L11inv
        return np.einsum("jab,jb->ja", Li, R).ravel()

    def solve(self, r: np.ndarray) -> np.ndarray:
        """Solve ``A x = r``."""
        r1, r2 = r[:self.q1], r[self.q1:]
        y1 = self._l11_solve(r1, transpose=False)
        if not self.q2:
            return self._l11_solve(y1, transpose=True)
        y2 = solve_triangular(self.L22, r2 - self.L21 @ y1, lower=True)
        x2 = solve_triangular(self.L22, y2, lower=True, trans="T")
        x1 = self._l11_solve(y1 - self.L21.T @ x2, transpose=True)
        return np.concatenate([x1, x2])

    def diag_inverse_blocks(self) -> np.ndarray:
        """Blocks of ``A^{-1}`` for the leading term (conditional variances of u1)."""
        if not self.q2:
            Li = self.L11inv
            return np.einsum("jca,jcb->jab", Li, Li)
        q = self.q1 + self.q2
        J1 = self.q1 // self.k1
        out = np.zeros((J1, self.k1, self.k1))
        for j in range(J1):
            for a in range(self.k1):
                e = np.zeros(q)
                e[j * self.k1 + a] = 1.0
                out[j, :, a] = self.solve(e)[j * self.k1:(j + 1) * self.k1]
        return out


class BlockedLaplace:
    """Laplace deviance and conditional modes for any set of random-effects terms."""

    def __init__(self, y, weights, offset, X, terms: list[RandomTerm], family: Binomial):
        self.y = np.asarray(y, float)
        self.w = np.asarray(weights, float)
        self.offset = np.asarray(offset, float)
        self.X = np.asarray(X, float)
        self.terms = terms
        self.layout = ThetaLayout.from_terms(terms)
        self.family = family
        m = np.round(self.w)
        self._k = np.where(self.w > 0, np.round(m * self.y), 0.0)
        self._mk = np.where(self.w > 0, m - self._k, 0.0)
        self._const = float(np.sum(family.log_choose(self.y, self.w)[self.w > 0]))
        self.q = sum(t.nlevels * t.k for t in terms)
        self.u = np.zeros(self.q)
        self.n_eval = 0

    def _minus2logp(self, mu):
        return -2.0 * (self._const + _vdot(self._k, np.log(mu)) + _vdot(self._mk, np.log1p(-mu)))

    def _factor(self, M, W) -> BlockedCholesky:
        A = (M.T @ sp.diags(W) @ M + sp.identity(self.q)).tocsr()
        t0 = self.terms[0]
        return BlockedCholesky(A, t0.nlevels * t0.k, t0.k)

    def pirls(self, theta, beta, tol: float = 1e-11, maxit: int = 60):
        """Conditional modes at (theta, beta); returns (u, M = Z Lambda, factor)."""
        fam = self.family
        M = z_lambda(self.terms, self.layout, theta)
        eta_fixed = self.X @ beta + self.offset
        u = self.u.copy()
        eta = eta_fixed + M @ u
        mu = fam.linkinv(eta)
        pdev = self._minus2logp(mu) + _vdot(u, u)
        for _ in range(maxit):
            m1 = fam.mu_eta(eta)
            var = fam.variance(mu)
            W = self.w * m1 * m1 / var
            s = self.w * (self.y - mu) * m1 / var
            F = self._factor(M, W)
            delta = F.solve(M.T @ s - u)
            step = 1.0
            for _half in range(30):
                u_new = u + step * delta
                eta_new = eta_fixed + M @ u_new
                mu_new = fam.linkinv(eta_new)
                pdev_new = self._minus2logp(mu_new) + _vdot(u_new, u_new)
                if pdev_new <= pdev + 1e-10 * abs(pdev):
                    break
                step *= 0.5
            dp = pdev - pdev_new
            u, eta, mu, pdev = u_new, eta_new, mu_new, pdev_new
            if np.max(np.abs(step * delta), initial=0.0) < tol and abs(dp) < 1e-9 * (1.0 + abs(pdev)):
                break
        self.u = u
        m1 = fam.mu_eta(eta)
        W = self.w * m1 * m1 / fam.variance(mu)
        F = self._factor(M, W)
        return u, eta, mu, F

    def deviance(self, theta, beta) -> float:
        """Laplace deviance at (theta, beta)."""
        self.n_eval += 1
        u, eta, mu, F = self.pirls(np.asarray(theta, float), np.asarray(beta, float))
        self.last = dict(theta=np.asarray(theta, float), beta=np.asarray(beta, float), u=u, eta=eta, mu=mu, factor=F)
        return float(F.logdet + _vdot(u, u) + self._minus2logp(mu))

"""Step 4: PIRLS and the Laplace deviance for any random-effects structure.

The penalized system ``A = Lambda' Z' W Z Lambda + I`` is factored blockwise, as in
MixedModels.jl: the first term (the one with the most levels, lme4's order) gives a
block-diagonal ``A11`` (one ``k x k`` block per level), factored block by block; the
remaining terms are handled through the Schur complement ``A22 - L21 L21'``, a dense
matrix only as large as the *other* terms:

    L11 = chol(A11) (blockwise),  L21 = A21 L11^{-T},  L22 = chol(A22 - L21 L21')

Every block is accumulated straight from the rows with ``numpy.bincount`` (no general
sparse matrices).  Laplace deviance (lme4): ``log|L|^2 + ||u||^2 - 2 log p(y | u)`` at
the conditional modes ``u``.  One scalar term has a faster, diagonal version in
:mod:`glmmlite.pirls_scalar`.
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import solve_triangular

from .family import Binomial
from .modelframe import RandomTerm
from .pirls_scalar import _vdot
from .remat import ThetaLayout, lower_indices as _lower


class TermBlocks:
    """The rows' contributions ``V_t = X_t T_t`` of each term at a given theta.

    ``Z Lambda`` has, in row i, the entries ``V_t[i, :]`` in the columns of level
    ``codes_t[i]`` of term t; this class applies it and its transpose and accumulates
    ``Lambda' Z' W Z Lambda`` block by block.
    """

    def __init__(self, terms: list[RandomTerm], layout: ThetaLayout, theta: np.ndarray):
        self.terms = terms
        self.V = [t.X @ T for t, T in zip(terms, layout.factors(theta))]
        self.sizes = [t.nlevels * t.k for t in terms]
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)]).astype(int)

    def times(self, u: np.ndarray) -> np.ndarray:
        """``Z Lambda u`` (n,)."""
        out = 0.0
        for t, (term, V) in enumerate(zip(self.terms, self.V)):
            U = u[self.starts[t]:self.starts[t + 1]].reshape(term.nlevels, term.k)
            out = out + np.einsum("ia,ia->i", V, U[term.codes])
        return out

    def t_times(self, s: np.ndarray) -> np.ndarray:
        """``Lambda' Z' s`` (q,)."""
        parts = []
        for term, V in zip(self.terms, self.V):
            idx = (term.codes[:, None] * term.k + np.arange(term.k)[None, :]).ravel()
            parts.append(np.bincount(idx, weights=(V * s[:, None]).ravel(), minlength=term.nlevels * term.k))
        return np.concatenate(parts)

    def diag_blocks(self, t: int, W: np.ndarray) -> np.ndarray:
        """``sum_i W_i v_i v_i'`` per level of term t: shape (levels, k, k)."""
        term, V = self.terms[t], self.V[t]
        k = term.k
        prod = (W[:, None, None] * V[:, :, None] * V[:, None, :]).reshape(-1, k * k)
        out = np.empty((term.nlevels, k * k))
        for c in range(k * k):
            out[:, c] = np.bincount(term.codes, weights=prod[:, c], minlength=term.nlevels)
        return out.reshape(term.nlevels, k, k)

    def cross_block(self, t: int, s: int, W: np.ndarray) -> np.ndarray:
        """Dense ``(Z_t Lambda_t)' W (Z_s Lambda_s)``: (levels_t k_t) x (levels_s k_s)."""
        tt, ts = self.terms[t], self.terms[s]
        Vt, Vs = self.V[t], self.V[s]
        nr, nc = tt.nlevels * tt.k, ts.nlevels * ts.k
        rows = (tt.codes[:, None] * tt.k + np.arange(tt.k)[None, :])          # (n, kt)
        cols = (ts.codes[:, None] * ts.k + np.arange(ts.k)[None, :])          # (n, ks)
        idx = (rows[:, :, None] * nc + cols[:, None, :]).ravel()
        wts = (W[:, None, None] * Vt[:, :, None] * Vs[:, None, :]).ravel()
        return np.bincount(idx, weights=wts, minlength=nr * nc).reshape(nr, nc)


class BlockedCholesky:
    """Cholesky factor of ``A = Lambda' Z' W Z Lambda + I`` with a block-diagonal leading block."""

    def __init__(self, blocks: TermBlocks, W: np.ndarray):
        terms = blocks.terms
        k1 = terms[0].k
        self.k1 = k1
        self.q1 = blocks.sizes[0]
        self.q2 = int(sum(blocks.sizes[1:]))
        A11 = blocks.diag_blocks(0, W) + np.eye(k1)[None, :, :]
        self.L11 = np.linalg.cholesky(A11)                                    # (J1, k1, k1)
        self.L11inv = np.linalg.inv(self.L11)
        logdet = 2.0 * float(np.sum(np.log(np.diagonal(self.L11, axis1=1, axis2=2))))
        if self.q2:
            A21 = np.vstack([blocks.cross_block(t, 0, W) for t in range(1, len(terms))])
            J1 = terms[0].nlevels
            L21 = np.einsum("qja,jba->qjb", A21.reshape(self.q2, J1, k1), self.L11inv).reshape(self.q2, self.q1)
            A22 = np.zeros((self.q2, self.q2))
            off = np.concatenate([[0], np.cumsum(blocks.sizes[1:])]).astype(int)
            for a in range(1, len(terms)):
                ra = slice(off[a - 1], off[a])
                D = blocks.diag_blocks(a, W)
                ka = terms[a].k
                idx = ra.start + np.arange(terms[a].nlevels * ka).reshape(-1, ka)   # (levels, k)
                A22[idx[:, :, None], idx[:, None, :]] = D
                for b in range(1, a):
                    rb = slice(off[b - 1], off[b])
                    C = blocks.cross_block(a, b, W)
                    A22[ra, rb] = C
                    A22[rb, ra] = C.T
            A22[np.diag_indices(self.q2)] += 1.0
            self.L21 = L21
            self.L22 = np.linalg.cholesky(A22 - L21 @ L21.T)
            logdet += 2.0 * float(np.sum(np.log(np.diag(self.L22))))
        self.logdet = logdet

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

    def factor(self, theta, W) -> BlockedCholesky:
        """The factor of ``A`` at theta with Fisher weights W."""
        return BlockedCholesky(TermBlocks(self.terms, self.layout, np.asarray(theta, float)), W)

    def pirls(self, theta, beta, tol: float = 1e-11, maxit: int = 60):
        """Conditional modes at (theta, beta); returns (u, eta, mu, factor)."""
        fam = self.family
        B = TermBlocks(self.terms, self.layout, theta)
        eta_fixed = self.X @ beta + self.offset
        u = self.u.copy()
        eta = eta_fixed + B.times(u)
        mu = fam.linkinv(eta)
        pdev = self._minus2logp(mu) + _vdot(u, u)
        for _ in range(maxit):
            m1 = fam.mu_eta(eta)
            var = fam.variance(mu)
            W = self.w * m1 * m1 / var
            s = self.w * (self.y - mu) * m1 / var
            F = BlockedCholesky(B, W)
            delta = F.solve(B.t_times(s) - u)
            step = 1.0
            for _half in range(30):
                u_new = u + step * delta
                eta_new = eta_fixed + B.times(u_new)
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
        return u, eta, mu, BlockedCholesky(B, W)

    #: the analytic gradient forms dense (q2, n) arrays for the non-leading terms; above
    #: this many entries the optimizer uses finite differences instead
    MAX_DENSE = 20_000_000

    @property
    def gradient_ok(self) -> bool:
        q2 = self.q - self.terms[0].nlevels * self.terms[0].k
        return self.X.shape[0] * q2 <= self.MAX_DENSE

    def deviance_and_gradient(self, theta, beta):
        """Laplace deviance and its gradient in (theta, beta).

        At the conditional modes the penalized deviance is stationary in u, so only
        ``log|A|`` sees u move: with ``h_i = (M A^{-1} M')_ii``, M = Z Lambda,

            dD/dphi = 2 tr(A^{-1} M' W dM) + sum_i W'_i h_i deta_i - 2 s'(X_phi + dM u)

        where ``deta = X_phi + dM u + M du`` and ``du`` solves
        ``(I + M' S M) du = M' S' (X_phi + dM u) + dM' s`` (S = observed information).
        """
        theta = np.asarray(theta, float)
        beta = np.asarray(beta, float)
        dev = self.deviance(theta, beta)
        fam = self.family
        last = self.last
        u, eta, mu, F = last["u"], last["eta"], last["mu"], last["factor"]
        m1 = fam.mu_eta(eta)
        m2 = fam.mu_eta_deriv(eta)
        var = mu * (1.0 - mu)
        dV = 1.0 - 2.0 * mu
        r = self.y - mu
        W = self.w * m1 * m1 / var
        s = self.w * r * m1 / var
        s1 = self.w * (-m1 * m1 / var + r * (m2 / var - m1 * m1 * dV / (var * var)))   # ds/deta
        W1 = self.w * (2.0 * m1 * m2 / var - m1 ** 3 * dV / (var * var))               # dW/deta
        B = TermBlocks(self.terms, self.layout, theta)
        t0 = self.terms[0]
        codes0 = t0.codes
        # Y = L^{-1} M' without forming M: the leading rows of column i sit in one level block
        y1 = np.einsum("iab,ib->ia", F.L11inv[codes0], B.V[0])            # (n, k1)
        h = np.einsum("ia,ia->i", y1, y1)
        Y2 = None
        if F.q2:
            L22inv = np.linalg.inv(F.L22)                                        # (q2, q2)
            G = (L22inv @ F.L21).reshape(F.q2, -1, F.k1)                         # L22^{-1} L21
            Y2 = -np.einsum("qia,ia->qi", G[:, codes0, :], y1)
            for t in range(1, len(self.terms)):
                term = self.terms[t]
                for a in range(term.k):
                    cols = B.starts[t] - F.q1 + term.codes * term.k + a
                    Y2 += L22inv[:, cols] * B.V[t][:, a]
            h = h + np.einsum("qi,qi->i", Y2, Y2)                          # diag(M A^{-1} M')
        FB = F if fam.canonical else BlockedCholesky(B, -s1)
        W1h = W1 * h
        grad = np.empty(self.layout.size + beta.size)
        pos = 0
        for t, k in enumerate(self.layout.ks):
            term = self.terms[t]
            Ut = u[B.starts[t]:B.starts[t + 1]].reshape(term.nlevels, term.k)
            for r_, c_ in zip(*_lower(k)):
                xr = term.X[:, r_]
                cvec = xr * Ut[term.codes, c_]                                   # dM u
                col = B.starts[t] + term.codes * term.k + c_                     # the row's column
                dMt_s = np.bincount(col, weights=s * xr, minlength=self.q)      # dM' s
                udot = FB.solve(B.t_times(s1 * cvec) + dMt_s)
                etadot = cvec + B.times(udot)
                # tr(A^{-1} M' W dM) = sum_i W_i x_ir (A^{-1} m_i)[col_i] = sum_i W_i x_ir (L^{-T} Y[:, i])[col_i]
                # computed as sum_i W_i x_ir * (L^{-1} e_col_i) . Y[:, i]
                if t == 0:
                    ym1 = F.L11inv[codes0][:, :, c_] * xr[:, None]                # L11^{-1} e_c, scaled
                    tr = np.einsum("i,ia,ia->", W, ym1, y1)
                    if F.q2:
                        ym2 = -np.einsum("qia,ia->qi", G[:, codes0, :], ym1)
                        tr += np.einsum("i,qi,qi->", W, ym2, Y2)
                else:
                    tr = np.einsum("i,qi,qi->", W * xr, L22inv[:, col - F.q1], Y2)
                grad[pos] = 2.0 * tr + _vdot(W1h, etadot) - 2.0 * _vdot(s, cvec)
                pos += 1
        for j in range(beta.size):
            xj = self.X[:, j]
            udot = FB.solve(B.t_times(s1 * xj))
            etadot = xj + B.times(udot)
            grad[pos] = _vdot(W1h, etadot) - 2.0 * _vdot(s, xj)
            pos += 1
        return dev, grad

    def deviance(self, theta, beta) -> float:
        """Laplace deviance at (theta, beta)."""
        self.n_eval += 1
        u, eta, mu, F = self.pirls(np.asarray(theta, float), np.asarray(beta, float))
        self.last = dict(theta=np.asarray(theta, float), beta=np.asarray(beta, float), u=u, eta=eta, mu=mu, factor=F)
        return float(F.logdet + _vdot(u, u) + self._minus2logp(mu))

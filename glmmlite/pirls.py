"""Step 4: PIRLS and the Laplace deviance for any random-effects structure.

The penalized system ``A = Lambda' Z' W Z Lambda + I`` is factored by
:class:`glmmlite.sparse_cholesky.SparseBlockedCholesky`: the leading term (the one with
the most levels, lme4's order) is block diagonal, the other terms are eliminated through a
Schur complement accumulated from the nonzeros of Z only (crossed and nested designs
alike).  Laplace deviance (lme4): ``log|A| + ||u||^2 - 2 log p(y | u)`` at the conditional
modes ``u``.  One scalar term has a faster, diagonal version in
:mod:`glmmlite.pirls_scalar`; :mod:`glmmlite.dense_cholesky` is the dense reference
(``dense=True``).
"""
from __future__ import annotations

import numpy as np

from .dense_cholesky import DenseCholesky
from .family import Binomial
from .loglik import BinomialLoglik, vdot
from .modelframe import RandomTerm
from .pcg import pcg
from .remat import ThetaLayout, lower_indices as _lower
from . import sparse_cholesky
from .sparse_cholesky import CrossPattern, SparseBlockedCholesky
from .term_blocks import TermBlocks

__all__ = ["BlockedLaplace", "TermBlocks"]


#: with at least this many dense Schur columns, PIRLS steps are solved by conjugate
#: gradients preconditioned with the last exact factor (a dense factorization costs more)
PCG_MIN_Q2 = 300
#: a full Newton step of at most this size (max-norm) ends PIRLS, here and in
#: :mod:`glmmlite.pirls_scalar`: with the observed information as the weights
#: (``Binomial.newton_moments``) Newton's error after it is about c size^2 with c = 0.06-0.3
#: on the benchmark designs (a 3e-6 step was followed by one of 3e-12, 2.7e-7 by 1.3e-14),
#: far below ``tol``, so the step that would confirm it (one more solve and pass over the
#: rows per evaluation) is skipped
NEWTON_DONE_STEP = 1e-7


def pirls_done(size: float, step: float, dp: float, pdev: float, tol: float, newton: bool) -> bool:
    """PIRLS's stopping rule (both backends): the penalized deviance ``pdev`` changed by ``dp``
    (negligibly, relative 1e-9) and the step taken (max-norm ``size``, a fraction ``step``
    of the full one) is below ``tol``, or was a full Newton step of at most
    :data:`NEWTON_DONE_STEP` (``newton``: the weights were the observed information)."""
    if not abs(dp) < 1e-9 * (1.0 + abs(pdev)):
        return False
    return size < tol or (newton and step == 1.0 and size <= NEWTON_DONE_STEP)


class BlockedLaplace:
    """Laplace deviance, conditional modes and analytic gradient for any set of terms.

    Parameters
    ----------
    y, weights, offset, X : the rows (proportions, trials, offset, fixed-effects matrix)
    terms : the random-effects terms, in lme4's order
    family : Binomial
    dense : use the dense reference factor (small models only; for tests)
    const : the log-likelihood's constant (default: from y and weights; see ``Binomial.log_choose``)
    """

    def __init__(self, y, weights, offset, X, terms: list[RandomTerm], family: Binomial, dense: bool = False,
                 const: float | None = None):
        self.y = np.asarray(y, float)
        self.w = np.asarray(weights, float)
        self.offset = np.asarray(offset, float)
        self.X = np.ascontiguousarray(X, float)
        self.terms = terms
        self.layout = ThetaLayout.from_terms(terms)
        self.family = family
        self.loglik = BinomialLoglik(self.y, self.w, family, const)
        self.dense = bool(dense)
        self.pattern = None if dense else CrossPattern(terms)
        self.q = sum(t.nlevels * t.k for t in terms)
        self.u = np.zeros(self.q)
        self.n_eval = 0
        self.n_pirls = 0
        self.has_gradient = True
        self.last = None
        self._index_source = None   # a TermBlocks whose index arrays the next ones share
        self._exact = None          # the last exact factor: the next steps' preconditioner
        self._tangent = None        # (x, u, du/dx) of the last gradient: the next PIRLS's warm start
        self.single_gradient = False  # single-precision selected inverse allowed: see deviance_and_gradient
        self.last_gradient_single = False
        self.n_factor = 0           # exact factorizations (for the benchmarks)
        self.n_cg = 0               # conjugate-gradient iterations

    # -------------------------------------------------------------- pieces
    @property
    def rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(y, weights, offset, X)`` of the rows this backend works on."""
        return self.y, self.w, self.offset, self.X

    def fisher_weights(self, eta: np.ndarray) -> np.ndarray:
        """``W = w mu'(eta)^2 / V(mu)`` per row."""
        fam = self.family
        mu = fam.linkinv(eta)
        m1 = fam.mu_eta(eta)
        return self.w * m1 * m1 / fam.variance(mu)

    def _factor(self, B: TermBlocks, W: np.ndarray):
        self.n_factor += 1
        if self.dense:
            return DenseCholesky(B, W)
        return SparseBlockedCholesky(self.pattern, B, W)

    def _newton_step(self, B: TermBlocks, W: np.ndarray, rhs: np.ndarray) -> np.ndarray:
        """Solve ``A(W) delta = rhs``: by PCG when a preconditioner is at hand, else exactly."""
        prev = self._exact
        if prev is not None and not self.dense and self.pattern.q2 >= PCG_MIN_Q2:
            P = SparseBlockedCholesky(self.pattern, B, W, schur_from=prev)

            def matvec(v):
                return v + B.t_times(W * B.times(v))

            x, ok, its = pcg(matvec, rhs, P.solve)
            self.n_cg += its
            if ok:
                return x
        F = self._factor(B, W)
        if not self.dense:
            self._exact = F
        return F.solve(rhs)

    def blocks(self, theta) -> TermBlocks:
        """``Z Lambda(theta)`` (sharing the index arrays of the previous theta's)."""
        B = TermBlocks(self.terms, self.layout, np.asarray(theta, float), index=self._index_source)
        B.M                                   # build the sparse matrix (and its index, once)
        self._index_source = B
        return B

    def factor(self, theta, W):
        """The factor of ``A`` at theta with Fisher weights W."""
        return self._factor(self.blocks(theta), W)

    def _moments(self, eta, mu):
        fam = self.family
        if fam.link == "logit":
            W = self.w * mu * (1.0 - mu)
            return W, self.w * (self.y - mu)
        m1 = fam.mu_eta(eta)
        var = mu * (1.0 - mu)
        return self.w * m1 * m1 / var, self.w * (self.y - mu) * m1 / var

    # --------------------------------------------------------------- PIRLS
    def pirls(self, theta, beta, tol: float = 1e-11, maxit: int = 60):
        """Conditional modes at (theta, beta); returns (u, eta, mu, factor at the modes)."""
        ll = self.loglik
        B = self.blocks(theta)
        eta_fixed = self.X @ np.asarray(beta, float) + self.offset
        u = self.u.copy()
        eta = eta_fixed + B.times(u)
        mu, m2lp = ll.mu_and_minus2logp(eta)
        pdev = m2lp + vdot(u, u)
        guess = self._predicted_modes(theta, beta)
        if guess is not None:
            eta_g = eta_fixed + B.times(guess)
            mu_g, m2lp_g = ll.mu_and_minus2logp(eta_g)
            pdev_g = m2lp_g + vdot(guess, guess)
            if pdev_g < pdev:
                u, eta, mu, m2lp, pdev = guess, eta_g, mu_g, m2lp_g, pdev_g
        for _ in range(maxit):
            self.n_pirls += 1
            if self.family.canonical:
                W, s = self._moments(eta, mu)
                newton = True
            else:                          # Newton's weights, not Fisher scoring's (see newton_moments)
                W, s, newton = self.family.newton_moments(eta, mu, self.y, self.w)
            delta = self._newton_step(B, W, B.t_times(s) - u)
            Bd = B.times(delta)
            step = 1.0
            for _half in range(30):
                u_new = u + step * delta
                eta_new = eta + step * Bd
                mu_new, m2lp_new = ll.mu_and_minus2logp(eta_new)
                pdev_new = m2lp_new + vdot(u_new, u_new)
                if pdev_new <= pdev + 1e-10 * abs(pdev):
                    break
                step *= 0.5
            dp = pdev - pdev_new
            u, eta, mu, m2lp, pdev = u_new, eta_new, mu_new, m2lp_new, pdev_new
            if pirls_done(np.max(np.abs(step * delta), initial=0.0), step, dp, pdev, tol, newton):
                break
        self.u = u
        W, _ = self._moments(eta, mu)
        F = self._factor(B, W)
        if not self.dense:
            self._exact = F
        return u, eta, mu, m2lp, F, B

    def _predicted_modes(self, theta, beta) -> np.ndarray | None:
        """First-order prediction of the modes at (theta, beta) from the last gradient's
        ``du/dx`` (its by-product): ``u + (du/dx) (x - x_last)``.  A warm start that saves
        PIRLS iterations along the optimizer's path and in the finite-difference Hessian."""
        if self._tangent is None:
            return None
        x_last, u_last, udot = self._tangent
        dx = np.concatenate([np.asarray(theta, float), np.asarray(beta, float)]) - x_last
        if not np.all(np.isfinite(dx)) or dx.shape[0] != udot.shape[1]:
            return None
        return u_last + udot @ dx

    def forget_tangent(self) -> None:
        """Drop the warm-start prediction (the modes were changed from outside)."""
        self._tangent = None

    # ------------------------------------------------------------ deviance
    def deviance(self, theta, beta) -> float:
        """Laplace deviance at (theta, beta)."""
        self.n_eval += 1
        theta = np.asarray(theta, float)
        beta = np.asarray(beta, float)
        u, eta, mu, m2lp, F, B = self.pirls(theta, beta)
        dev = float(F.logdet + vdot(u, u) + m2lp)
        self.last = dict(theta=theta, beta=beta, u=u, eta=eta, mu=mu, factor=F, blocks=B, deviance=dev)
        self.last_gradient_single = False           # no gradient at this point yet
        return dev

    def deviance_and_gradient(self, theta, beta):
        """Laplace deviance and its gradient in (theta, beta).

        At the conditional modes the penalized deviance is stationary in u, so only
        ``log|A|`` sees u move: with ``h_i = m_i' A^{-1} m_i`` (m_i = row i of M = Z Lambda),

            dD/dphi = 2 tr(A^{-1} M' W dM) + sum_i W'_i h_i deta_i - 2 s'(X_phi + dM u)

        where ``deta = X_phi + dM u + M du`` and ``du`` solves
        ``(I + M' S M) du = M' S' (X_phi + dM u) + dM' s`` (S = observed information).
        ``h`` and the traces need ``A^{-1}`` only on the rows' own columns
        (:meth:`SparseBlockedCholesky.row_solves`).

        With ``single_gradient`` set (the optimizer's search and the final Hessian's forward
        differences: :meth:`DevianceFunction.single_precision_gradients`), a large dense part computes
        that inverse in single precision (``SINGLE_INVERSE_MIN_Q2``); asked again at the
        same point without it, the gradient is recomputed from the kept factor in double
        precision, without PIRLS.
        """
        theta = np.asarray(theta, float)
        beta = np.asarray(beta, float)
        if self._single_gradient_at(theta, beta) and not self.single_gradient:
            self.last["factor"].exact_inverse()         # the kept factor, its inverse again in double
            dev = self.last["deviance"]
            self.n_eval += 1
        else:
            dev = self.deviance(theta, beta)
        last = self.last
        fam = self.family
        u, eta, mu, F, B = last["u"], last["eta"], last["mu"], last["factor"], last["blocks"]
        single = self.single_gradient and not self.dense and self.pattern.q2 >= sparse_cholesky.SINGLE_INVERSE_MIN_Q2
        F.single_inverse = single
        self.last_gradient_single = single
        m1 = fam.mu_eta(eta)
        var = mu * (1.0 - mu)
        r = self.y - mu
        if fam.link == "logit":
            W = self.w * var
            s = self.w * r
            s1 = -W                                         # ds/deta
            W1 = W * (1.0 - 2.0 * mu)                       # dW/deta
        else:
            m2 = fam.mu_eta_deriv(eta)
            dV = 1.0 - 2.0 * mu
            W = self.w * m1 * m1 / var
            s = self.w * r * m1 / var
            s1 = self.w * (-m1 * m1 / var + r * (m2 / var - m1 * m1 * dV / (var * var)))
            W1 = self.w * (2.0 * m1 * m2 / var - m1 ** 3 * dV / (var * var))
        Z1, Z2 = F.row_solves()                             # A^{-1} m_i on row i's own columns
        h = np.einsum("ia,ia->i", B.V[0], Z1)
        if Z2 is not None:
            h += np.einsum("ie,ie->i", np.hstack(B.V[1:]), Z2)
        row_z = [Z1]
        pos = 0
        for term in self.terms[1:]:
            row_z.append(Z2[:, pos:pos + term.k])
            pos += term.k
        FB = F if fam.canonical else self._factor(B, -s1)
        W1h = W1 * h
        # every parameter at once: C = X_phi + dM u (n, P), rhs = M' S' C + dM' s (q, P)
        nt, p = self.layout.size, self.X.shape[1]
        C = np.empty((self.y.size, nt + p))
        D = np.zeros((self.q, nt))
        trace = np.zeros(nt)
        i = 0
        for t, k in enumerate(self.layout.ks):
            term = self.terms[t]
            Ut = u[B.starts[t]:B.starts[t + 1]].reshape(term.nlevels, term.k)
            cols = B.cols[t]
            for r_, c_ in zip(*_lower(k)):
                xr = term.X[:, r_]
                C[:, i] = xr * Ut[term.codes, c_]                                  # dM u
                D[:, i] = np.bincount(cols[:, c_], weights=s * xr, minlength=self.q)   # dM' s
                trace[i] = vdot(W * xr, row_z[t][:, c_])                           # tr(A^{-1} M' W dM)
                i += 1
        C[:, nt:] = self.X
        rhs = B.t_times(C * s1[:, None])
        rhs[:, :nt] += D
        Udot = FB.solve(rhs)
        self._tangent = (np.concatenate([np.asarray(theta, float), np.asarray(beta, float)]), u.copy(), Udot)
        Etadot = C + B.times(Udot)
        grad = W1h @ Etadot - 2.0 * (s @ C)
        grad[:nt] += 2.0 * trace
        return dev, grad

    def _single_gradient_at(self, theta: np.ndarray, beta: np.ndarray) -> bool:
        """True when the last evaluation was at (theta, beta) and its gradient used a
        single-precision inverse (its factor is kept: a double gradient needs no PIRLS)."""
        last = self.last
        return (last is not None and self.last_gradient_single and np.array_equal(last["theta"], theta)
                and np.array_equal(last["beta"], beta))

    def beta_information(self) -> np.ndarray:
        """``X'WX - (M'WX)' A^{-1} (M'WX)`` at the last evaluation (lme4's ``RX'RX``).

        The Fisher information of beta with theta held and u profiled out: half the
        deviance's Hessian in beta, up to how the weights move with the modes.  Used as
        the beta block of the optimizer's starting Hessian, where the GLM's ``X'WX``
        overstates the information on the intercept many times over (the random effects
        absorb most of it).
        """
        last = self.last
        F, B = last["factor"], last["blocks"]
        W = self.fisher_weights(last["eta"])
        WX = self.X * W[:, None]
        MWX = B.t_times(WX)
        return self.X.T @ WX - MWX.T @ F.solve(MWX)

    # ------------------------------------------------------------- at a point
    def modes(self, theta, beta) -> np.ndarray:
        """Spherical conditional modes u at (theta, beta)."""
        self.deviance(theta, beta)
        return self.u.copy()

    def conditional_variances(self, theta, beta) -> list[np.ndarray]:
        """Per term, the conditional covariance of b = Lambda u: (levels, k, k)."""
        self.deviance(theta, beta)
        F = self.last["factor"]
        out = []
        for t, T in enumerate(self.layout.factors(np.asarray(theta, float))):
            Vu = F.inverse_blocks(t, self.terms)
            out.append(np.einsum("ab,jbc,dc->jad", T, Vu, T))
        return out


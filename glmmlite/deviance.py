"""The stage-2 objective: the deviance as a function of x = c(theta, beta).

Chooses the fastest exact implementation (a *backend*) for the model: the diagonal fast
path for one scalar term (:class:`~glmmlite.pirls_scalar.ScalarLaplace`, with an analytic
gradient), adaptive quadrature for ``nAGQ > 1`` (:class:`~glmmlite.agq.ScalarAGQ`), and
the blocked sparse Cholesky for everything else
(:class:`~glmmlite.pirls.BlockedLaplace`).

Every backend has one interface, and callers use it only through
:class:`DevianceFunction`:

* ``deviance(theta, beta)`` and ``deviance_and_gradient(theta, beta)`` (the gradient is
  None where ``has_gradient`` is False);
* ``modes(theta, beta)`` and ``conditional_variances(theta, beta)``; ``u``, the modes at
  the last evaluation;
* ``rows``: ``(y, weights, offset, X)`` of the rows it works on (the fast path may have
  aggregated them), and ``fisher_weights(eta)`` on those rows.
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from .agq import ScalarAGQ
from .errors import ArgumentError
from .family import Binomial
from .modelframe import ModelFrame
from .pirls import BlockedLaplace
from .pirls_scalar import ScalarLaplace
from .remat import ThetaLayout, lower_indices


class DevianceFunction:
    """``D(x)`` with ``x = c(theta, beta)``: Laplace (nAGQ = 1) or AGQ (nAGQ > 1) deviance.

    Attributes
    ----------
    layout : ThetaLayout
    ntheta, p : sizes of theta and beta
    scalar : bool, True for the one-scalar-term fast path
    backend : the backend that evaluates D
    laplace_backend : the Laplace backend (the same as ``backend`` unless nAGQ > 1)
    """

    def __init__(self, frame: ModelFrame, family: Binomial, nAGQ: int = 1, dense: bool = False):
        self.frame = frame
        self.family = family
        self.layout = ThetaLayout.from_terms(frame.random)
        self.ntheta = self.layout.size
        self.p = frame.X.shape[1]
        self.nAGQ = int(nAGQ)
        terms = frame.random
        self.scalar = len(terms) == 1 and terms[0].k == 1 and not dense
        if self.nAGQ > 1 and not self.scalar:
            raise ArgumentError(
                f"nAGQ = {nAGQ} (adaptive quadrature) needs exactly one scalar random-effects term "
                f"such as (1 | g); this model has {len(terms)} term(s): "
                + ", ".join(f"({' + '.join(t.names)} | {t.group})" for t in terms)
                + ". Use nAGQ = 1 (the Laplace approximation)."
            )
        const = float(np.sum(frame.log_choose[frame.weights > 0]))   # R's binomial()$aic constant
        if self.scalar:
            t = terms[0]
            lap = ScalarLaplace(frame.y, frame.weights, frame.offset, frame.X, t.codes,
                                t.nlevels, t.X[:, 0], family, const=const)
            self.laplace_backend = lap
            self.backend = ScalarAGQ(lap, self.nAGQ) if self.nAGQ > 1 else lap
        else:
            self.laplace_backend = self.backend = BlockedLaplace(
                frame.y, frame.weights, frame.offset, frame.X, terms, family, dense=dense, const=const)
        # x -> (deviance, gradient, modes, gradient in single precision?) of recent points
        self._memo: dict[bytes, tuple] = {}
        self._last_u = None
        self._single = False                   # inside single_precision_gradients()
        self.n_single_gradients = 0            # gradients computed in single precision

    def split(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, float)
        return x[:self.ntheta], x[self.ntheta:]

    # ------------------------------------------------------------ the objective
    #: evaluations remembered (an optimizer's last point is asked for again by its caller)
    MEMO_SIZE = 8

    def _remember(self, key: bytes, f: float, g) -> None:
        self._last_u = self.backend.u.copy()
        single = g is not None and self._single and getattr(self.backend, "last_gradient_single", False)
        self.n_single_gradients += single
        self._memo[key] = (f, None if g is None else np.array(g, float), self._last_u, single)
        while len(self._memo) > self.MEMO_SIZE:
            self._memo.pop(next(iter(self._memo)))

    @contextmanager
    def single_precision_gradients(self):
        """Within this block (the optimizer's search and the final finite-difference Hessian)
        the blocked backend may compute the gradient's selected inverse in single precision
        (cheaper where the dense part is large, ``SINGLE_INVERSE_MIN_Q2``; the deviance itself
        stays exact).  A gradient remembered from the block is recomputed in double precision
        when asked for after it, so the fit's reported gradient is a double one."""
        backend = self.backend
        had = getattr(backend, "single_gradient", None)
        self._single = True
        if had is not None:
            backend.single_gradient = True
        try:
            yield self
        finally:
            self._single = False
            if had is not None:
                backend.single_gradient = had

    def __call__(self, x: np.ndarray) -> float:
        x = np.asarray(x, float)
        hit = self._memo.get(x.tobytes())
        if hit is not None:
            self._last_u = hit[2]
            return hit[0]
        theta, beta = self.split(x)
        f = self.backend.deviance(theta, beta)
        self._remember(x.tobytes(), f, None)
        return f

    def normalize(self, x: np.ndarray) -> np.ndarray:
        """x with every column of each term's factor T flipped to a nonnegative diagonal.

        The deviance is even in each column of T (flipping it flips the sign of that
        column's conditional modes), so a remembered evaluation of x carries over to the
        flipped point: its gradient changes sign in the flipped theta entries and the
        modes in the flipped columns.  The backend's warm start is flipped too.
        """
        x = np.asarray(x, float)
        nt = self.ntheta
        z = x.copy()
        z[:nt] = self.layout.normalize(x[:nt])
        if np.array_equal(z, x):
            return z
        signs = self.layout.column_signs(x[:nt])
        g_sign = np.ones(x.size)
        g_sign[:nt] = np.concatenate([s[lower_indices(k)[1]] for s, k in zip(signs, self.layout.ks)])
        u_sign = np.concatenate([np.tile(s, t.nlevels) for s, t in zip(signs, self.frame.random)])
        hit = self._memo.get(x.tobytes())
        if hit is not None:
            f, g, u, single = hit
            self._memo[z.tobytes()] = (f, None if g is None else g * g_sign,
                                       None if u is None else u * u_sign, single)
        holder = self.laplace_backend                    # the backend that keeps the modes
        u_now = getattr(holder, "u", None)
        if u_now is not None and np.shape(u_now) == u_sign.shape:
            holder.u = u_now * u_sign
            forget = getattr(holder, "forget_tangent", None)
            if forget is not None:
                forget()
        return z

    @property
    def dense_columns(self) -> int:
        """Columns of the dense (Schur complement) part of the factor: 0 for one term."""
        pattern = getattr(self.laplace_backend, "pattern", None)
        return int(getattr(pattern, "q2", 0) or 0)

    @property
    def has_gradient(self) -> bool:
        """True when the analytic gradient is available (the Laplace backends)."""
        return self.backend.has_gradient

    def value_and_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """Deviance and its analytic gradient in (theta, beta) (Laplace only)."""
        x = np.asarray(x, float)
        hit = self._memo.get(x.tobytes())
        if hit is not None and hit[1] is not None and (self._single or not hit[3]):
            self._last_u = hit[2]
            return hit[0], hit[1].copy()
        theta, beta = self.split(x)
        f, g = self.backend.deviance_and_gradient(theta, beta)
        if g is not None:
            self._remember(x.tobytes(), f, g)
        return f, g

    def start_hessian(self, x0: np.ndarray, h: float = 1e-4) -> np.ndarray:
        """A cheap Hessian at the start for BFGS: the theta columns by forward differences of
        the analytic gradient (one evaluation each), the beta block from the Fisher
        information ``2 RX'RX`` of the blocked backend, or the GLM's ``2 X'WX`` at beta for
        the scalar one.  Against a full finite-difference Hessian it saves
        20-60% of the evaluations (the p beta columns)."""
        x0 = np.asarray(x0, float)
        nt = self.ntheta
        _, g0 = self.value_and_grad(x0)
        info = self._beta_information_at(x0)          # before the probes below move the backend
        C = np.empty((x0.size, nt))
        for j in range(nt):
            e = np.zeros_like(x0)
            e[j] = h
            C[:, j] = (self.value_and_grad(x0 + e)[1] - g0) / h
        H = np.zeros((x0.size, x0.size))
        H[nt:, nt:] = 2.0 * info if info is not None else self._glm_information(x0)
        H[:, :nt] = C
        H[:nt, :] = C.T
        H[:nt, :nt] = 0.5 * (C[:nt] + C[:nt].T)
        return H

    def _beta_information_at(self, x: np.ndarray) -> np.ndarray | None:
        """The backend's ``RX'RX`` at x if it has one and its last evaluation was at x."""
        info = getattr(self.backend, "beta_information", None)
        last = getattr(self.backend, "last", None)
        if info is None or last is None:
            return None
        theta, beta = self.split(x)
        if not (np.array_equal(last["theta"], theta) and np.array_equal(last["beta"], beta)):
            return None
        return info()

    def _glm_information(self, x0: np.ndarray) -> np.ndarray:
        """The GLM's ``2 X'WX`` at x0's beta (the beta block of the starting Hessian where the
        backend has no ``RX'RX``)."""
        nt = self.ntheta
        _, _, offset, X = self.rows
        W = self.fisher_weights(X @ x0[nt:] + offset)
        return 2.0 * (X.T * W) @ X

    def laplace_value_and_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """The Laplace deviance and its gradient, also when the objective is AGQ (its start)."""
        theta, beta = self.split(x)
        return self.laplace_backend.deviance_and_gradient(theta, beta)

    # ------------------------------------------------------------ the rows
    @property
    def rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(y, weights, offset, X)`` of the rows the backend works on (maybe aggregated)."""
        return self.laplace_backend.rows

    def fisher_weights(self, eta: np.ndarray) -> np.ndarray:
        """Fisher weights on :attr:`rows` at the linear predictor eta."""
        return self.laplace_backend.fisher_weights(eta)

    def glm_start(self) -> np.ndarray:
        """The binomial GLM's coefficients on :attr:`rows` (lme4's start for beta)."""
        from .glm import glm_irls
        y, w, off, X = self.rows
        return glm_irls(y, w, off, X, self.family)

    # ------------------------------------------------------------ at a point
    def last_modes(self) -> np.ndarray:
        """The spherical conditional modes u of the last evaluation (lme4's order)."""
        u = self._last_u if self._last_u is not None else self.laplace_backend.u
        return u.copy()

    def modes(self, x: np.ndarray) -> np.ndarray:
        """Spherical conditional modes u at x (in lme4's order)."""
        theta, beta = self.split(x)
        self._last_u = None
        return self.backend.modes(theta, beta)

    def conditional_variances(self, x: np.ndarray) -> list[np.ndarray]:
        """Per term, the conditional covariance of b = Lambda u, shape (levels, k, k)."""
        theta, beta = self.split(x)
        self._last_u = None
        return self.backend.conditional_variances(theta, beta)

    def lme4_hessian(self, x: np.ndarray) -> np.ndarray:
        """lme4 1.1-31's finite-difference Hessian of its own PIRLS objective at x (one scalar
        Laplace term only; see :mod:`glmmlite.lme4_vcov`)."""
        if not self.scalar or self.nAGQ > 1:
            raise ArgumentError("lme4's Hessian is reproduced for one scalar term with nAGQ = 1 only")
        from .lme4_vcov import lme4_hessian
        return lme4_hessian(self.laplace_backend, x, self.glm_start())

    def vcov_rx(self, x: np.ndarray) -> np.ndarray:
        """lme4's ``vcov(use.hessian = FALSE)``: (X'WX - RZX'RZX)^{-1} at x, theta held fixed."""
        u = self.modes(x)   # runs PIRLS at x
        if not self.scalar:                   # the blocked backend's factor at these modes
            return np.linalg.inv(self.backend.beta_information())
        theta, beta = self.split(x)
        fam = self.family
        fr = self.frame
        from .remat import z_lambda
        M = z_lambda(fr.random, self.layout, theta)
        eta = fr.X @ beta + fr.offset + M @ u
        mu = fam.linkinv(eta)
        m1 = fam.mu_eta(eta)
        W = fr.weights * m1 * m1 / fam.variance(mu)
        XWX = (fr.X.T * W) @ fr.X
        MWX = (M.T @ (fr.X * W[:, None]))
        A_diag = 1.0 + np.asarray((M.multiply(M).T @ W)).ravel()
        return np.linalg.inv(XWX - MWX.T @ (MWX / A_diag[:, None]))

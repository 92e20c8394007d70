"""Step 5: minimize the deviance over (theta, beta).

lme4 runs bobyqa over theta and then Nelder-Mead over (theta, beta) inside bounds.
We minimize the same objective by BFGS with gradients (analytic for one scalar term,
central differences otherwise), over *unbounded* theta: the deviance is unchanged
when a column of a term's factor T changes sign, so the bound ``diag(T) >= 0`` is
met afterwards by flipping signs.  A bounded quasi-Newton method would stop on the
boundary where the surface is flat near theta = 0 (the article's data); the unbounded
one walks through to the interior optimum.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import optimize

from .hessian import central_gradient


@dataclass
class OptResult:
    """What the optimizer found: ``x`` = c(theta, beta), ``fun`` = the deviance there."""

    x: np.ndarray
    fun: float
    n_eval: int
    converged: bool
    message: str


def minimize_deviance(
    fun: Callable[[np.ndarray], float],
    x0: np.ndarray,
    fun_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]] | None = None,
    fixed: dict[int, float] | None = None,
    gtol: float | None = None,
    maxiter: int = 500,
    hessian: np.ndarray | None = None,
) -> OptResult:
    """Minimize ``fun`` from ``x0``, optionally holding some coordinates fixed.

    Parameters
    ----------
    fun : callable x -> deviance
    x0 : start (full vector)
    fun_and_grad : callable x -> (deviance, gradient), if an analytic gradient exists
    fixed : {index: value} coordinates held fixed (used by profiling)
    gtol : gradient tolerance (max-norm); defaults to 1e-6 with an analytic
        gradient and 1e-5 with finite differences
    hessian : an approximate Hessian of the full vector (e.g. the fit's, when profiling);
        its free block seeds BFGS instead of a finite-difference one
    """
    x0 = np.asarray(x0, float).copy()
    fixed = fixed or {}
    free = np.array([i for i in range(x0.size) if i not in fixed], int)
    for i, v in fixed.items():
        x0[i] = v
    count = [0]

    def full(z):
        x = x0.copy()
        x[free] = z
        return x

    if fun_and_grad is not None:
        def fg(z):
            count[0] += 1
            f, g = fun_and_grad(full(z))
            return f, g[free]
        tol = 1e-6 if gtol is None else gtol
    else:
        def fg(z):
            count[0] += 1
            f = fun(full(z))
            g = central_gradient(lambda zz: fun(full(zz)), z)
            count[0] += 2 * z.size
            return f, g
        tol = 1e-5 if gtol is None else gtol

    if free.size == 0:
        return OptResult(x0, float(fun(x0)), 1, True, "nothing to optimize")
    options = dict(gtol=tol, maxiter=maxiter, norm=np.inf)
    h0 = None
    if hessian is not None:
        h0 = _inverse_if_pd(np.asarray(hessian, float)[np.ix_(free, free)])
    if h0 is None and fun_and_grad is not None and free.size <= 40:
        h0 = _initial_inverse_hessian(fg, x0[free])
    if h0 is not None:
        options["hess_inv0"] = h0
    res = optimize.minimize(fg, x0[free], jac=True, method="BFGS", options=options)
    x = full(res.x)
    converged = bool(res.success)
    msg = str(res.message)
    if not converged and "precision loss" in msg:
        # BFGS's line search gave up at the noise floor: judge by the gradient itself
        converged = bool(np.max(np.abs(res.jac)) < 100 * tol)
    return OptResult(x, float(res.fun), count[0], converged, msg)


def _initial_inverse_hessian(fg, z0: np.ndarray, h: float = 1e-4) -> np.ndarray | None:
    """Inverse of a forward-difference Hessian of the gradient at the start, if positive definite.

    BFGS otherwise starts from the identity, which is badly scaled for a deviance in the
    thousands; k extra gradients here save many line-search steps.
    """
    _, g0 = fg(z0)
    k = z0.size
    H = np.empty((k, k))
    for j in range(k):
        e = np.zeros(k)
        e[j] = h
        H[:, j] = (fg(z0 + e)[1] - g0) / h
    return _inverse_if_pd(H)


def _inverse_if_pd(H: np.ndarray) -> np.ndarray | None:
    """The symmetrized inverse of H if H is positive definite, else None."""
    H = 0.5 * (H + H.T)
    try:
        np.linalg.cholesky(H)
        Hi = np.linalg.inv(H)
        Hi = 0.5 * (Hi + Hi.T)
        np.linalg.cholesky(Hi)
        return Hi
    except np.linalg.LinAlgError:
        return None

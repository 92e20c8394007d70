"""Step 5: minimize the deviance over (theta, beta).

lme4 runs bobyqa over theta and then Nelder-Mead over (theta, beta) inside bounds.
We minimize the same objective by BFGS with gradients (analytic for one scalar term,
central differences otherwise), over *unbounded* theta: the deviance is unchanged
when a column of a term's factor T changes sign, so the bound ``diag(T) >= 0`` is
met afterwards by flipping signs.  A bounded quasi-Newton method would stop on the
boundary where the surface is flat near theta = 0 (the article's data); the unbounded
one walks through to the interior optimum.

Near the optimum of a large model the deviance (~1e5) is flat to rounding long before
the max-norm gradient reaches 1e-6 (the Hessian is ~1e5, so a gradient of 1e-5 is a
step of 1e-10); BFGS's line search then spends many evaluations at the noise floor
before it reports "precision loss".  The optimizer stops instead as soon as
:data:`STALL_EVALS` evaluations in a row neither lower the deviance measurably
(:data:`STALL_REL`) nor leave a gradient above 100 times the tolerance, keeping the
point with the smallest gradient.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import optimize

from .hessian import central_gradient

#: evaluations in a row at the noise floor after which the optimizer stops
STALL_EVALS = 3
#: "no measurable change" of the deviance: relative to max(1, |deviance|)
STALL_REL = 1e-12
#: a gradient this small relative to |deviance| is rounding noise (sums over 1e5-1e6 rows)
NOISE_GRAD_REL = 1e-8
#: BFGS stopped by "precision loss" has converged when the deviance it can still gain,
#: 0.5 g' H^{-1} g by its own inverse Hessian, is below this (on the -2 logLik scale)
DECREMENT_TOL = 1e-6


class _Stalled(Exception):
    """Raised inside the objective to end BFGS at the noise floor."""


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
        def fg_raw(z):
            count[0] += 1
            f, g = fun_and_grad(full(z))
            return f, g[free]
        tol = 1e-6 if gtol is None else gtol
    else:
        def fg_raw(z):
            count[0] += 1
            f = fun(full(z))
            g = central_gradient(lambda zz: fun(full(zz)), z)
            count[0] += 2 * z.size
            return f, g
        tol = 1e-5 if gtol is None else gtol

    memo: dict = {"best": np.inf, "stall": 0, "pick": None}
    seen: dict[bytes, tuple[float, np.ndarray]] = {}

    def fg_plain(z):
        z = np.asarray(z, float)
        key = z.tobytes()
        if key in seen:                                  # BFGS re-asks for the start
            f, g = seen[key]
            return f, g.copy()
        f, g = fg_raw(z)
        seen[key] = (f, np.array(g, float))
        return f, np.array(g, float)

    def fg(z):
        # the stall detector watches BFGS's own steps only: the finite-difference probes of
        # the starting Hessian sit 1e-4 apart and would look like a stalled search
        z = np.asarray(z, float)
        f, g = fg_plain(z)
        gmax = float(np.max(np.abs(g), initial=0.0))
        flat = np.isfinite(f) and abs(f - memo["best"]) <= STALL_REL * max(1.0, abs(f))
        if flat and gmax < max(100.0 * tol, NOISE_GRAD_REL * abs(f)):
            memo["stall"] += 1
            if memo["pick"] is None or gmax < memo["pick"][0]:
                memo["pick"] = (gmax, z.copy(), f, np.array(g, float))
            if memo["stall"] >= STALL_EVALS:
                raise _Stalled
        else:
            memo["stall"] = 0
            memo["pick"] = None
        memo["best"] = min(memo["best"], f)
        return f, g

    if free.size == 0:
        return OptResult(x0, float(fun(x0)), 1, True, "nothing to optimize")
    options = dict(gtol=tol, maxiter=maxiter, norm=np.inf)
    h0 = None
    if hessian is not None:
        h0 = _inverse_if_pd(np.asarray(hessian, float)[np.ix_(free, free)])
    if h0 is None and fun_and_grad is not None and free.size <= 40:
        h0 = _initial_inverse_hessian(fg_plain, x0[free])
    if h0 is not None:
        options["hess_inv0"] = h0
    try:
        res = optimize.minimize(fg, x0[free], jac=True, method="BFGS", options=options)
    except _Stalled:
        gmax, z, f, g = memo["pick"]
        return OptResult(full(z), float(f), count[0], True,
                         f"stopped at the noise floor of the deviance (max|gradient| = {gmax:.2g})")
    x = full(res.x)
    converged = bool(res.success)
    msg = str(res.message)
    if not converged and "precision loss" in msg:
        # BFGS's line search gave up at the noise floor: judge by the gradient itself, or by
        # the decrease still to be had (large deviances have a gradient noise above 100 tol)
        converged = bool(np.max(np.abs(res.jac)) < 100 * tol)
        if not converged:
            Hi = np.asarray(getattr(res, "hess_inv", np.zeros((free.size, free.size))), float)
            dec = 0.5 * float(res.jac @ Hi @ res.jac)
            converged = bool(0.0 <= dec < DECREMENT_TOL and np.max(np.abs(res.jac)) < NOISE_GRAD_REL * max(1.0, abs(res.fun)) * 10)
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

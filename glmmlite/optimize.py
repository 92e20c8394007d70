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
point with the smallest gradient.  A large deviance (70,000 rows and more) stops earlier
still, at the first point whose remaining decrease by the starting Hessian is negligible
(:data:`EARLY_DECREMENT`), or, for a caller that takes the Hessian at the end anyway, as soon
as that decrease is small (:data:`HANDOVER_DECREMENT`): the caller finishes with one Newton
step by its Hessian.

On the blocked path the first quasi-Newton step is shortened so that no diagonal theta
more than halves (:func:`_damped_first_step`): from lme4's start theta = 1 the plain step of
a crossed model lands near the mirror image -1 of the start.
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
#: a large deviance (|D| > 100 tol / NOISE_GRAD_REL, 1e4 by default: 70,000 rows and more) stops
#: as soon as max|gradient| < EARLY_GRAD_REL |D| and the decrease still to be had,
#: 0.5 g' H0^{-1} g by the starting Hessian, is below EARLY_DECREMENT: the estimates are then
#: within about sqrt(EARLY_DECREMENT) = 3e-4 standard errors of the optimum (lme4's own
#: convergence check accepts a scaled gradient of 2e-3, a decrease of about 2e-6).  On the
#: benchmark designs the decrease is 5e-9 to 4e-8 where this stops (crossed, slopes).
EARLY_GRAD_REL = 1e-6
EARLY_DECREMENT = 1e-7
#: a caller that computes the Hessian at the end anyway (the fit, for its standard errors and
#: checks) can let a large deviance stop earlier, once the decrease still to be had by the
#: starting Hessian is below this, and finish with one Newton step by that final Hessian.
#: On the crossed benchmark the deviance is then 7e-5 above its minimum (about 0.01 standard
#: errors away); the Newton step lands within 1e-9 of it (max|gradient| 1e-4) and saves the
#: three BFGS steps that crept from there to EARLY_DECREMENT.  The Hessian taken at the
#: handover point differs from the one at the final point by 3e-5 relative (the forward
#: differences' own step changes it by 1e-4), the standard errors by 3e-5; with 1e-2 here the
#: handover came one step earlier and the standard errors differed by 1e-3.
HANDOVER_DECREMENT = 1e-3
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
    handover: bool = False   #: stopped by ``handover``: the caller finishes with a Newton step


def minimize_deviance(
    fun: Callable[[np.ndarray], float],
    x0: np.ndarray,
    fun_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]] | None = None,
    fixed: dict[int, float] | None = None,
    gtol: float | None = None,
    maxiter: int = 500,
    hessian: np.ndarray | None = None,
    damp: np.ndarray | None = None,
    handover: float | None = None,
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
    damp : indices (into the full vector) of entries whose first quasi-Newton step may shrink
        them by at most half (see :func:`_damped_first_step`); needs ``hessian``
    handover : for a large deviance (see :data:`EARLY_DECREMENT`), stop as soon as the decrease
        still to be had by the starting Hessian is below this, with ``handover=True`` in the
        result: the caller, which needs the Hessian at the optimum anyway, finishes with one
        Newton step by it (see :data:`HANDOVER_DECREMENT`)
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
        large = np.isfinite(f) and NOISE_GRAD_REL * abs(f) > 100.0 * tol
        if large and handover is not None and memo.get("hinv") is not None:
            dec = 0.5 * float(g @ memo["hinv"] @ g)
            if 0.0 <= dec < handover:
                memo["pick"] = (gmax, z.copy(), f, np.array(g, float))
                memo["why"] = f"handed over to a Newton step: a decrease of {dec:.1g} still to be had"
                memo["handover"] = True
                raise _Stalled
        if large and gmax < EARLY_GRAD_REL * abs(f) and memo.get("hinv") is not None:
            # a large deviance (where tol is below the gradient's noise): stop once the
            # decrease still to be had, by the starting inverse Hessian, is negligible
            dec = 0.5 * float(g @ memo["hinv"] @ g)
            if 0.0 <= dec < EARLY_DECREMENT:
                memo["pick"] = (gmax, z.copy(), f, np.array(g, float))
                memo["why"] = (f"converged: max|gradient| = {gmax:.2g} and a decrease of {dec:.1g} still "
                               "to be had")
                raise _Stalled
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
        Hf = np.asarray(hessian, float)[np.ix_(free, free)]
        h0 = _inverse_if_pd(Hf)
        if h0 is None:
            h0 = _modified_inverse(Hf)
    if h0 is None and fun_and_grad is not None and free.size <= 40:
        h0 = _initial_inverse_hessian(fg_plain, x0[free])
    if h0 is not None:
        options["hess_inv0"] = h0
        memo["hinv"] = h0
    z0 = x0[free]
    if damp is not None and h0 is not None and len(damp):
        pos = np.array([int(np.flatnonzero(free == i)[0]) for i in damp if i in set(free.tolist())], int)
        z0, h0 = _damped_first_step(fg_plain, z0, h0, pos)
        options["hess_inv0"] = memo["hinv"] = h0
    try:
        res = optimize.minimize(fg, z0, jac=True, method="BFGS", options=options)
    except _Stalled:
        gmax, z, f, g = memo["pick"]
        why = memo.get("why") or f"stopped at the noise floor of the deviance (max|gradient| = {gmax:.2g})"
        return OptResult(full(z), float(f), count[0], True, why, handover=bool(memo.get("handover")))
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


def _damped_first_step(fg, z0: np.ndarray, hinv: np.ndarray,
                       positive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The start for BFGS and its inverse Hessian: ``(z0, hinv)``, or one quasi-Newton step
    from z0, shortened so that no entry of ``positive`` loses more than half its size, when
    that step lowers the deviance (hinv then gets the BFGS update of that step).

    The deviance is even in each diagonal entry of theta, and from lme4's start theta = 1
    the first quasi-Newton step of a crossed model overshoots through 0 to about -1 (the
    mirror image of the start), costing BFGS several line-search steps to come back.
    """
    if positive.size == 0:
        return z0, hinv
    f0, g0 = fg(z0)
    d = -hinv @ g0
    alpha = 1.0
    for i in positive:
        if z0[i] * d[i] < 0 and abs(d[i]) > 0.5 * abs(z0[i]):
            alpha = min(alpha, 0.5 * abs(z0[i]) / abs(d[i]))
    if alpha == 1.0 or not np.isfinite(f0):
        return z0, hinv
    z1 = z0 + alpha * d
    try:
        f1, g1 = fg(z1)
    except (np.linalg.LinAlgError, FloatingPointError):
        return z0, hinv
    if not (np.isfinite(f1) and f1 < f0):
        return z0, hinv
    s, y = z1 - z0, np.asarray(g1, float) - np.asarray(g0, float)
    sy = float(s @ y)
    if sy > 0:                                   # the BFGS update of the inverse Hessian
        rho = 1.0 / sy
        E = np.eye(s.size) - rho * np.outer(s, y)
        upd = E @ hinv @ E.T + rho * np.outer(s, s)
        upd = 0.5 * (upd + upd.T)
        try:
            np.linalg.cholesky(upd)
            hinv = upd
        except np.linalg.LinAlgError:            # rounding on a badly scaled start: keep hinv
            pass
    return z1, hinv


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


#: smallest eigenvalue of a modified starting Hessian, relative to its largest (see _modified_inverse)
MODIFIED_EIG_FLOOR = 1e-6


def _modified_inverse(H: np.ndarray) -> np.ndarray | None:
    """The inverse of H with each eigenvalue replaced by its absolute value (at least
    ``MODIFIED_EIG_FLOOR`` times the largest): a positive definite starting matrix for BFGS
    where the starting Hessian is indefinite (Nocedal and Wright, Numerical Optimization,
    section 3.4).

    From lme4's start theta = 1 the Laplace deviance of a probit or cloglog model is often
    not convex (on the crossed benchmark design the starting Hessian has one negative
    eigenvalue among four); BFGS from the identity then took 26 evaluations instead of 7.
    Along the other directions the curvature, and so the scale of the first step, is kept.
    """
    H = 0.5 * (H + H.T)
    if not np.all(np.isfinite(H)):
        return None
    lam, V = np.linalg.eigh(H)
    top = float(np.max(np.abs(lam), initial=0.0))
    if not top > 0.0:
        return None
    lam = np.maximum(np.abs(lam), MODIFIED_EIG_FLOOR * top)
    Hi = (V / lam) @ V.T
    return 0.5 * (Hi + Hi.T)


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

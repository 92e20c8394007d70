"""Standard errors exactly as lme4 1.1-31 computes them, for one scalar random-effects term.

lme4 takes the covariance of the fixed effects from a finite-difference Hessian
(step 1e-4) of its stage-2 objective.  That objective is the Laplace deviance as its
PIRLS evaluates it: each evaluation restarts from the linear predictor ``lp0`` left
by stage 1 (the nAGQ = 0 fit), stops when the penalized deviance changes by less
than 1e-7 (relative), and takes ``log|L|^2`` from the weights of the *second-to-last*
iterate.  The optimum is the same as the exact Laplace deviance's, but the curvature
differs slightly where PIRLS needs several steps: for lme4's ``cbpp`` example the
standard errors differ by about 1%.  To give the numbers an lme4 user will compare
against, glmmlite reproduces that objective here (and reaches lme4's Hessian to about
four significant digits); :meth:`GlmerResult.vcov` uses it for Laplace fits with one
scalar term, and the exact Hessian otherwise.
"""
from __future__ import annotations

import numpy as np
from scipy import optimize

from .hessian import hessian_from_values
from .pirls_scalar import ScalarLaplace, _vdot

PWRSS_TOL = 1e-7   # lme4's tolPwrss



def _resdev(lap: ScalarLaplace, mu: np.ndarray) -> float:
    """Sum of the ORIGINAL rows' unit deviances (aggregation-independent)."""
    ll = float(np.sum(lap.loglik.row_loglik(mu)))
    return float(-2.0 * ll + 2.0 * lap.saturated)


def nagq0_eta(lap: ScalarLaplace, theta: float, eta_start: np.ndarray, tol: float = 1e-10) -> tuple[float, np.ndarray]:
    """lme4's nAGQ = 0 objective at theta: PIRLS over (u, beta) jointly, penalty on u only.

    Returns the objective ``log|L|^2 + ||u||^2 + aic`` and the final linear predictor.
    """
    fam, X, J = lap.family, lap.X, lap.J
    eta = eta_start.copy()
    mu = fam.linkinv(eta)
    oldp = np.inf
    z = lap.z
    for _ in range(100):
        m1 = fam.mu_eta(eta)
        W = lap.w * m1 * m1 / fam.variance(mu)
        zr = eta - lap.offset + (lap.y - mu) / m1
        S = lap.group_sum(W * z * z)
        d = 1.0 + theta * theta * S
        ZWX = np.column_stack([lap.group_sum(W * z * X[:, j]) for j in range(X.shape[1])]) * theta
        ZWz = theta * lap.group_sum(W * z * zr)
        XWX = X.T @ (X * W[:, None])
        XWz = X.T @ (W * zr)
        schur = XWX - ZWX.T @ (ZWX / d[:, None])
        beta = np.linalg.solve(schur, XWz - ZWX.T @ (ZWz / d))
        u = (ZWz - ZWX @ beta) / d
        eta = X @ beta + lap.offset + theta * z * u[lap.codes]
        mu = fam.linkinv(eta)
        p = _resdev(lap, mu) + _vdot(u, u)
        if abs(oldp - p) < tol * abs(p) or oldp == p:   # lme4: abs((oldp - p) / p) < tol, without 0 / 0
            break
        oldp = p
    return float(np.sum(np.log(d)) + _vdot(u, u) + lap.loglik.minus2logp(mu)), eta


def stage1_linear_predictor(lap: ScalarLaplace, theta_hat: float, beta_start: np.ndarray) -> np.ndarray:
    """The linear predictor lme4's stage 1 leaves behind: the nAGQ = 0 fit's, at its optimal theta."""
    state = {"eta": lap.X @ beta_start + lap.offset}

    def objective(t: float) -> float:  # warm-started: each PIRLS starts from the last one's end
        val, state["eta"] = nagq0_eta(lap, t, state["eta"])
        return val

    upper = max(3.0, 3.0 * abs(theta_hat) + 1.0)
    res = optimize.minimize_scalar(objective, bounds=(0.0, upper), method="bounded", options=dict(xatol=1e-6))
    return nagq0_eta(lap, float(res.x), state["eta"])[1]


def stage2_deviance(lap: ScalarLaplace, x: np.ndarray, lp0: np.ndarray) -> float:
    """lme4's stage-2 objective at x = (theta, beta), restarting PIRLS from ``lp0``."""
    fam = lap.family
    theta, beta = float(x[0]), np.asarray(x[1:], float)
    off = lap.X @ beta + lap.offset
    z = lap.z
    eta = lp0.copy()
    mu = fam.linkinv(eta)
    oldp = np.inf
    for _ in range(30):
        m1 = fam.mu_eta(eta)
        W = lap.w * m1 * m1 / fam.variance(mu)
        S = lap.group_sum(W * z * z)
        ldL2 = float(np.sum(np.log1p(theta * theta * S)))
        zr = eta - off + (lap.y - mu) / m1
        u = theta * lap.group_sum(W * z * zr) / (1.0 + theta * theta * S)
        eta = off + theta * z * u[lap.codes]
        mu = fam.linkinv(eta)
        p = _resdev(lap, mu) + _vdot(u, u)
        if abs(oldp - p) < PWRSS_TOL * abs(p) or oldp == p:   # (oldp - p) / p without 0 / 0
            break
        oldp = p
    return float(lap.loglik.minus2logp(mu) + _vdot(u, u) + ldL2)


def lme4_hessian(lap: ScalarLaplace, x: np.ndarray, beta_start: np.ndarray) -> np.ndarray:
    """lme4's finite-difference Hessian (step 1e-4) of its stage-2 objective at x."""
    lp0 = stage1_linear_predictor(lap, float(x[0]), beta_start)
    _, H = hessian_from_values(lambda z: stage2_deviance(lap, z, lp0), np.asarray(x, float), h=1e-4)
    return 0.5 * (H + H.T)

"""The sd/cor parameterisation that profiles, intervals and the bootstrap work on.

lme4 profiles a GLMM on the scale of the random effects' standard deviations and
correlations (``sd_(Intercept)|id``, ``cor_x.(Intercept)|g``), followed by the fixed
effects, rather than on the optimizer's theta.  These functions give, for a fitted
:class:`~glmmlite.results.GlmerResult`, the parameter names and values on that scale,
their bounds, the deviance at a point of it, and the re-optimization with one
parameter held fixed that a profile needs.  ``GlmerResult.params_sdcor()`` and its
siblings are thin wrappers around them.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from scipy import optimize

from ..optimize import minimize_deviance
from ..remat import sdcor_bounds, sdcor_names, sdcor_to_theta, theta_to_sdcor

__all__ = ["names", "estimates", "lower", "upper", "to_x", "deviance_at", "refit_fixed"]


def names(m: Any) -> list[str]:
    """lme4's ``oldNames = FALSE`` parameter names: ``sd_(Intercept)|id``, then the fixed effects."""
    return sdcor_names(m.frame.random) + list(m.frame.fixef_names)


def estimates(m: Any) -> np.ndarray:
    """The estimates on the sd/cor scale, then the fixed effects."""
    return np.concatenate([theta_to_sdcor(m.theta, m.layout), m.beta])


def lower(m: Any) -> np.ndarray:
    """Lower bounds: 0 for an SD, -1 for a correlation, -inf for a fixed effect."""
    lo, _ = sdcor_bounds(m.layout)
    return np.concatenate([lo, np.full(m.beta.size, -np.inf)])


def upper(m: Any) -> np.ndarray:
    """Upper bounds: inf for an SD, 1 for a correlation, inf for a fixed effect."""
    _, hi = sdcor_bounds(m.layout)
    return np.concatenate([hi, np.full(m.beta.size, np.inf)])


def _all_scalar(m: Any) -> bool:
    return all(k == 1 for k in m.layout.ks)


def to_x(m: Any, z: np.ndarray) -> np.ndarray:
    """The optimizer's (theta, beta) vector at sd/cor + beta parameters ``z``."""
    z = np.asarray(z, float)
    if _all_scalar(m):
        return z.copy()
    return np.concatenate([sdcor_to_theta(z[:m.ntheta], m.layout), z[m.ntheta:]])


def deviance_at(m: Any, z: np.ndarray) -> float:
    """The deviance at parameters on the sd/cor + beta scale."""
    return float(m._devfun(to_x(m, z)))


def refit_fixed(m: Any, index: int, value: float, start: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """Fix parameter ``index`` (sd/cor + beta scale) at ``value``; minimize over the others.

    Returns the minimized deviance and the full parameter vector (sd/cor + beta scale).
    """
    z0 = estimates(m) if start is None else np.asarray(start, float).copy()
    z0[index] = value
    dev = m._devfun
    nt = m.ntheta
    if _all_scalar(m):
        fg = dev.value_and_grad if dev.has_gradient else None
        res = minimize_deviance(dev, z0, fun_and_grad=fg, fixed={index: value},
                                hessian=m.hessian if fg is not None else None, gtol=1e-4)
        z = res.x.copy()
        z[:nt] = np.abs(z[:nt])
        return res.fun, z
    free = np.array([i for i in range(z0.size) if i != index])
    lo, hi = lower(m), upper(m)

    def f(w):
        z = z0.copy()
        z[free] = w
        return deviance_at(m, z)

    def fg(w):
        # chain rule through the sd/cor -> theta map (its Jacobian by central differences:
        # cheap, it involves no deviance evaluations)
        z = z0.copy()
        z[free] = w
        val, gx = dev.value_and_grad(to_x(m, z))
        J = np.empty((nt, nt))
        for j in range(nt):
            e = np.zeros(nt)
            e[j] = 1e-7
            J[:, j] = (sdcor_to_theta(z[:nt] + e, m.layout) - sdcor_to_theta(z[:nt] - e, m.layout)) / 2e-7
        gz = np.concatenate([J.T @ gx[:nt], gx[nt:]])
        return val, gz[free]

    bounds = list(zip(lo[free], hi[free]))
    if dev.has_gradient:
        res = optimize.minimize(fg, z0[free], jac=True, method="L-BFGS-B", bounds=bounds)
    else:
        res = optimize.minimize(f, z0[free], method="L-BFGS-B", bounds=bounds)
    z = z0.copy()
    z[free] = res.x
    return float(res.fun), z

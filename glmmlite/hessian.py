"""Finite-difference Hessians of the deviance, for standard errors and checks."""
from __future__ import annotations

from typing import Callable

import numpy as np


def hessian_from_gradient(grad: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float = 1e-4,
                          g0: np.ndarray | None = None) -> np.ndarray:
    """Differences of an analytic gradient, symmetrized: forward differences from ``g0``
    (the gradient at x) when it is given, central differences otherwise."""
    x = np.asarray(x, float)
    k = x.size
    H = np.empty((k, k))
    for j in range(k):
        e = np.zeros(k)
        e[j] = h
        if g0 is not None:
            H[:, j] = (grad(x + e) - g0) / h
        else:
            H[:, j] = (grad(x + e) - grad(x - e)) / (2.0 * h)
    return 0.5 * (H + H.T)


def hessian_from_values(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-4):
    """Gradient and Hessian by central differences of f (lme4's ``deriv12``, step 1e-4).

    Returns
    -------
    gradient : ndarray (k,)
    hessian : ndarray (k, k)
    """
    x = np.asarray(x, float)
    k = x.size
    f0 = f(x)
    g = np.empty(k)
    H = np.empty((k, k))
    fp = np.empty(k)
    fm = np.empty(k)
    for i in range(k):
        e = np.zeros(k)
        e[i] = h
        fp[i] = f(x + e)
        fm[i] = f(x - e)
        g[i] = (fp[i] - fm[i]) / (2 * h)
        H[i, i] = (fp[i] - 2 * f0 + fm[i]) / (h * h)
    for i in range(k):
        for j in range(i):
            ei = np.zeros(k)
            ej = np.zeros(k)
            ei[i] = h
            ej[j] = h
            H[i, j] = H[j, i] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h * h)
    return g, H


def central_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Gradient by central differences (used where no analytic gradient exists)."""
    x = np.asarray(x, float)
    g = np.empty(x.size)
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = h * max(1.0, abs(x[i]))
        g[i] = (f(x + e) - f(x - e)) / (2 * e[i])
    return g


def vcov_from_hessian(H: np.ndarray, ntheta: int) -> tuple[np.ndarray | None, str]:
    """``2 * solve(H)[beta, beta]`` as lme4 1.1-31, or None with a note if H is not PD.

    When the full H is not positive definite (theta on its boundary makes it singular in
    that direction) the beta block alone is used if it is.
    """
    H = np.asarray(H, float)
    if not np.all(np.isfinite(H)):
        return None, ("the curvature (Hessian) of the deviance is not finite, so the standard errors are "
                      "computed with the random-effect SDs held at their estimates (lme4's use.hessian = "
                      "FALSE); they may be slightly too small")
    try:
        np.linalg.cholesky(H)
        Hinv = np.linalg.inv(H)
        V = 2.0 * Hinv[ntheta:, ntheta:]
        return 0.5 * (V + V.T), ""
    except np.linalg.LinAlgError:
        Hb = H[ntheta:, ntheta:]
        try:
            np.linalg.cholesky(Hb)
            V = 2.0 * np.linalg.inv(Hb)
            return 0.5 * (V + V.T), ""
        except np.linalg.LinAlgError:
            return None, ("the curvature (Hessian) of the deviance could not be measured reliably, so the "
                          "standard errors are computed with the random-effect SDs held at their estimates "
                          "(lme4's use.hessian = FALSE); they may be slightly too small")

"""The splines of profile intervals: the natural interpolating spline zeta(x) (R's
``interpSpline``) and its monotone inverse x(zeta) (R's ``splines::backSpline``), as lme4's
``confint.thpr`` uses them."""
from __future__ import annotations

from typing import Callable

import numpy as np
from scipy import interpolate

__all__ = ["BackSpline", "forward_spline"]


class BackSpline:
    """Monotone inverse of a natural interpolating spline (R's ``splines::backSpline``).

    Given knots ``x`` (increasing) with values ``z = f(x)`` (strictly increasing)
    and slopes ``dz = f'(x)`` of a natural cubic spline ``f``, this is the piecewise
    polynomial ``x(z)`` that interpolates the knots with slopes ``1 / f'``: cubic
    Hermite pieces inside, quadratic end pieces, exactly as R builds it.  Outside
    ``[z[0], z[-1]]`` it returns NaN (R's ``predict`` gives NA there, which
    ``confint`` turns into the parameter's bound).

    Parameters
    ----------
    x, z, dz : array_like
        Knots, spline values and spline slopes at the knots.

    Raises
    ------
    ValueError
        If ``x`` is not strictly increasing or ``z`` is not strictly increasing.
    """

    def __init__(self, x: np.ndarray, z: np.ndarray, dz: np.ndarray) -> None:
        x = np.asarray(x, float)
        z = np.asarray(z, float)
        dz = np.asarray(dz, float)
        nk = x.size
        kdiff = np.diff(x)
        adiff = np.diff(z)
        if nk < 2 or np.any(kdiff <= 0):
            raise ValueError("knot positions must be strictly increasing")
        if not np.all(adiff > 0):
            raise ValueError("spline must be monotone increasing")
        c = np.zeros((nk, 4))
        c[:, 0] = x
        with np.errstate(divide="ignore"):
            c[:, 1] = 1.0 / dz
        for i in range(nk - 1):
            a = adiff[i]
            A = np.array([[a * a, a ** 3], [2 * a, 3 * a * a]])
            b = np.array([kdiff[i] - a * c[i, 1], c[i + 1, 1] - c[i, 1]])
            c[i, 2:4] = np.linalg.solve(A, b)
        c[nk - 1, 1:4] = np.nan
        if nk > 2:
            c[0, 3] = 0.0
            c[nk - 2, 3] = 0.0
            a = adiff[0]
            c[0, 1:3] = np.linalg.solve(np.array([[a, a * a], [1.0, 2 * a]]), np.array([kdiff[0], 1.0 / dz[1]]))
            a = adiff[-1]
            c[nk - 2, 2] = (kdiff[-1] - a * c[nk - 2, 1]) / (a * a)
        if c[0, 2] > 0:
            c[0, 2] = 0.0
            c[0, 1] = kdiff[0] / adiff[0]
        if c[nk - 2, 2] < 0:
            c[nk - 2, 2] = 0.0
            c[nk - 2, 1] = kdiff[-1] / adiff[-1]
        self.knots = z
        self.coef = c

    def __call__(self, zeta: np.ndarray | float) -> np.ndarray:
        """Parameter values at ``zeta`` (NaN outside the knots)."""
        zq = np.atleast_1d(np.asarray(zeta, float))
        k = self.knots
        # interval i with k[i] < z <= k[i+1]; z == k[0] -> interval 0
        i = np.searchsorted(k, zq, side="left") - 1
        i = np.where(zq == k[0], 0, i)
        ok = (i >= 0) & (i < k.size - 1) & np.isfinite(zq)
        out = np.full(zq.shape, np.nan)
        ii = i[ok]
        d = zq[ok] - k[ii]
        c = self.coef[ii]
        out[ok] = c[:, 0] + d * (c[:, 1] + d * (c[:, 2] + d * c[:, 3]))
        return out if np.ndim(zeta) else out[0]


def forward_spline(x: np.ndarray, z: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Natural cubic interpolating spline z(x) (R's ``interpSpline``); linear for < 4 points."""
    if x.size >= 4:
        return interpolate.CubicSpline(x, z, bc_type="natural", extrapolate=True)
    if x.size >= 2:
        return lambda v: np.interp(v, x, z, left=np.nan, right=np.nan)
    return lambda v: np.full(np.shape(v), np.nan)

"""Polishing the ends of profile confidence intervals by direct re-optimization.

lme4's ``confint.thpr`` reads each interval end off the inverse interpolating spline of the
profile, x(zeta), at ``zeta = qnorm((1 -/+ level) / 2)``.  Where zeta is curved between two
profile points, as it is for a random-effect SD whose estimate is small, the spline's value
can be off by several tenths of a percent of the interval's width; a confidence interval
computed only as far as it needs (``confint(m)``: four zeta steps of ``qnorm / 4`` on each
side, twice as coarse as a full profile) shows it most (seed data ``y ~ trt + sex + (1|id)``:
the SD's lower 95% end read off the spline was 0.149296, the root of the profile 0.149598).

:func:`polish_end` starts from the spline's value and solves ``zeta(x) = target`` with the
other parameters re-optimized at each trial value: a safeguarded secant iteration inside the
bracket given by the profile points, stopping once ``|zeta - target| <= ZETA_TOL``.  The first
trial step uses the spline's slope; usually one or two re-optimizations per end suffice, and for
the fixed effects (whose zeta is nearly linear) the spline's value already passes.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Callable

import numpy as np

from ..errors import ProfileWarning, user_stacklevel
from .splines import BackSpline

__all__ = ["interval_ends", "polish_end", "ZETA_TOL", "MAX_REFITS"]

#: an end is accepted when its zeta is within this of the target: the end is then within
#: ZETA_TOL / (2 qnorm) = 3e-5 of the interval's width (at 95%) of the profile's root
ZETA_TOL = 1e-4
#: at most this many re-optimizations per end; then the best bracketed estimate is returned
MAX_REFITS = 6


def _start_at(value: float, xs: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Starting parameters at ``value``: linear interpolation of the profile points' vectors."""
    j = int(np.clip(np.searchsorted(xs, value), 1, xs.size - 1))
    a, b = xs[j - 1], xs[j]
    t = 0.0 if b == a else (value - a) / (b - a)
    return X[j - 1] + t * (X[j] - X[j - 1])


def polish_end(
    refit: Callable[[float, np.ndarray], tuple[float, np.ndarray]],
    xs: np.ndarray,
    zs: np.ndarray,
    X: np.ndarray,
    target: float,
    guess: float,
    slope: float,
    lo: float,
    hi: float,
) -> tuple[float, int]:
    """The root of ``zeta(x) = target`` near ``guess``, by re-optimization.

    Parameters
    ----------
    refit : callable (value, start) -> (zeta, params)
        zeta with the parameter fixed at ``value`` and the others re-optimized from ``start``.
    xs, zs, X : arrays
        The profile points (increasing values, their zeta, the full parameter vectors).
    target, guess, slope : float
        The zeta sought, the spline's x there and the spline's dzeta/dx at ``guess``.
    lo, hi : float
        The parameter's bounds.

    Returns
    -------
    (end, n_refits)
        The polished end (``guess`` again when a re-optimization fails) and the number of
        re-optimizations spent.
    """
    ok = np.isfinite(zs) & np.all(np.isfinite(X), axis=1)
    xs, zs, X = xs[ok], zs[ok], X[ok]
    # bracket [a, b] with z(a) < target < z(b) from the profile points
    below = zs < target
    if not below.any() or below.all() or xs.size < 2:
        return guess, 0
    a = float(xs[below].max())
    za = float(zs[below][np.argmax(xs[below])])
    above = ~below & (xs > a)
    if not above.any():
        return guess, 0
    b = float(xs[above].min())
    zb = float(zs[above][np.argmin(xs[above])])
    pts = np.column_stack([xs, zs])
    x = min(max(guess, a), b)
    prev: tuple[float, float] | None = None
    best = (math.inf, guess)
    n = 0
    while n < MAX_REFITS:
        z, par = refit(x, _start_at(x, pts[:, 0], X))
        n += 1
        if not math.isfinite(z):
            return guess, n
        if abs(z - target) < best[0]:
            best = (abs(z - target), x)
        if abs(z - target) <= ZETA_TOL:
            return x, n
        if z < target:
            a, za = x, z
        else:
            b, zb = x, z
        # the next trial: the spline's slope first, then the secant through the last two trials
        if prev is None:
            s = slope
        else:
            s = (z - prev[1]) / (x - prev[0]) if x != prev[0] else math.nan
        prev = (x, z)
        nxt = x + (target - z) / s if math.isfinite(s) and s > 0 else math.nan
        if not (a < nxt < b):                      # outside the bracket: regula falsi
            nxt = a + (target - za) * (b - a) / (zb - za)
        x = min(max(nxt, lo), hi)
        if x == prev[0]:
            break
    # out of refits: interpolate in the final bracket
    return float(min(max(a + (target - za) * (b - a) / (zb - za), lo), hi)), n


def interval_ends(pr: Any, name: str, zz: np.ndarray, polish: bool = False) -> np.ndarray:
    """The two ends of the profile interval of ``name`` at zeta values ``zz`` (lower, upper)
    from :class:`~glmmlite.inference.profile.Profile` ``pr`` (its ``_ends``)."""
    bak = pr._backward.get(name)
    pts = pr.points(name)
    x = pts[name].to_numpy()
    z = pts[".zeta"].to_numpy()
    ok = np.isfinite(z)
    x, z = x[ok], z[ok]
    if isinstance(bak, BackSpline):
        p = bak(zz)
    else:
        if x.size < 2 or np.all(np.isnan(z)):
            warnings.warn(f"bad profile for {name}: too few valid points", ProfileWarning,
                          stacklevel=user_stacklevel())
            return np.full(2, np.nan)
        if np.any(np.diff(z) < -1e-2):
            warnings.warn(f"non-monotonic profile for {name}: no interval", ProfileWarning,
                          stacklevel=user_stacklevel())
            return np.full(2, np.nan)
        warnings.warn(
            f"bad spline fit for {name}: falling back to linear interpolation", ProfileWarning,
            stacklevel=user_stacklevel()
        )
        zmono = np.maximum.accumulate(z)
        p = np.interp(zz, zmono, x, left=np.nan, right=np.nan)
    bounds = (pr.lower[name], pr.upper[name])
    reached = pr._reached.get(name, (False, False))
    for j in range(2):
        if polish and np.isfinite(p[j]) and (name in pr._refit or (name, float(zz[j])) in pr._polished):
            p[j] = _polished(pr, name, pts, float(zz[j]), float(p[j]), bounds)
        if np.isnan(p[j]):
            if reached[j] and np.isfinite(bounds[j]):
                p[j] = bounds[j]
            else:
                side = "lower" if j == 0 else "upper"
                warnings.warn(
                    f"the profile of {name} did not reach zeta = {zz[j]:+.3f} on the {side} side "
                    f"(it spans zeta {np.nanmin(z):.3f} to {np.nanmax(z):.3f}); the {side} end is NaN. "
                    "Profile further (larger cutoff/maxpts) to get it.",
                    ProfileWarning,
                    stacklevel=user_stacklevel(),
                )
    return p


def _polished(pr: Any, name: str, pts: Any, target: float, guess: float, bounds: tuple) -> float:
    """The polished end at ``target`` (cached on the profile: each costs re-optimizations)."""
    key = (name, target)
    if key not in pr._polished:
        fwd = pr._forward[name]
        slope = float(fwd(guess, 1)) if hasattr(fwd, "derivative") else math.nan
        cols = list(pr.estimates.index)
        end, n = polish_end(pr._refit[name], pts[name].to_numpy(), pts[".zeta"].to_numpy(),
                            pts[cols].to_numpy(float), target, guess, slope, *bounds)
        pr.n_refits += n
        pr._polished[key] = end
    return pr._polished[key]

"""Multiplicity adjustments of contrasts of marginal means, as emmeans makes them (df = Inf).

Each family (the contrasts of one ``by`` group) is adjusted on its own:

* ``"tukey"``: the studentized range distribution with infinite degrees of freedom for
  ``k`` means, ``p = P(Q_k > sqrt(2) |z|)``, and intervals ``est +- qtukey(level, k) / sqrt(2) SE``.
  Only for one set of pairwise comparisons, as in emmeans.  The p value is the upper tail
  integral ``k int phi(z) [Phi(z)^(k-1) - (Phi(z) - Phi(z - q))^(k-1)] dz``, written so that
  nothing cancels (:func:`ptukey_upper`): R's ``ptukey(lower.tail = FALSE)`` and scipy's
  ``studentized_range.sf`` both compute ``1 - P(Q <= q)``; they agree with this integral to
  2e-8 relative (R) and 1e-9 (scipy) for p > 1e-7 (k = 2 to 10), but lose the tail below (with 4 means at
  z = 10, R gives 3e-14 and scipy 0 for a true 9e-23; with 2 means the integral is the normal
  ``2 Phi(-z)`` to 1e-14).  The critical value is scipy's ``studentized_range.ppf`` with
  ``df = inf`` (R's ``qtukey`` to 1e-7 relative).
* ``"sidak"``: ``1 - (1 - p)^m`` for ``m`` contrasts; intervals at level ``level^(1/m)``.
* ``"bonferroni"``: ``m p``; intervals at ``1 - (1 - level) / m``.
* ``"holm"``: Holm's step-down p values; intervals Bonferroni's (emmeans does the same: Holm
  has no intervals of its own).
* ``"none"``.

:func:`p_adjust` is R's ``p.adjust`` for the methods it shares with these ("none", "holm",
"bonferroni").
"""
from __future__ import annotations

from typing import Any

import numpy as np
from scipy import integrate, special, stats

from .errors import ArgumentError

__all__ = ["p_adjust", "ADJUST_METHODS", "CONTRAST_ADJUST", "adjust_family", "ptukey_upper"]

#: methods of :func:`p_adjust` (R's ``p.adjust``)
ADJUST_METHODS = ("none", "holm", "bonferroni")
#: methods for contrasts of marginal means (``EMM.pairs`` / ``EMM.contrast``)
CONTRAST_ADJUST = ("tukey", "sidak", "bonferroni", "holm", "none")


def p_adjust(p: Any, method: str = "none", n: int | None = None) -> np.ndarray:
    """R's ``p.adjust(p, method, n)`` for "none", "holm" and "bonferroni".

    Parameters
    ----------
    p : array-like of float
        P values, each between 0 and 1 (NaN stays NaN).
    method : {"none", "holm", "bonferroni"}
    n : int, optional
        The number of tests (default: the p values that are not NaN, as R's).

    Returns
    -------
    ndarray: the adjusted p values, in the order of ``p``.
    """
    if not isinstance(method, str) or method not in ADJUST_METHODS:
        raise ArgumentError(f"adjust must be one of {', '.join(map(repr, ADJUST_METHODS))}, not {method!r}")
    p = _check_p(p)
    out = p.copy()
    ok = ~np.isnan(p)
    q = p[ok]                       # as R: NaN stays NaN and by default does not count in n
    k = q.size
    if n is None:
        n = k
    elif isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < k:
        raise ArgumentError(f"n must be a whole number of tests, at least the {k} p values given, not {n!r}")
    if method == "none" or k == 0:
        return out
    if method == "bonferroni":
        out[ok] = np.minimum(1.0, q * n)
        return out
    o = np.argsort(q, kind="stable")
    adj = np.empty(k)
    adj[o] = np.minimum(1.0, np.maximum.accumulate((n - np.arange(k)) * q[o]))
    out[ok] = adj
    return out


def _check_p(p: Any) -> np.ndarray:
    msg = f"p must be p values (numbers between 0 and 1), e.g. [0.01, 0.04, 0.3]; got {p!r}"
    try:
        raw = np.asarray(p)
    except (TypeError, ValueError):
        raise ArgumentError(msg) from None
    if raw.dtype.kind not in "fiuO":
        raise ArgumentError(msg)
    try:
        arr = raw.astype(float)
    except (TypeError, ValueError):
        raise ArgumentError(msg) from None
    if arr.ndim > 1:
        raise ArgumentError(f"p must be one-dimensional (a list or Series of p values), got shape {arr.shape}")
    arr = np.atleast_1d(arr)
    bad = arr[~np.isnan(arr) & ((arr < 0) | (arr > 1))]
    if bad.size:
        raise ArgumentError(f"p values must be between 0 and 1; got {bad[:5].tolist()}")
    return arr


def check_adjust(adjust: Any) -> str:
    """A method of :data:`CONTRAST_ADJUST`, else ArgumentError."""
    if not isinstance(adjust, str) or adjust not in CONTRAST_ADJUST:
        raise ArgumentError(f"adjust must be one of {', '.join(map(repr, CONTRAST_ADJUST))}, not {adjust!r}")
    return adjust


def ptukey_upper(q: float, k: int) -> float:
    """``P(Q_k > q)`` for the studentized range of ``k`` means with infinite df (R's
    ``ptukey(q, k, Inf, lower.tail = FALSE)``), accurate in the far tail too."""
    if not np.isfinite(q):
        return float("nan") if np.isnan(q) else 0.0
    if q <= 0:
        return 1.0

    def integrand(z: float) -> float:
        a = special.ndtr(z)
        if a == 0.0:
            return 0.0
        r = min(special.ndtr(z - q) / a, 1.0)            # Phi(z - q) <= Phi(z)
        lead = np.exp(-0.5 * z * z - 0.5 * np.log(2 * np.pi) + (k - 1) * np.log(a))
        return float(k * lead * -np.expm1((k - 1) * np.log1p(-r))) if r < 1 else float(k * lead)

    kw = dict(epsabs=0.0, epsrel=1e-10, limit=200)     # the integrand peaks near z = q / 2
    tail = integrate.quad(integrand, -np.inf, q / 2, **kw)[0] + integrate.quad(integrand, q / 2, np.inf, **kw)[0]
    return float(min(tail, 1.0))


def adjust_family(z: np.ndarray, adjust: str, level: float, n_means: int) -> tuple[np.ndarray, float]:
    """Adjusted p values and the critical value of the intervals for one family of contrasts.

    Parameters
    ----------
    z : ndarray
        The z ratios of the family's contrasts (NaN for a non-estimable one).
    adjust : str
        One of :data:`CONTRAST_ADJUST`.
    level : float
        Confidence level of the (simultaneous) intervals.
    n_means : int
        Number of means compared (Tukey's ``k``; used only by "tukey").

    Returns
    -------
    (p values, critical value): the interval is ``estimate +- critical * SE``.
    """
    z = np.asarray(z, float)
    m = z.size                         # emmeans counts a non-estimable contrast among the tests too
    p = 2 * special.ndtr(-np.abs(z))
    if adjust == "none" or m == 0 or (adjust == "tukey" and n_means <= 2):   # Tukey for 2 means is the normal
        return p, float(special.ndtri(0.5 + level / 2))
    if adjust == "tukey":
        k = int(n_means)
        pt = np.array([ptukey_upper(np.sqrt(2) * abs(v), k) for v in z])
        crit = stats.studentized_range.ppf(level, k, np.inf) / np.sqrt(2)
        return pt, float(crit)
    if adjust == "sidak":
        ps = -np.expm1(m * np.log1p(-np.minimum(p, 1.0)))
        return np.minimum(1.0, ps), float(special.ndtri(0.5 + level ** (1.0 / m) / 2))
    crit = float(special.ndtri(1 - (1 - level) / (2 * m)))   # bonferroni and holm
    return p_adjust(p, adjust, n=m), crit

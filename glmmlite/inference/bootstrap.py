"""Parametric bootstrap of a fitted GLMM (lme4's ``bootMer``) and bootstrap intervals.

Each bootstrap replicate simulates a new response from the fitted model
(``m.simulate``: new random effects, unless ``use_u=True``), refits the model to it
(``m.refit``) and records a statistic of the refit -- by default every parameter
on the sd/cor scale followed by the fixed effects, as ``confint(method="boot")``
uses.  Refits that fail are kept as NaN rows and counted; singular refits
(an SD at 0) and refits that did not converge are counted too.  A warning
summarizes the counts, and the :class:`BootResult` holds them.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd
from scipy import stats

from ..argcheck import takes_fit
from ..errors import ArgumentError, ConvergenceWarning, SingularFitWarning, user_stacklevel
from ..progress import progress_iter
from .levels import check_level, level_colnames

__all__ = ["bootstrap", "bootMer", "BootResult", "norm_inter", "BOOT_TYPES"]

BOOT_TYPES = ("perc", "basic", "norm")


def _default_statistic(fit: Any) -> pd.Series:
    return pd.Series(np.asarray(fit.params_sdcor(), float), index=list(fit.param_names_sdcor()))


def _is_singular(fit: Any) -> bool:
    f = getattr(fit, "is_singular", None)
    if callable(f):
        return bool(f())
    if f is not None:
        return bool(f)
    theta = np.asarray(getattr(fit, "theta", []), float)
    return bool(theta.size and np.any(np.abs(theta) < 1e-4))


def _did_converge(fit: Any) -> bool:
    conv = getattr(fit, "converged", True)
    msgs = getattr(fit, "messages", []) or []
    bad = [s for s in msgs if s and "singular" not in s.lower()]
    return bool(conv) and not bad


@dataclass
class BootResult:
    """The result of :func:`bootstrap` (R's ``boot`` object from ``bootMer``).

    Attributes
    ----------
    t0 : Series
        The statistic on the original fit.
    t : DataFrame
        One row per bootstrap replicate (NaN rows for failed refits).
    nsim : int
        Number of replicates.
    n_failed : int
        Refits that raised an error.
    n_singular : int
        Refits with a variance parameter on its boundary (an SD at 0).
    n_nonconverged : int
        Refits with convergence warnings.
    failed, singular, nonconverged : ndarray of bool
        Per replicate.
    errors : list of str
        The error messages of failed refits (at most 10 distinct).
    """

    t0: pd.Series
    t: pd.DataFrame
    nsim: int
    n_failed: int = 0
    n_singular: int = 0
    n_nonconverged: int = 0
    failed: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    singular: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    nonconverged: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    errors: list[str] = field(default_factory=list)

    def confint(self, level: float = 0.95, boot_type: str = "perc") -> pd.DataFrame:
        """Bootstrap confidence intervals for every statistic (R's ``boot.ci``).

        Parameters
        ----------
        level : float
            Confidence level in (0, 1).
        boot_type : {"perc", "basic", "norm"}
            "perc": percentiles of the replicates (interpolated on the normal
            quantile scale as R's ``boot`` does); "basic": ``2 * t0 - perc``;
            "norm": bias-corrected normal interval ``t0 - bias -/+ z * sd``.

        Returns
        -------
        DataFrame
            Rows = statistics, columns as R names them ("2.5 %", "97.5 %").
            Failed replicates are left out.
        """
        level = check_level(level)
        if boot_type not in BOOT_TYPES:
            raise ArgumentError(f"unknown boot_type {boot_type!r}; use one of " + ", ".join(map(repr, BOOT_TYPES)))
        alpha = np.array([(1 - level) / 2, (1 + level) / 2])
        rows = []
        for name in self.t.columns:
            tt = self.t[name].to_numpy(float)
            tt = tt[np.isfinite(tt)]
            t0 = float(self.t0[name])
            if tt.size < 2:
                rows.append([np.nan, np.nan])
                continue
            if boot_type == "perc":
                rows.append(list(norm_inter(tt, alpha)))
            elif boot_type == "basic":
                q = norm_inter(tt, alpha[::-1])
                rows.append(list(2 * t0 - q))
            else:
                bias = tt.mean() - t0
                merr = tt.std(ddof=1) * stats.norm.ppf((1 + level) / 2)
                rows.append([t0 - bias - merr, t0 - bias + merr])
        return pd.DataFrame(rows, index=self.t.columns, columns=level_colnames(level))

    def summary_text(self) -> str:
        """One line: how many refits failed, were singular or did not converge."""
        return (f"{self.nsim} bootstrap refits: {self.n_failed} failed, {self.n_singular} singular, "
                f"{self.n_nonconverged} with convergence warnings")

    def __repr__(self) -> str:
        return f"<BootResult: {self.summary_text()}; statistics {list(self.t.columns)}>"


def norm_inter(t: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Quantiles of bootstrap replicates as R's ``boot:::norm.inter``.

    The ``alpha`` quantile is the ``(R + 1) * alpha``-th order statistic; between
    order statistics it interpolates linearly on the normal-quantile scale; beyond
    the extremes it takes the smallest / largest replicate.
    """
    t = np.sort(np.asarray(t, float)[np.isfinite(t)])
    R = t.size
    alpha = np.atleast_1d(np.asarray(alpha, float))
    rk = (R + 1) * alpha
    k = np.trunc(rk).astype(int)
    out = np.empty(alpha.size)
    for j in range(alpha.size):
        if k[j] == rk[j] and 1 <= k[j] <= R:
            out[j] = t[k[j] - 1]
        elif k[j] <= 0:
            out[j] = t[0]
        elif k[j] >= R:
            out[j] = t[-1]
        else:
            tk = stats.norm.ppf(k[j] / (R + 1))
            tk1 = stats.norm.ppf((k[j] + 1) / (R + 1))
            ta = stats.norm.ppf(alpha[j])
            out[j] = t[k[j] - 1] + (ta - tk) / (tk1 - tk) * (t[k[j]] - t[k[j] - 1])
    return out


def _columns(sims: Any) -> list:
    from ..simulate import sim_columns     # one simulation per item (cbind: an n x 2 frame)
    return sim_columns(sims)


@takes_fit(protocol=("simulate", "refit"))   # any object with these two (duck typing)
def bootstrap(
    m: Any,
    func: Callable[[Any], Any] | None = None,
    nsim: int = 500,
    seed: int | np.random.Generator | None = None,
    use_u: bool = False,
    progress: bool | None = None,
    warn: bool = True,
    *,
    FUN: Callable[[Any], Any] | None = None,
) -> BootResult:
    """Parametric bootstrap of a fitted model (lme4's ``bootMer``).

    Parameters
    ----------
    m : GlmerResult
        The fitted model (uses ``m.simulate(nsim, seed, use_u)`` and ``m.refit(y)``).
    func : callable, optional
        Statistic of a fitted model, returning a number, an array or a Series.
        Default: all parameters on the sd/cor scale, then the fixed effects
        (``m.params_sdcor()`` named by ``m.param_names_sdcor()``).
    nsim : int
        Number of bootstrap replicates.
    seed : int or numpy Generator, optional
        Seed for the simulations (reproducible results).
    use_u : bool
        False (default, R's ``use.u = FALSE``): new random effects in each
        simulation.  True: condition on the fitted random effects.
    progress : bool or None
        Progress bar (None: only if the bootstrap takes more than a few seconds).
    warn : bool
        Issue a warning that summarizes failed / singular / non-converged refits.
    FUN : callable, optional
        R's name for ``func`` (give one of the two).

    Returns
    -------
    BootResult
        ``.t0``, ``.t`` (nsim rows), the failure counts and ``.confint()``.

    Examples
    --------
    >>> b = gl.bootstrap(m, nsim=200, seed=1)          # doctest: +SKIP
    >>> b.confint(level=0.95)                            # doctest: +SKIP
    >>> b.n_singular                                     # doctest: +SKIP
    """
    if isinstance(nsim, bool) or not isinstance(nsim, (int, np.integer)) or nsim < 1:
        raise ArgumentError(f"nsim must be a whole number >= 1, not {nsim!r}")
    nsim = int(nsim)
    if FUN is not None:
        if func is not None:
            raise ArgumentError("give the bootstrap statistic once: func= or R's FUN=, not both")
        func = FUN
    if func is not None and not callable(func):
        raise ArgumentError(f"func must be a function of a fitted model, not {func!r}")
    stat = func or _default_statistic

    def as_series(v: Any) -> pd.Series:
        if isinstance(v, pd.Series):
            return v.astype(float)
        arr = np.atleast_1d(np.asarray(v, float))
        return pd.Series(arr, index=[f"t{i + 1}" for i in range(arr.size)])

    t0 = as_series(stat(m))
    sims = m.simulate(nsim=nsim, seed=seed, use_u=use_u)
    cols = _columns(sims)
    out = np.full((nsim, t0.size), np.nan)
    failed = np.zeros(nsim, bool)
    singular = np.zeros(nsim, bool)
    nonconv = np.zeros(nsim, bool)
    errors: list[str] = []
    for i in progress_iter(range(nsim), total=nsim, desc="bootstrap", enabled=progress, unit="refit"):
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                fit = m.refit(np.asarray(cols[i]))
            s = as_series(stat(fit))
            if s.size != t0.size:
                raise ValueError(f"the statistic has {s.size} values, {t0.size} on the original fit")
            out[i] = s.to_numpy()
            singular[i] = _is_singular(fit) or any(issubclass(w.category, SingularFitWarning) for w in caught)
            nonconv[i] = (not _did_converge(fit)) or any(issubclass(w.category, ConvergenceWarning) for w in caught)
        except Exception as exc:  # a failed refit is a NaN row, as in lme4
            failed[i] = True
            msg = f"{type(exc).__name__}: {exc}"
            if msg not in errors and len(errors) < 10:
                errors.append(msg)
    res = BootResult(
        t0=t0,
        t=pd.DataFrame(out, columns=t0.index),
        nsim=nsim,
        n_failed=int(failed.sum()),
        n_singular=int(singular.sum()),
        n_nonconverged=int(nonconv.sum()),
        failed=failed,
        singular=singular,
        nonconverged=nonconv,
        errors=errors,
    )
    if warn and (res.n_failed or res.n_nonconverged):
        extra = f" First error: {errors[0]}" if errors else ""
        warnings.warn(res.summary_text() + "; failed refits are left out of the intervals." + extra,
                      ConvergenceWarning, stacklevel=user_stacklevel())
    elif warn and res.n_singular:
        warnings.warn(
            res.summary_text() + ". Singular refits put SD estimates at exactly 0, so an SD's "
            "bootstrap interval may start at 0.",
            SingularFitWarning,
            stacklevel=user_stacklevel(),
        )
    return res


#: lme4's name.
bootMer = bootstrap

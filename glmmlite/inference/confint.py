"""Confidence intervals for the parameters of a fitted GLMM (lme4's ``confint.merMod``).

Three methods, as in lme4:

* ``"profile"`` (the default): likelihood-profile intervals, from
  :func:`glmmlite.inference.profile.profile`; available for every parameter, and the only
  one that treats a random-effect SD near 0 properly (its lower end is then
  exactly 0).
* ``"Wald"``: estimate +/- z * SE from ``m.vcov()``; NaN for variance parameters
  (R's NA).
* ``"boot"``: parametric-bootstrap percentile intervals, from
  :func:`glmmlite.inference.bootstrap.bootstrap`.

Rows are named as lme4 names them with ``oldNames = FALSE``
(``sd_(Intercept)|id``, then the fixed effects); the columns are the tail
probabilities formatted as R does ("2.5 %", "97.5 %"; "5 %", "95 %" at 0.90).
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np
import pandas as pd
from scipy import stats

from ..argcheck import reject_unknown, takes_fit
from ..errors import ArgumentError
from .bootstrap import bootstrap
from .levels import check_level, level_colnames
from .parm import resolve_parm
from .profile import SDCOR_PROTOCOL, profile as _profile

__all__ = ["confint", "METHODS"]

METHODS = ("profile", "Wald", "boot")

#: the keyword arguments ``method="profile"`` passes on to :func:`~glmmlite.inference.profile.profile`
PROFILE_ARGS = tuple(p for p in inspect.signature(_profile).parameters if p not in ("m", "parm", "progress"))


def _match_method(method: Any) -> str:
    if isinstance(method, str):
        key = method.strip().lower()
        for mth in METHODS:
            if key and mth.lower().startswith(key):
                return mth
    raise ArgumentError(
        f"unknown method {method!r} for confint; use one of " + ", ".join(repr(s) for s in METHODS)
    )


def _reject(kwargs: dict, method: str, allowed: tuple[str, ...] = ()) -> None:
    """An ArgumentError naming keyword arguments that ``method`` would otherwise ignore."""
    reject_unknown(f"confint(method={method!r})", kwargs, allowed, who=f"method={method!r}")


def _wald(m: Any, idx: list[int], n_var: int, level: float) -> np.ndarray:
    z = stats.norm.ppf((1 + level) / 2)
    est = np.asarray(m.params_sdcor(), float)
    se = np.sqrt(np.diag(np.asarray(m.vcov(), float)))
    out = np.full((len(idx), 2), np.nan)
    for r, i in enumerate(idx):
        if i >= n_var:
            out[r] = est[i] - z * se[i - n_var], est[i] + z * se[i - n_var]
    return out


@takes_fit(protocol=SDCOR_PROTOCOL)
def confint(
    m: Any,
    parm: Any = None,
    level: float = 0.95,
    method: str = "profile",
    *,
    nsim: int = 500,
    seed: int | np.random.Generator | None = None,
    boot_type: str = "perc",
    use_u: bool = False,
    func: Callable[[Any], Any] | None = None,
    progress: bool | None = None,
    profile: Any = None,
    **profile_args: Any,
) -> pd.DataFrame:
    """Confidence intervals for the variance parameters and fixed effects.

    Parameters
    ----------
    m : GlmerResult
        The fitted model.
    parm : None, str, int or list
        Which parameters (default all): names as in ``m.param_names_sdcor()``
        (e.g. ``"sd_(Intercept)|id"``, ``"trttreat"``), ``"theta_"`` (all variance
        parameters), ``"beta_"`` (all fixed effects), or 0-based indices.  With a
        bootstrap ``func``: names or indices of its statistics.
    level : float
        Confidence level, strictly between 0 and 1.
    method : {"profile", "Wald", "boot"}
        How to compute the intervals (case-insensitive, may be abbreviated).
    nsim : int
        Number of bootstrap samples (``method="boot"``).
    seed : int or numpy Generator, optional
        Seed of the bootstrap simulations (``method="boot"``).
    boot_type : {"perc", "basic", "norm"}
        Bootstrap interval type (R's ``boot.type``).
    use_u : bool
        Bootstrap conditional on the fitted random effects (R's ``use.u``).
    func : callable, optional
        The bootstrap statistic (``method="boot"``; R's ``FUN``, which is accepted
        too): intervals for each of its values instead of the parameters.
    progress : bool or None
        Progress bar for the profile or the bootstrap (None: only if it is slow).
    profile : Profile, optional
        A profile already computed with :func:`glmmlite.inference.profile.profile`; it is
        reused instead of profiling again (``method="profile"``).
    **profile_args
        Passed to :func:`glmmlite.inference.profile.profile` (``alphamax``, ``cutoff``,
        ``delta``, ``delta_cutoff``, ``maxpts``, ``maxmult``, ``devtol``).

    Returns
    -------
    DataFrame
        One row per parameter, columns "2.5 %" and "97.5 %" (for ``level=0.95``).

    Raises
    ------
    ArgumentError
        For an unknown parameter name, a level outside (0, 1), an unknown method, or
        a keyword argument the method does not use.

    Notes
    -----
    The profile is computed only as far as needed for ``level`` (to
    ``|zeta| = qnorm((1 + level) / 2)`` plus one step, four steps on each side);
    call :func:`glmmlite.inference.profile.profile` for lme4's full profile.  Each end read off
    the profile's spline is then polished into the root of the profile by re-optimization (one
    or two refits per end; see :mod:`glmmlite.inference.endpoints`).

    Examples
    --------
    >>> gl.confint(m)                                  # doctest: +SKIP
    >>> np.exp(gl.confint(m, parm="beta_"))           # odds ratios  # doctest: +SKIP
    >>> gl.confint(m, method="Wald", level=0.90)       # doctest: +SKIP
    """
    level = check_level(level)
    method = _match_method(method)
    extra = dict(profile_args)
    if method == "boot" and "FUN" in extra:
        if func is not None:
            raise ArgumentError("give the bootstrap statistic once: func= or R's FUN=, not both")
        func = extra.pop("FUN")
    if func is not None and method != "boot":
        raise ArgumentError(f"func= is the statistic of method='boot'; confint(method={method!r}) has none")
    names = list(m.param_names_sdcor())
    n_var = len(names) - len(m.fixef)
    cols = level_colnames(level)

    if method == "boot":
        _reject(extra, method, ("nsim", "seed", "boot_type", "use_u", "func (or FUN)", "progress"))
        boot = bootstrap(m, func=func, nsim=nsim, seed=seed, use_u=use_u, progress=progress)
        full = boot.confint(level=level, boot_type=boot_type)
        stat_names = [str(s) for s in full.index]
        if func is None:
            sel = [names[i] for i in resolve_parm(parm, names, n_var)]
        else:
            sel = [stat_names[i] for i in resolve_parm(parm, stat_names, 0)]
        return pd.DataFrame(full.loc[sel].to_numpy(), index=pd.Index(sel), columns=cols)

    idx = resolve_parm(parm, names, n_var)
    sel = [names[i] for i in idx]
    if method == "Wald":
        _reject(extra, method)
        return pd.DataFrame(_wald(m, idx, n_var, level), index=pd.Index(sel), columns=cols)
    unknown = {k: v for k, v in extra.items() if k not in PROFILE_ARGS}
    _reject(unknown, method, PROFILE_ARGS + ("profile", "progress"))
    if profile is None:
        zq = float(stats.norm.ppf((1 + level) / 2))
        args = {"cutoff": zq, "delta": zq / 4}
        args.update(extra)
        profile = _profile(m, sel, progress=progress, **args)
    return profile.confint(sel, level)

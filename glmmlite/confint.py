"""Confidence intervals for the parameters of a fitted GLMM (lme4's ``confint.merMod``).

Three methods, as in lme4:

* ``"profile"`` (the default): likelihood-profile intervals, from
  :func:`glmmlite.profile.profile`; available for every parameter, and the only
  one that treats a random-effect SD near 0 properly (its lower end is then
  exactly 0).
* ``"Wald"``: estimate +/- z * SE from ``m.vcov()``; NaN for variance parameters
  (R's NA).
* ``"boot"``: parametric-bootstrap percentile intervals, from
  :func:`glmmlite.bootstrap.bootstrap`.

Rows are named as lme4 names them with ``oldNames = FALSE``
(``sd_(Intercept)|id``, then the fixed effects); the columns are the tail
probabilities formatted as R does ("2.5 %", "97.5 %"; "5 %", "95 %" at 0.90).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .errors import ArgumentError

__all__ = ["confint", "level_colnames", "check_level", "METHODS"]

METHODS = ("profile", "Wald", "boot")


def check_level(level: Any) -> float:
    """Return ``level`` as a float in (0, 1) or raise :class:`ArgumentError`."""
    try:
        lv = float(level)
    except (TypeError, ValueError):
        raise ArgumentError(f"level must be a number between 0 and 1, not {level!r}") from None
    if isinstance(level, bool) or not (0.0 < lv < 1.0) or math.isnan(lv):
        raise ArgumentError(f"level must be strictly between 0 and 1 (e.g. 0.95), not {level!r}")
    return lv


def _format_percent(values: list[float], digits: int = 3) -> list[str]:
    """R's ``format(x, digits = 3, scientific = FALSE, trim = TRUE)``, as ``format.perc`` uses it:
    the fewest decimals that show every number to ``digits`` significant digits, in fixed notation."""
    decs = 0
    for v in values:
        if v == 0 or not math.isfinite(v):
            continue
        e = math.floor(math.log10(abs(v)))
        full = round(v, digits - 1 - e)
        e2 = math.floor(math.log10(abs(full))) if full != 0 else e
        need = next((k for k in range(1, digits + 1) if round(full, k - 1 - e2) == full), digits)
        decs = max(decs, need - 1 - e2)
    return [f"{v:.{decs}f}" for v in values]


def level_colnames(level: float) -> list[str]:
    """Column names of an interval at ``level``, as R's ``format.perc`` ("2.5 %", "97.5 %")."""
    a = (1.0 - level) / 2.0
    lo, hi = _format_percent([100 * a, 100 * (1 - a)], 3)
    return [f"{lo} %", f"{hi} %"]


def _match_method(method: Any) -> str:
    if isinstance(method, str):
        key = method.strip().lower()
        for mth in METHODS:
            if key and mth.lower().startswith(key):
                return mth
    raise ArgumentError(
        f"unknown method {method!r} for confint; use one of " + ", ".join(repr(s) for s in METHODS)
    )


def _wald(m: Any, idx: list[int], names: list[str], n_var: int, level: float) -> np.ndarray:
    z = stats.norm.ppf((1 + level) / 2)
    est = np.asarray(m.params_sdcor(), float)
    se = np.sqrt(np.diag(np.asarray(m.vcov(), float)))
    out = np.full((len(idx), 2), np.nan)
    for r, i in enumerate(idx):
        if i >= n_var:
            out[r] = est[i] - z * se[i - n_var], est[i] + z * se[i - n_var]
    return out


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
        parameters), ``"beta_"`` (all fixed effects), or 0-based indices.
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
    progress : bool or None
        Progress bar for the profile or the bootstrap (None: only if it is slow).
    profile : Profile, optional
        A profile already computed with :func:`glmmlite.profile.profile`; it is
        reused instead of profiling again (``method="profile"``).
    **profile_args
        Passed to :func:`glmmlite.profile.profile` (e.g. ``maxpts``, ``devtol``).

    Returns
    -------
    DataFrame
        One row per parameter, columns "2.5 %" and "97.5 %" (for ``level=0.95``).

    Raises
    ------
    ArgumentError
        For an unknown parameter name, a level outside (0, 1) or an unknown method.

    Notes
    -----
    The profile is computed only as far as needed for ``level`` (to
    ``|zeta| = qnorm((1 + level) / 2)`` plus one step, four steps on each side);
    call :func:`glmmlite.profile.profile` for lme4's full profile.

    Examples
    --------
    >>> gl.confint(m)                                  # doctest: +SKIP
    >>> np.exp(gl.confint(m, parm="beta_"))           # odds ratios  # doctest: +SKIP
    >>> gl.confint(m, method="Wald", level=0.90)       # doctest: +SKIP
    """
    from .profile import profile as _profile
    from .profile import resolve_parm

    level = check_level(level)
    method = _match_method(method)
    names = list(m.param_names_sdcor())
    n_var = len(names) - len(m.fixef)
    idx = resolve_parm(parm, names, n_var)
    sel = [names[i] for i in idx]
    cols = level_colnames(level)

    if method == "Wald":
        vals = _wald(m, idx, names, n_var, level)
    elif method == "profile":
        if profile is None:
            zq = float(stats.norm.ppf((1 + level) / 2))
            args = {"cutoff": zq, "delta": zq / 4}
            args.update(profile_args)
            profile = _profile(m, sel, progress=progress, **args)
        return profile.confint(sel, level)
    else:  # boot
        from .bootstrap import bootstrap

        boot = bootstrap(m, nsim=nsim, seed=seed, use_u=use_u, progress=progress)
        full = boot.confint(level=level, boot_type=boot_type)
        vals = full.loc[sel].to_numpy()
    return pd.DataFrame(vals, index=pd.Index(sel), columns=cols)

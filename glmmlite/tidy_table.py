"""Tidy tables (broom.mixed's ``tidy``), statsmodels-style intervals, and the intraclass
correlation on the latent scale (performance's ``icc``)."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from .argcheck import check_bool, takes_fit
from .errors import ArgumentError

__all__ = ["tidy", "conf_int_sm", "icc", "EFFECTS"]

EFFECTS = ("fixed", "ran_pars", "ran_vals", "ran_coefs")
_COLS = ["effect", "group", "level", "term", "estimate", "std.error", "statistic", "p.value"]


def _effects(effects: Any) -> list[str]:
    if effects is None:
        return ["fixed", "ran_pars"]
    eff = [effects] if isinstance(effects, str) else list(effects)
    bad = [e for e in eff if e not in EFFECTS]
    if bad:
        raise ArgumentError(f"effects must be among {', '.join(map(repr, EFFECTS))}; got {bad}")
    return eff


@takes_fit
def tidy(m: Any, effects: Any = ("fixed", "ran_pars"), conf_int: bool = False, conf_level: float = 0.95,
         conf_method: str = "Wald", exponentiate: bool = False, **confint_kwargs) -> pd.DataFrame:
    """One row per estimate, as broom.mixed's ``tidy(m, effects, conf.int, conf.method, exponentiate)``.

    Parameters
    ----------
    effects : str or list
        "fixed" (fixed effects), "ran_pars" (random-effect SDs and correlations, named as
        broom.mixed: ``sd__(Intercept)``, ``cor__(Intercept).x``), "ran_vals" (conditional modes
        with their conditional SDs), "ran_coefs" (fixed + random per level, R's ``coef(m)``).
    conf_int : bool
        Add ``conf.low`` and ``conf.high``.
    conf_level : float
    conf_method : {"Wald", "profile", "boot"}
        Intervals of fixed effects and ran_pars (Wald gives none for ran_pars, as broom.mixed);
        ran_vals get ``estimate -/+ z * std.error``.
    exponentiate : bool
        Fixed effects (and their intervals) as odds ratios; ``std.error`` becomes
        ``exp(estimate) * std.error`` (delta method).
    **confint_kwargs
        Passed to ``m.confint`` (``nsim``, ``seed`` for ``"boot"``).

    Returns
    -------
    DataFrame with broom.mixed's columns: effect, group, level (ran_vals/ran_coefs only), term,
    estimate, std.error, statistic, p.value[, conf.low, conf.high].
    """
    from .prediction_se import check_level
    eff = _effects(effects)
    conf_level = check_level(conf_level)
    conf_int = check_bool(conf_int, "conf_int", "add confidence intervals")
    exponentiate = check_bool(exponentiate, "exponentiate", "odds ratios")
    if conf_method not in ("Wald", "profile", "boot"):
        raise ArgumentError(f"conf_method must be 'Wald', 'profile' or 'boot', not {conf_method!r}")
    z = special.ndtri(0.5 + conf_level / 2)
    parts = []
    ci = None
    if conf_int and conf_method != "Wald" and ({"fixed", "ran_pars"} & set(eff)):
        ci = m.confint(level=conf_level, method=conf_method, **confint_kwargs)
    if "fixed" in eff:
        ct = m.coef_table()
        df = pd.DataFrame({"effect": "fixed", "group": None, "level": None, "term": ct.index,
                           "estimate": ct["Estimate"].to_numpy(), "std.error": ct["Std. Error"].to_numpy(),
                           "statistic": ct["z value"].to_numpy(), "p.value": ct["Pr(>|z|)"].to_numpy()})
        if conf_int:
            if ci is None:
                df["conf.low"] = df["estimate"] - z * df["std.error"]
                df["conf.high"] = df["estimate"] + z * df["std.error"]
            else:
                df["conf.low"] = ci.loc[list(ct.index)].iloc[:, 0].to_numpy()
                df["conf.high"] = ci.loc[list(ct.index)].iloc[:, 1].to_numpy()
        if exponentiate:
            e = np.exp(df["estimate"])
            df["std.error"] = e * df["std.error"]
            df["estimate"] = e
            if conf_int:
                df["conf.low"], df["conf.high"] = np.exp(df["conf.low"]), np.exp(df["conf.high"])
        parts.append(df)
    if "ran_pars" in eff:
        names = m.param_names_sdcor()[:m.ntheta]
        vals = m.params_sdcor()[:m.ntheta]
        rows = []
        for nm, v in zip(names, vals):
            kind, rest = nm.split("_", 1)
            term, group = rest.rsplit("|", 1)
            rows.append({"effect": "ran_pars", "group": group, "level": None,
                         "term": f"{kind}__{term}", "estimate": float(v), "std.error": np.nan,
                         "statistic": np.nan, "p.value": np.nan, "_name": nm})
        df = pd.DataFrame(rows)
        if conf_int:
            if ci is None:
                df["conf.low"] = np.nan
                df["conf.high"] = np.nan
            else:
                lookup = {}
                for nm in df["_name"]:
                    for key in (nm, nm.replace("sd_", ".sig", 1)):
                        if key in ci.index:
                            lookup[nm] = ci.loc[key]
                            break
                df["conf.low"] = [lookup[n].iloc[0] if n in lookup else np.nan for n in df["_name"]]
                df["conf.high"] = [lookup[n].iloc[1] if n in lookup else np.nan for n in df["_name"]]
        parts.append(df.drop(columns="_name"))
    if "ran_vals" in eff:
        from .ranef_plot import ranef_intervals
        r = ranef_intervals(m, conf_level)
        df = pd.DataFrame({"effect": "ran_vals", "group": r["group"], "level": r["level"], "term": r["term"],
                           "estimate": r["condval"], "std.error": r["condsd"], "statistic": np.nan, "p.value": np.nan})
        if conf_int:
            df["conf.low"], df["conf.high"] = r["lower"].to_numpy(), r["upper"].to_numpy()
        parts.append(df)
    if "ran_coefs" in eff:
        from .ranef_plot import coef_by_group
        for g, c in coef_by_group(m).items():
            long = c.reset_index().melt(id_vars=c.index.name or "index", var_name="term", value_name="estimate")
            long = long.rename(columns={c.index.name or "index": "level"})
            df = pd.DataFrame({"effect": "ran_coefs", "group": g, "level": long["level"].astype(str),
                               "term": long["term"], "estimate": long["estimate"], "std.error": np.nan,
                               "statistic": np.nan, "p.value": np.nan})
            if conf_int:
                df["conf.low"], df["conf.high"] = np.nan, np.nan
            parts.append(df)
    out = pd.concat(parts, ignore_index=True)
    if not ({"ran_vals", "ran_coefs"} & set(eff)):
        out = out.drop(columns="level")
    return out


def conf_int_sm(m: Any, alpha: float = 0.05) -> pd.DataFrame:
    """statsmodels' ``conf_int(alpha)``: Wald intervals, columns 0 and 1."""
    if not isinstance(alpha, (int, float)) or isinstance(alpha, bool) or not 0 < alpha < 1:
        raise ArgumentError(f"alpha must be a number in (0, 1), not {alpha!r}")
    z = special.ndtri(1 - alpha / 2)
    est, se = m.fixef, m.bse
    return pd.DataFrame({0: est - z * se, 1: est + z * se}, index=est.index)


def _latent_var(m: Any) -> float:
    link = m.family.link
    if link == "logit":
        return np.pi ** 2 / 3
    if link == "probit":
        return 1.0
    if link == "cloglog":
        return np.pi ** 2 / 6
    raise ArgumentError(f"icc: no latent-scale residual variance for the {link!r} link")


def _icc_value(m: Any) -> float:
    """Random-intercept variances summed over terms, over that plus the latent residual variance."""
    var = 0.0
    found = False
    for term, T in zip(m.frame.random, m.layout.factors(m.theta)):
        if "(Intercept)" in term.names:
            S = T @ T.T
            j = list(term.names).index("(Intercept)")
            var += float(S[j, j])
            found = True
    if not found:
        raise ArgumentError("icc needs a random intercept, e.g. (1|id); this model has none")
    return var / (var + _latent_var(m))


@takes_fit
def icc(m: Any, boot: bool = False, nsim: int = 200, seed=None, level: float = 0.95,
        progress: bool | None = None) -> pd.Series | pd.DataFrame:
    """Intraclass correlation on the latent scale: ``sigma_u^2 / (sigma_u^2 + pi^2 / 3)`` for
    the logit link (1 for probit), as performance's ``icc`` ("adjusted ICC"); with several
    random-intercept terms their variances are summed.

    With ``boot=True`` a parametric-bootstrap percentile interval (``nsim`` refits via
    :func:`glmmlite.bootMer`) is added: returns a one-row DataFrame ``icc``, ``lower``, ``upper``.
    """
    from .prediction_se import check_level
    level = check_level(level)
    boot = check_bool(boot, "boot", "add a bootstrap interval, nsim refits")
    value = _icc_value(m)
    if not boot:
        return pd.Series({"icc": value})
    from .inference.bootstrap import bootMer, norm_inter

    bt = bootMer(m, lambda f: pd.Series({"icc": _icc_value(f)}), nsim=nsim, seed=seed, progress=progress, warn=False)
    t = bt.t["icc"].to_numpy(float)
    t = t[np.isfinite(t)]
    lo, hi = norm_inter(t, np.array([(1 - level) / 2, (1 + level) / 2]))
    return pd.DataFrame({"icc": [value], "lower": [lo], "upper": [hi], "nsim": [t.size]})

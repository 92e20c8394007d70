"""Random effects you can look at: per-group coefficients (R's ``coef(m)``) and caterpillar plots
of the conditional modes with intervals from the conditional variances (lme4's
``dotplot(ranef(m, condVar = TRUE))``)."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from .argcheck import takes_fit
from .errors import ArgumentError

__all__ = ["coef_by_group", "ranef_intervals", "plot_ranef"]


@takes_fit
def coef_by_group(m: Any) -> dict[str, pd.DataFrame]:
    """R's ``coef(m)``: for each grouping factor, one row per level with every fixed effect,
    plus that level's random effect where the factor has one (``(Intercept)`` of group j =
    fixed intercept + b_j)."""
    fe = m.fixef
    out: dict[str, pd.DataFrame] = {}
    for g, re in m.ranef().items():
        df = pd.DataFrame(np.tile(fe.to_numpy(), (len(re), 1)), index=re.index, columns=list(fe.index))
        for c in re.columns:
            if c in df.columns:
                df[c] = df[c] + re[c]
            else:                    # a random slope of a variable that is not a fixed effect
                df[c] = re[c]
        out[g] = df
    return out


@takes_fit
def ranef_intervals(m: Any, level: float = 0.95) -> pd.DataFrame:
    """Long table of conditional modes with ``level`` intervals from the conditional SDs:
    columns ``group``, ``term``, ``level``, ``condval``, ``condsd``, ``lower``, ``upper``
    (as R's ``as.data.frame(ranef(m, condVar = TRUE))`` plus the interval)."""
    from .prediction_se import check_level
    level = check_level(level)
    z = special.ndtri(0.5 + level / 2)
    rows = []
    for g, df in m.ranef(cond_var=True).items():
        terms = [c for c in df.columns if not c.startswith(("condVar_", "condCov_"))]
        for t in terms:
            sd = np.sqrt(df[f"condVar_{t}"].to_numpy())
            v = df[t].to_numpy()
            rows.append(pd.DataFrame({"group": g, "term": t, "level": df.index.astype(str), "condval": v,
                                      "condsd": sd, "lower": v - z * sd, "upper": v + z * sd}))
    return pd.concat(rows, ignore_index=True)


@takes_fit
def plot_ranef(m: Any, group: str | None = None, term: str | None = None, level: float = 0.95,
               label: bool | None = None, highlight: bool = True, ax=None):
    """Caterpillar plot: conditional modes ordered, with ``level`` intervals, one panel per term.

    Parameters
    ----------
    m : GlmerResult
    group, term : str, optional
        Restrict to one grouping factor / one term column (default: every one).
    level : float
    label : bool, optional
        Write the level names on the axis (default: only with 60 levels or fewer; with 250
        groups the plot shows the ranks, and ``highlight`` marks the levels whose interval
        excludes 0 in red).
    highlight : bool
    ax : matplotlib Axes, optional (only for a single panel)

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt
    tab = ranef_intervals(m, level)
    if group is not None:
        if group not in set(tab["group"]):
            raise ArgumentError(f"group {group!r} is not a grouping factor of the model; known: {sorted(set(tab['group']))}")
        tab = tab[tab["group"] == group]
    if term is not None:
        if term not in set(tab["term"]):
            raise ArgumentError(f"term {term!r} is not a random-effect column; known: {sorted(set(tab['term']))}")
        tab = tab[tab["term"] == term]
    panels = list(dict.fromkeys(zip(tab["group"], tab["term"])))
    if ax is not None and len(panels) > 1:
        raise ArgumentError("ax= is for a single panel: choose one group and term")
    if ax is None:
        nmax = max(int(np.sum((tab["group"] == g) & (tab["term"] == t))) for g, t in panels)
        height = min(12.0, max(3.0, 0.16 * nmax if nmax <= 60 else 6.0))
        fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), height), squeeze=False)
        axes = axes[0]
    else:
        fig, axes = ax.figure, [ax]
    for a, (g, t) in zip(axes, panels):
        d = tab[(tab["group"] == g) & (tab["term"] == t)].sort_values("condval").reset_index(drop=True)
        n = len(d)
        y = np.arange(n)
        show = label if label is not None else n <= 60
        out = (d["lower"] > 0) | (d["upper"] < 0)
        col = np.where(out & highlight, "C3", "C0")
        lw = 1.0 if n <= 60 else 0.6
        a.hlines(y, d["lower"], d["upper"], colors=col, lw=lw, alpha=0.8)
        a.scatter(d["condval"], y, s=12 if n <= 60 else 4, c=col, zorder=3)
        a.axvline(0, color="grey", lw=0.8)
        if show:
            a.set_yticks(y)
            a.set_yticklabels(d["level"], fontsize=7 if n > 25 else 9)
        else:
            a.set_ylabel(f"{g} (ordered; {int(out.sum())} of {n} intervals exclude 0)")
        a.set_ylim(-1, n)
        a.set_xlabel(f"{t}: conditional mode, {100 * level:g}% interval")
        a.set_title(f"{g}: {t}", fontsize=10)
    fig.tight_layout()
    return fig

"""Figures for fitted models: the simulation check and the likelihood profile.

:func:`plot_simulated` is the article's check of a fitted model: the observed
proportion of successes in each group (e.g. treatment x sex) as a large point,
against the same proportion in ``nsim`` data sets simulated from the model
(jittered open circles).  If the model describes the data, the observed points
sit inside the clouds.

:func:`plot_profile` draws the profile zeta curves of :class:`~glmmlite.inference.profile.Profile`
(lme4's ``xyplot(profile(m))``).
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .argcheck import takes_fit, takes_profile
from .errors import ArgumentError
from .inference.parm import n_variance, resolve_parm

__all__ = ["plot_simulated", "simulated_proportions", "plot_profile"]


# ----------------------------------------------------------------- helpers
def _levels(col: pd.Series) -> list:
    if isinstance(col.dtype, pd.CategoricalDtype):
        present = set(col.dropna().unique())
        return [c for c in col.cat.categories if c in present]
    vals = col.dropna().unique()
    try:
        return sorted(vals)
    except TypeError:
        return sorted(vals, key=str)


def _as_proportion(values: Any, frame: Any) -> np.ndarray:
    """A simulated (or observed) response column as proportions of successes."""
    kind = getattr(getattr(frame, "response", None), "kind", "binary")
    v = values
    if isinstance(v, pd.Series) and isinstance(v.dtype, pd.CategoricalDtype):
        return (v.cat.codes.to_numpy() == 1).astype(float)
    arr = np.asarray(v)
    if kind == "factor" or arr.dtype.kind in "OUS":
        levels = list(getattr(frame.response, "levels", None) or [])
        if len(levels) == 2:
            return (arr == levels[1]).astype(float)
        raise ArgumentError("cannot turn a non-numeric simulated response into proportions")
    arr = arr.astype(float)
    if arr.ndim == 2:                       # cbind simulation: (successes, failures)
        arr = arr[:, 0]
    if kind == "cbind":
        w = np.asarray(frame.weights, float)
        return np.where(w > 0, arr / np.where(w > 0, w, 1.0), 0.0)
    return arr


def _check_by(m: Any, by: Any) -> list[str]:
    if isinstance(by, str):
        by = [by]
    by = list(by)
    if not 1 <= len(by) <= 2:
        raise ArgumentError(f"by must name one or two columns (x axis, then facets), got {by!r}")
    cols = list(m.frame.data.columns)
    bad = [b for b in by if b not in cols]
    if bad:
        raise ArgumentError(
            f"by column(s) {bad} not in the model's data; available columns: " + ", ".join(map(repr, cols))
        )
    return by


@takes_fit
def simulated_proportions(
    m: Any,
    by: Sequence[str] | str = ("trt", "sex"),
    nsim: int = 100,
    seed: int | np.random.Generator | None = None,
    sims: pd.DataFrame | None = None,
    use_u: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Observed and simulated proportions of successes per group.

    Parameters
    ----------
    m : GlmerResult
        The fitted model.
    by : str or sequence of str
        One or two columns of the model's data defining the groups.
    nsim : int
        Number of simulated data sets (ignored when ``sims`` is given).
    seed : int or Generator, optional
        Seed for ``m.simulate``.
    sims : DataFrame, optional
        Responses already simulated with ``m.simulate`` (one column per data set).
    use_u : bool
        Simulate conditional on the fitted random effects.

    Returns
    -------
    observed : DataFrame
        Columns ``by``, ``proportion`` and ``n`` (number of trials in the group).
    simulated : DataFrame
        Long table: columns ``by``, ``sim`` (1..nsim) and ``proportion``.
    """
    by = _check_by(m, by)
    fr = m.frame
    data = fr.data
    w = np.asarray(fr.weights, float)
    y = np.asarray(fr.y, float)
    if sims is None:
        sims = m.simulate(nsim=nsim, seed=seed, use_u=use_u)
    from .simulate import sim_columns      # one simulation per item (cbind: an n x 2 frame)
    cols = sim_columns(sims)
    keys = data[by].reset_index(drop=True)
    codes, uniques = pd.MultiIndex.from_frame(keys.astype(object)).factorize()
    ng = len(uniques)
    wsum = np.bincount(codes, w, ng)
    obs = pd.DataFrame(list(uniques), columns=by)
    with np.errstate(invalid="ignore", divide="ignore"):
        obs["proportion"] = np.bincount(codes, w * y, ng) / wsum
    obs["n"] = wsum
    P = np.empty((len(cols), ng))
    for s, c in enumerate(cols):
        P[s] = np.bincount(codes, w * _as_proportion(c, fr), ng) / wsum
    sim = pd.DataFrame(
        {**{b: np.tile(obs[b].to_numpy(), len(cols)) for b in by},
         "sim": np.repeat(np.arange(1, len(cols) + 1), ng),
         "proportion": P.ravel()}
    )
    # order the groups as the levels sort
    order_cols = []
    for b in by:
        lev = _levels(data[b])
        obs[b] = pd.Categorical(obs[b], categories=lev)
        sim[b] = pd.Categorical(sim[b], categories=lev)
        order_cols.append(b)
    obs = obs.sort_values(order_cols[::-1]).reset_index(drop=True)
    sim = sim.sort_values(["sim", *order_cols[::-1]]).reset_index(drop=True)
    return obs, sim


def _response_label(m: Any) -> str:
    resp = getattr(getattr(m.frame, "response", None), "name", None)
    kind = getattr(getattr(m.frame, "response", None), "kind", "binary")
    if kind == "cbind" or not resp:
        return "Proportion of successes"
    if kind == "factor":
        levels = getattr(m.frame.response, "levels", None) or ["", "success"]
        return f"Proportion {resp} = {levels[1]}"
    if kind == "proportion":
        return f"Mean {resp} (weighted)"
    return f"Proportion {resp} = 1"


# ----------------------------------------------------------- plot_simulated
@takes_fit
def plot_simulated(
    m: Any,
    by: Sequence[str] | str = ("trt", "sex"),
    nsim: int = 100,
    seed: int | np.random.Generator | None = None,
    ax: Any = None,
    sims: pd.DataFrame | None = None,
    *,
    use_u: bool = False,
    jitter: float = 0.18,
    palette: Any = "colorblind",
    title: str | None = None,
):
    """The simulation check: observed vs simulated proportions per group.

    Parameters
    ----------
    m : GlmerResult
        The fitted model.
    by : str or sequence of one or two str
        Grouping columns of the model's data.  The first is the x axis; the second,
        if any, makes one panel per level.
    nsim : int
        Number of data sets to simulate (``m.simulate(nsim, seed)``).
    seed : int or Generator, optional
        Seed of the simulations (the jitter is always reproducible).
    ax : matplotlib Axes or sequence of Axes, optional
        Where to draw: one Axes for a single ``by`` column, one per level of the
        second column otherwise.  By default a new figure is made.
    sims : DataFrame, optional
        Already simulated responses (then ``nsim`` and ``seed`` are ignored).
    use_u : bool
        Simulate conditional on the fitted random effects.
    jitter : float
        Half-width of the horizontal jitter of the simulated points.
    palette : str or list
        A seaborn palette; one colour per level of the x variable.
    title : str, optional
        Figure title (default: "Observed vs simulated proportions").

    Returns
    -------
    matplotlib.figure.Figure
        The figure; ``fig.axes`` holds the panels and ``fig.glmmlite_data`` the
        ``(observed, simulated)`` tables that were drawn.

    Examples
    --------
    >>> fig = gl.plot_simulated(m, by=["trt", "sex"], nsim=100, seed=1)   # doctest: +SKIP
    """
    import matplotlib.pyplot as plt
    import seaborn as sns
    from matplotlib.lines import Line2D

    by = _check_by(m, by)
    obs, sim = simulated_proportions(m, by, nsim=nsim, seed=seed, sims=sims, use_u=use_u)
    nsims = int(sim["sim"].max()) if len(sim) else 0
    xvar = by[0]
    xlev = list(obs[xvar].cat.categories)
    fvar = by[1] if len(by) == 2 else None
    flev = list(obs[fvar].cat.categories) if fvar else [None]
    colors = dict(zip(xlev, sns.color_palette(palette, n_colors=max(len(xlev), 1))))

    # axes
    if ax is None:
        width = min(3.6 * len(flev) + 1.0, 16)
        fig, axes = plt.subplots(1, len(flev), figsize=(width, 4.4), sharey=True, squeeze=False,
                                 layout="constrained")
        axes = list(axes.ravel())
    else:
        axes = list(np.ravel(np.asarray(ax, dtype=object)))
        if len(axes) != len(flev):
            raise ArgumentError(
                f"ax must hold {len(flev)} Axes (one per level of {fvar!r}), got {len(axes)}"
                if fvar else f"ax must be a single Axes, got {len(axes)}"
            )
        fig = axes[0].figure

    rng = np.random.default_rng(20240611)  # reproducible jitter, independent of the simulation seed
    for a, fl in zip(axes, flev):
        so = sim if fl is None else sim[sim[fvar] == fl]
        oo = obs if fl is None else obs[obs[fvar] == fl]
        for i, xl in enumerate(xlev):
            pts = so.loc[so[xvar] == xl, "proportion"].to_numpy()
            xj = i + rng.uniform(-jitter, jitter, pts.size)
            a.scatter(xj, pts, s=22, facecolors="none", edgecolors=[colors[xl]], linewidths=0.9, alpha=0.55,
                      zorder=2)
            ov = oo.loc[oo[xvar] == xl, "proportion"].to_numpy()
            if ov.size:
                a.scatter([i], ov, s=150, marker="D", color=colors[xl], edgecolors="black", linewidths=1.4,
                          zorder=4)
        a.set_xticks(range(len(xlev)), [str(v) for v in xlev])
        a.set_xlim(-0.6, len(xlev) - 0.4)
        a.set_xlabel(xvar)
        a.grid(axis="y", alpha=0.3)
        if fl is not None:
            a.set_title(f"{fvar} = {fl}")
        sns.despine(ax=a)
    axes[0].set_ylabel(_response_label(m))
    handles = [
        Line2D([], [], marker="D", linestyle="", markersize=10, markerfacecolor="0.55", markeredgecolor="black",
               label="observed"),
        Line2D([], [], marker="o", linestyle="", markersize=6, markerfacecolor="none", markeredgecolor="0.45",
               label=f"simulated ({nsims} data sets)"),
    ]
    axes[-1].legend(handles=handles, loc="best", frameon=False, fontsize="small")
    if ax is None:
        formula = getattr(m, "formula", "")
        fig.suptitle(title or "Observed vs simulated proportions", fontweight="bold")
        if formula:
            fig.supxlabel(f"simulated from {formula}", fontsize="small", color="0.35")
    elif title:
        axes[0].set_title(title if fl is None else f"{title}\n{axes[0].get_title()}")
    fig.glmmlite_data = (obs, sim)
    return fig


# ------------------------------------------------------------- plot_profile
@takes_profile
def plot_profile(
    prof: Any,
    parm: Any = None,
    *,
    absval: bool = False,
    conf: Sequence[float] = (0.5, 0.8, 0.9, 0.95, 0.99),
    ncols: int | None = None,
):
    """Profile zeta plots, one panel per parameter (lme4's ``xyplot(profile(m))``).

    Parameters
    ----------
    prof : Profile
        From :func:`glmmlite.profile`.
    parm : None, str, int or list
        Which profiled parameters to draw (default all).
    absval : bool
        Plot ``|zeta|`` (lme4's ``absVal = TRUE``).
    conf : sequence of float
        Confidence levels marked by horizontal reference lines and interval segments.
    ncols : int, optional
        Panels per row (default: up to 3).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from scipy import stats

    names_all = list(prof.estimates.index)
    prof_names = prof.parameters
    if parm is None:
        names = prof_names
    else:
        idx = resolve_parm(parm, names_all, n_variance(names_all))
        names = [names_all[i] for i in idx if names_all[i] in prof_names]
    n = len(names)
    ncols = ncols or min(3, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.4 * ncols, 3.0 * nrows), squeeze=False,
                             layout="constrained")
    zlev = np.array(sorted(stats.norm.ppf((1 + np.asarray(conf)) / 2)))
    for k, name in enumerate(names):
        a = axes.ravel()[k]
        pts = prof.points(name)
        x = pts[name].to_numpy()
        z = pts[".zeta"].to_numpy()
        ok = np.isfinite(z)
        grid = np.linspace(x[ok].min(), x[ok].max(), 201)
        zz = prof.zeta(name, grid)
        f = np.abs if absval else (lambda v: v)
        a.plot(grid, f(zz), color="C0", lw=1.5)
        a.plot(x[ok], f(z[ok]), "o", ms=3, color="C0")
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for lv, zl in zip(sorted(conf), zlev):
                ci = prof._ends(name, np.array([-zl, zl])) if name in prof._backward else [np.nan, np.nan]
                for j, end in enumerate(ci):
                    zs = zl if j == 1 else -zl
                    # skip an end that is a bound the profile never reached (an SD's 0)
                    if np.isfinite(end) and abs(float(prof.zeta(name, end)) - zs) < 0.05:
                        zv = zl if absval else zs
                        a.plot([end, end], [0, zv], color="0.5", lw=0.8)
                if absval:
                    a.plot(ci, [zl, zl], color="0.5", lw=0.8)
        a.axhline(0, color="0.6", lw=0.8)
        a.axvline(prof.estimates[name], color="0.8", lw=0.8, ls=":")
        a.set_xlabel(name)
        a.set_ylabel("|\u03b6|" if absval else "\u03b6")
        a.grid(alpha=0.3)
    for a in axes.ravel()[n:]:
        a.set_visible(False)
    fig.suptitle("Likelihood profiles", fontweight="bold")
    return fig

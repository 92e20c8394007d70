"""Simulation-based (scaled) residuals, the idea of R's DHARMa package.

For every observation (or every cluster, with ``group=``) the observed number of successes
is placed among ``nsim`` responses simulated from the fitted model: the scaled residual is
its randomised rank,

    r = (#{sim < obs} + U * (#{sim == obs} + 1)) / (nsim + 1),   U ~ Uniform(0, 1),

which is exactly Uniform(0, 1) when the model is right (the observation is then exchangeable
with the simulations; the randomisation spreads ties, which 0/1 data have plenty of).
Departures show up as a non-uniform distribution (KS test), too much or too little spread
(dispersion test) or too many observations outside every simulation (outlier test).

For 0/1 data one row says little; ``group="id"`` sums observations and simulations per cluster
first, which makes misfit of the cluster totals (a missing fixed effect that varies between
clusters, a wrong random-effect variance, overdispersion) visible.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .argcheck import check_bool, takes_fit
from .errors import ArgumentError

__all__ = ["simulate_residuals", "SimResiduals", "simulate_successes"]


def _row_patterns(m: Any) -> tuple[np.ndarray, np.ndarray, list]:
    """The distinct rows of the linear predictor's ingredients, computed once per fit.

    Rows with the same fixed part, the same ``Z Lambda`` values and the same levels (all rows of
    one cluster and cell, in the article's data 14 rows each) have the same simulated
    probabilities, so the inverse link is evaluated once per pattern and simulation.
    Returns (pattern of each row, eta per pattern, [(values, u index) per column of
    ``Z Lambda``, per pattern]), the columns in the order of the sparse product's rows.
    """
    key = (np.asarray(m.theta, float).tobytes(), np.asarray(m.beta, float).tobytes())
    cached = m.__dict__.get("_simresid_patterns")
    if cached is not None and cached[0] == key:
        return cached[1]
    fr = m.frame
    eta = fr.X @ m.beta + fr.offset
    cols, pos = [], 0
    for term, T in zip(fr.random, m.layout.factors(m.theta)):
        V = term.X @ T                  # as remat.z_lambda: row i's entries in its level's columns
        for c in range(term.k):
            cols.append((V[:, c], pos + term.codes * term.k + c))
        pos += term.nlevels * term.k
    stack = np.column_stack([eta] + [v for v, _ in cols] + [i.astype(float) for _, i in cols])
    _, first, inverse = np.unique(stack, axis=0, return_index=True, return_inverse=True)
    out = (inverse.ravel().astype(np.int64), eta[first], [(v[first], i[first]) for v, i in cols])
    m.__dict__["_simresid_patterns"] = (key, out)
    return out


def simulate_successes(m: Any, nsim: int, rng: np.random.Generator, conditional: bool = False) -> np.ndarray:
    """(n, nsim) simulated numbers of successes from the fitted model (new random effects per
    simulation unless ``conditional``, then the fitted conditional modes).

    Draws: ``q x nsim`` standard normals (the random effects, unless ``conditional``), then one
    uniform per value for 0/1 data (success when below the probability), else numpy's
    binomial.  The probabilities are evaluated once per distinct row pattern
    (:func:`_row_patterns`), with the same floating-point operations as ``eta + (Z Lambda) U``.
    """
    fr = m.frame
    trials = np.round(fr.weights).astype(np.int64)
    pattern, eta, cols = _row_patterns(m)
    if conditional:
        u = np.asarray(m.u, float)
        reff = np.zeros(eta.shape[0])
        for v, idx in cols:
            reff = reff + v * u[idx]
        E = (eta + reff)[:, None]
    else:
        q = sum(t.nlevels * t.k for t in fr.random)
        U = rng.standard_normal((q, nsim))
        reff = np.zeros((eta.shape[0], nsim))
        for v, idx in cols:             # the sparse product's order: y += v * U[idx], from 0
            reff += v[:, None] * U[idx]
        E = eta[:, None] + reff
    if m.family.link == "logit":        # the same function, about 10x faster on large arrays
        from scipy.special import expit
        mu_p = expit(E)
    else:
        mu_p = m.family.linkinv(E)
    mu = np.broadcast_to(mu_p, (mu_p.shape[0], nsim))[pattern]
    if np.all(trials == 1):             # 0/1 data: a uniform draw per value is 5-10x faster than binomial
        return (rng.random(mu.shape) < mu).astype(np.int64)
    return rng.binomial(trials[:, None], mu)


def _check_nsim(nsim: Any) -> int:
    if isinstance(nsim, bool) or not isinstance(nsim, (int, np.integer)) or nsim < 1:
        raise ArgumentError(f"nsim must be a whole number >= 1, not {nsim!r}")
    return int(nsim)


@dataclass
class SimResiduals:
    """Scaled residuals from :func:`simulate_residuals`.

    Attributes
    ----------
    residuals : Series
        Scaled residuals in (0, 1), per observation or per cluster.
    observed : ndarray
        Observed successes per unit.
    simulated : ndarray, shape (units, nsim)
    predicted : Series
        Mean simulated proportion per unit (the model's population-averaged prediction).
    nsim : int
    group : str or None
    """

    residuals: pd.Series
    observed: np.ndarray
    simulated: np.ndarray
    predicted: pd.Series
    nsim: int
    group: str | None = None
    _tests: dict = field(default_factory=dict, repr=False)

    # ---------------------------------------------------------------- tests
    def _total(self) -> np.ndarray:
        """Simulated successes per unit, summed over the simulations (computed once)."""
        if "total" not in self._tests:
            self._tests["total"] = self.simulated.sum(axis=1)
        return self._tests["total"]

    def _binary(self) -> bool:
        """True when every simulated value is 0 or 1 (checked once)."""
        if "binary" not in self._tests:
            K = self.simulated
            self._tests["binary"] = bool(K.size and K.min() >= 0 and K.max() <= 1)
        return self._tests["binary"]

    def test_uniformity(self) -> dict:
        """Kolmogorov-Smirnov test of the residuals against Uniform(0, 1)."""
        r = stats.kstest(self.residuals.to_numpy(), "uniform")
        return {"test": "KS uniformity", "statistic": float(r.statistic), "p_value": float(r.pvalue)}

    def test_dispersion(self) -> dict:
        """Simulation-based dispersion test (DHARMa's default for simulated residuals).

        Statistic: the spread of the observations around the simulation mean, over the mean
        spread of the simulations around it; about 1 under the model, above 1 for
        overdispersion.  Two-sided p value from the simulations' own spreads.
        """
        K = self.simulated
        total = self._total()
        center = total / K.shape[1]
        obs = float(np.sum((self.observed - center) ** 2))
        if self._binary():               # K^2 = K: sum_i (K_is - c_i)^2 without an (n, nsim) temporary
            sims = np.einsum("is,i->s", K, 1.0 - 2.0 * center) + float(np.sum(center ** 2))
        else:
            sims = np.sum((K - center[:, None]) ** 2, axis=0)
        ratio = obs / float(np.mean(sims)) if np.mean(sims) > 0 else np.nan
        n = sims.size
        p = min(1.0, 2 * min((1 + np.sum(sims >= obs)) / (n + 1), (1 + np.sum(sims <= obs)) / (n + 1)))
        return {"test": "dispersion", "statistic": ratio, "p_value": float(p)}

    def test_outliers(self) -> dict:
        """Binomial test of the number of units outside the range of all their simulations.

        Under the model a unit falls outside with probability at most ``2 / (nsim + 1)``
        (less for discrete data, whose ties keep it inside), so the one-sided test for
        too many outliers is valid (conservative for 0/1 data).
        """
        if self._binary():               # 0/1 simulations: their range from the counts
            total = self._total()
            lo = self.observed < (total == self.nsim)
            hi = self.observed > (total > 0)
        else:
            lo = self.observed < self.simulated.min(axis=1)
            hi = self.observed > self.simulated.max(axis=1)
        k = int(np.sum(lo | hi))
        n = self.observed.size
        p0 = 2.0 / (self.nsim + 1)
        res = stats.binomtest(k, n, p0, alternative="greater")
        return {"test": "outliers", "statistic": k / n, "expected": p0, "n_outliers": k, "p_value": float(res.pvalue)}

    def test_categorical(self, by: Any) -> pd.DataFrame:
        """KS uniformity within each level of ``by`` (a Series / array aligned with the units,
        or, for per-observation residuals, the name of a data column); Bonferroni-adjusted p values.

        A model missing an effect of ``by`` (e.g. an interaction cell) fails here."""
        if isinstance(by, str):
            raise ArgumentError("test_categorical: pass the values (aligned with the residuals), not a column name")
        by = pd.Series(np.asarray(by), index=self.residuals.index)
        rows = []
        levels = list(pd.unique(by))
        for lev in levels:
            r = self.residuals[by == lev].to_numpy()
            t = stats.kstest(r, "uniform")
            rows.append({"level": lev, "n": r.size, "statistic": float(t.statistic), "p_value": float(t.pvalue)})
        out = pd.DataFrame(rows)
        out["p_adjusted"] = np.minimum(1.0, out["p_value"] * len(levels))
        return out

    def tests(self) -> pd.DataFrame:
        """Uniformity, dispersion and outlier tests in one table."""
        rows = [self.test_uniformity(), self.test_dispersion(), self.test_outliers()]
        return pd.DataFrame({"statistic": [float(r["statistic"]) for r in rows],
                             "p_value": [float(r["p_value"]) for r in rows]},
                            index=pd.Index([r["test"] for r in rows], name="test"))

    # ----------------------------------------------------------------- plot
    def plot(self, axes=None, title: str | None = None):
        """QQ plot against Uniform(0, 1) (with the three tests' p values) and residuals against
        the rank-transformed predictions with their 25/50/75% quantile curves."""
        import matplotlib.pyplot as plt
        if axes is None:
            fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
        else:
            fig = axes[0].figure
        r = np.sort(self.residuals.to_numpy())
        n = r.size
        ax = axes[0]
        ax.plot((np.arange(1, n + 1) - 0.5) / n, r, ".", ms=3, color="C0")
        ax.plot([0, 1], [0, 1], color="C3", lw=1)
        t = self.tests()["p_value"]
        ax.set_title(f"QQ plot (KS p = {t.iloc[0]:.3g}, dispersion p = {t.iloc[1]:.3g}, "
                     f"outlier p = {t.iloc[2]:.3g})", fontsize=9)
        ax.set_xlabel("expected (uniform)")
        ax.set_ylabel("observed scaled residual")
        ax = axes[1]
        pred = stats.rankdata(self.predicted.to_numpy()) / n
        res = self.residuals.to_numpy()
        ax.plot(pred, res, ".", ms=3, alpha=0.6, color="C0")
        nb = max(3, min(20, n // 30))
        edges = np.linspace(0, 1, nb + 1)
        mid = 0.5 * (edges[1:] + edges[:-1])
        for q in (0.25, 0.5, 0.75):
            ax.axhline(q, color="grey", lw=0.6, ls="--")
            vals = [np.quantile(res[(pred > a) & (pred <= b)], q) if np.any((pred > a) & (pred <= b)) else np.nan
                    for a, b in zip(edges[:-1], edges[1:])]
            ax.plot(mid, vals, color="C3", lw=1.2)
        ax.set_xlabel("model prediction (rank transformed)")
        ax.set_ylabel("scaled residual")
        ax.set_ylim(0, 1)
        ax.set_title("residuals vs predicted" + (f" (per {self.group})" if self.group else ""), fontsize=9)
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        return fig

    def __repr__(self) -> str:
        unit = f"clusters ({self.group})" if self.group else "observations"
        return (f"<SimResiduals: {self.residuals.size} {unit}, nsim = {self.nsim}>\n"
                + self.tests().to_string())


@takes_fit
def simulate_residuals(m: Any, nsim: int = 250, seed=None, group: str | None = None,
                       conditional: bool = False) -> SimResiduals:
    """Scaled residuals from ``nsim`` simulations of the fitted model (DHARMa's ``simulateResiduals``).

    Parameters
    ----------
    m : GlmerResult
    nsim : int
        Number of simulated data sets (DHARMa's default 250).
    seed : int or numpy Generator, optional
    group : str, optional
        Sum observations and simulations per level of this grouping factor (a random-effect
        grouping factor such as ``"id"``, or any column of the data) before ranking.
    conditional : bool
        False (default, as DHARMa for lme4): new random effects in every simulation;
        True: the fitted conditional modes are kept.

    Returns
    -------
    SimResiduals (``.tests()``, ``.test_uniformity()``, ``.test_dispersion()``,
    ``.test_outliers()``, ``.test_categorical(by)``, ``.plot()``).
    """
    nsim = _check_nsim(nsim)
    conditional = check_bool(conditional, "conditional", "keep the fitted random effects")
    from .prediction_se import as_rng as _rng
    rng = _rng(seed)
    fr = m.frame
    K = simulate_successes(m, nsim, rng, conditional=conditional)
    obs = np.round(fr.y * fr.weights).astype(np.int64)
    trials = fr.weights
    index = fr.data.index
    if group is not None:
        codes, labels = _group_codes(m, group)
        G = len(labels)
        obs = np.bincount(codes, weights=obs, minlength=G)
        K = _group_sum(codes, K, G)
        trials = np.bincount(codes, weights=trials, minlength=G)
        index = pd.Index(labels, name=group)
    total = K.sum(axis=1)                # successes per unit over the simulations
    if group is None and np.all(fr.weights == 1):   # 0/1 values: the counts give the ranks
        ones = obs == 1
        less = np.where(ones, nsim - total, 0)
        eq = np.where(ones, total, nsim - total)
    else:
        less = np.sum(K < obs[:, None], axis=1)
        eq = np.sum(K == obs[:, None], axis=1)
    u = rng.uniform(size=obs.size)
    r = (less + u * (eq + 1)) / (nsim + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        pred = np.where(trials > 0, (total / nsim) / np.where(trials > 0, trials, 1), np.nan)
    out = SimResiduals(pd.Series(r, index=index, name="scaled_residual"), obs, K,
                       pd.Series(pred, index=index, name="predicted"), nsim, group)
    out._tests["total"] = total
    out._tests["binary"] = group is None and bool(np.all(fr.weights == 1))
    return out


def _group_sum(codes: np.ndarray, K: np.ndarray, G: int) -> np.ndarray:
    import scipy.sparse as sp
    A = sp.csr_matrix((np.ones(codes.size), (codes, np.arange(codes.size))), shape=(G, codes.size))
    return np.asarray(A @ K)


def _group_codes(m: Any, group: str) -> tuple[np.ndarray, list]:
    fr = m.frame
    for t in fr.random:
        if t.group == group:
            return t.codes, list(t.levels)
    if group in fr.data.columns:
        cat = pd.Categorical(fr.data[group])
        if np.any(cat.codes < 0):
            raise ArgumentError(f"group column {group!r} has missing values")
        return cat.codes.astype(np.int64), list(cat.categories)
    known = [t.group for t in fr.random]
    raise ArgumentError(f"group {group!r} is neither a grouping factor of the model ({known}) nor a column of its data")

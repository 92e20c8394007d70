"""Simulation-based scaled residuals, DHARMa's idea (issue 11, item 4).

A right model passes the uniformity / dispersion / per-cell tests; a model missing the
article's interaction fails the per-cell uniformity test, and a model of overdispersed
binomial counts fails the uniformity and dispersion tests (fixed seeds, p < 0.05).  The
randomised-rank residual is also checked to be exactly uniform by brute force.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

import glmmlite as gl
import tolerances as tol
from conftest import load_csv

A = tol.DHARMA_ALPHA


@pytest.fixture(scope="module")
def data():
    return load_csv("article_data.csv")


@pytest.fixture(scope="module")
def right(data):
    return gl.glmer("y ~ trt * sex + (1|id)", data=data, family="binomial")


@pytest.fixture(scope="module")
def additive(data):
    return gl.glmer("y ~ trt + sex + (1|id)", data=data, family="binomial")


def _counts(seed, extra_sd):
    """Binomial counts (20 trials) for 40 groups x 10 rows; ``extra_sd`` adds row-level noise."""
    rng = np.random.default_rng(seed)
    idx = np.repeat(np.arange(40), 10)
    x = rng.normal(size=idx.size)
    eta = -0.5 + 0.5 * x + rng.normal(0, 0.5, 40)[idx] + rng.normal(0, extra_sd, idx.size)
    return pd.DataFrame({"g": idx, "x": x, "k": rng.binomial(20, special.expit(eta)), "n": 20})


def _cells(d, per_id=False):
    if per_id:
        d = d.groupby("id").first()
    return (d["trt"] + ":" + d["sex"]).to_numpy()


@pytest.mark.parametrize("group", [None, "id"])
def test_right_model_passes(right, data, group):
    r = right.simulate_residuals(nsim=250, seed=1, group=group)
    assert len(r.residuals) == (right.nobs if group is None else 250)
    assert np.all((r.residuals > 0) & (r.residuals < 1))
    t = r.tests()["p_value"]
    assert t["KS uniformity"] >= A and t["dispersion"] >= A and t["outliers"] >= A
    assert np.all(r.test_categorical(_cells(data, group == "id"))["p_adjusted"] >= A)


@pytest.mark.parametrize("group", [None, "id"])
def test_missing_interaction_fails(additive, data, group):
    r = additive.simulate_residuals(nsim=250, seed=1, group=group)
    cat = r.test_categorical(_cells(data, group == "id"))
    assert cat["p_adjusted"].min() < A


def test_overdispersed_counts_fail_and_right_counts_pass():
    od = gl.glmer("cbind(k, n - k) ~ x + (1|g)", data=_counts(5, 0.8), family="binomial")
    t = od.simulate_residuals(nsim=250, seed=1).tests()["p_value"]
    assert t["KS uniformity"] < A and t["dispersion"] < A
    ok = gl.glmer("cbind(k, n - k) ~ x + (1|g)", data=_counts(5, 0.0), family="binomial")
    t = ok.simulate_residuals(nsim=250, seed=1).tests()["p_value"]
    assert t["KS uniformity"] >= A and t["dispersion"] >= A
    s = od.simulate_residuals(nsim=250, seed=1).test_dispersion()["statistic"]
    assert s > 1.5     # spread about twice the model's


def test_randomised_rank_is_uniform_by_brute_force():
    """Observation exchangeable with nsim simulations of a discrete variable -> r ~ U(0, 1)."""
    from glmmlite.simresid import SimResiduals  # noqa: F401  (the formula lives in simulate_residuals)
    rng = np.random.default_rng(0)
    nsim, n = 9, 200_000
    allv = rng.binomial(3, 0.4, size=(n, nsim + 1))
    obs, sims = allv[:, 0], allv[:, 1:]
    less = np.sum(sims < obs[:, None], axis=1)
    eq = np.sum(sims == obs[:, None], axis=1)
    r = (less + rng.uniform(size=n) * (eq + 1)) / (nsim + 1)
    assert stats.kstest(r, "uniform").pvalue > 0.01
    # and the package computes exactly this quantity
    d = _counts(1, 0.0)
    m = gl.glmer("cbind(k, n - k) ~ x + (1|g)", data=d, family="binomial")
    res = m.simulate_residuals(nsim=nsim, seed=4)
    k = res.observed
    less = np.sum(res.simulated < k[:, None], axis=1)
    eq = np.sum(res.simulated == k[:, None], axis=1)
    lo, hi = less / (nsim + 1), (less + eq + 1) / (nsim + 1)
    assert np.all((res.residuals >= lo - 1e-12) & (res.residuals <= hi + 1e-12))


def test_group_sums(right, data):
    r0 = right.simulate_residuals(nsim=20, seed=2)
    r1 = right.simulate_residuals(nsim=20, seed=2, group="id")
    assert r1.residuals.index.name == "id"
    np.testing.assert_array_equal(r1.observed, data.groupby("id")["y"].sum().to_numpy())
    assert r0.simulated.shape == (right.nobs, 20) and r1.simulated.shape == (250, 20)
    # same seed, same draws: the cluster sums add up to the row-level totals of every simulation
    np.testing.assert_array_equal(r1.simulated.sum(axis=0), r0.simulated.sum(axis=0))
    # by a data column works too (sex: 2 units)
    assert len(right.simulate_residuals(nsim=20, seed=2, group="sex").residuals) == 2


def test_seed_reproducible(right):
    a = right.simulate_residuals(nsim=30, seed=9).residuals
    b = right.simulate_residuals(nsim=30, seed=9).residuals
    pd.testing.assert_series_equal(a, b)


@pytest.mark.parametrize("nsim", [0, -3, 2.5, True, "10"])
def test_nsim_below_one(right, nsim):
    with pytest.raises(gl.ArgumentError, match="nsim"):
        right.simulate_residuals(nsim=nsim)


def test_unknown_group(right):
    with pytest.raises(gl.ArgumentError, match="school"):
        right.simulate_residuals(nsim=10, group="school")


def test_plot(right):
    import matplotlib
    matplotlib.use("Agg")
    fig = right.simulate_residuals(nsim=50, seed=1).plot()
    assert len(fig.axes) == 2
    assert "KS p" in fig.axes[0].get_title()
    import matplotlib.pyplot as plt
    plt.close(fig)


@pytest.mark.parametrize("case", ["article", "slope", "counts"])
@pytest.mark.parametrize("conditional", [False, True])
def test_simulate_successes_equals_the_direct_formula(right, case, conditional):
    """The per-pattern shortcut draws exactly what eta + (Z Lambda) U and one uniform (or one
    binomial) per value give with the same generator."""
    from glmmlite.remat import z_lambda
    from glmmlite.simresid import simulate_successes
    if case == "article":
        m = right
    elif case == "slope":
        d = load_csv("article_data.csv").iloc[:1400].copy()
        d["x"] = d["day"] / 14
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = gl.glmer("y ~ trt + (1 + x | id)", data=d, family="binomial")
    else:
        m = gl.glmer("cbind(k, n - k) ~ x + (1|g)", data=_counts(5, 0.0), family="binomial")
    nsim = 7
    got = simulate_successes(m, nsim, np.random.default_rng(11), conditional=conditional)
    rng = np.random.default_rng(11)
    fr = m.frame
    M = z_lambda(fr.random, m.layout, m.theta)
    eta = fr.X @ m.beta + fr.offset
    if conditional:
        E = np.repeat((eta + M @ m.u)[:, None], nsim, axis=1)
    else:
        E = eta[:, None] + np.asarray(M @ rng.standard_normal((M.shape[1], nsim)))
    mu = m.family.linkinv(E)
    trials = np.round(fr.weights).astype(np.int64)
    want = (rng.random(mu.shape) < mu).astype(np.int64) if np.all(trials == 1) else \
        rng.binomial(trials[:, None], mu)
    np.testing.assert_array_equal(got, want)

"""plot_simulated (the article's simulation check) and the profile plot."""
from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import glmmlite as gl  # noqa: E402
from glmmlite.errors import ArgumentError  # noqa: E402
from glmmlite.plots import plot_profile, plot_simulated, simulated_proportions  # noqa: E402
from glmmlite.inference.profile import profile  # noqa: E402


@pytest.fixture(scope="module")
def seed_m(seed_data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gl.glmer("y ~ trt * sex + (1|id)", data=seed_data, family="binomial")


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_simulated_proportions(seed_m, seed_data):
    obs, sim = simulated_proportions(seed_m, ["trt", "sex"], nsim=30, seed=1)
    expect = seed_data.groupby(["sex", "trt"])["y"].mean()
    assert obs[["trt", "sex"]].astype(str).values.tolist() == [
        ["control", "female"], ["treat", "female"], ["control", "male"], ["treat", "male"]]
    for _, r in obs.iterrows():
        assert r["proportion"] == pytest.approx(expect[(r["sex"], r["trt"])])
    assert len(sim) == 30 * 4 and sim["sim"].nunique() == 30
    # the simulated cell means scatter around the observed ones
    means = sim.groupby(["trt", "sex"], observed=True)["proportion"].mean()
    for _, r in obs.iterrows():
        assert abs(means[(r["trt"], r["sex"])] - r["proportion"]) < 0.05
    # reproducible
    _, sim2 = simulated_proportions(seed_m, ["trt", "sex"], nsim=30, seed=1)
    np.testing.assert_array_equal(sim["proportion"], sim2["proportion"])


def test_plot_simulated_two_by(seed_m):
    fig = plot_simulated(seed_m, by=["trt", "sex"], nsim=20, seed=1)
    assert isinstance(fig, matplotlib.figure.Figure)
    axes = [a for a in fig.axes if a.get_visible()]
    assert len(axes) == 2
    assert [a.get_title() for a in axes] == ["sex = female", "sex = male"]
    assert [t.get_text() for t in axes[0].get_xticklabels()] == ["control", "treat"]
    assert axes[0].get_xlabel() == "trt" and "Proportion" in axes[0].get_ylabel()
    assert fig._suptitle is not None and "simulated" in fig._suptitle.get_text()
    # 2 x-levels: one cloud (20 open circles) + one observed point each, per panel
    offsets = [c.get_offsets().shape[0] for c in axes[0].collections]
    assert sorted(offsets) == [1, 1, 20, 20]
    obs, sim = fig.glmmlite_data
    assert len(obs) == 4 and sim["sim"].max() == 20
    assert axes[1].get_legend() is not None


def test_plot_simulated_one_by_and_given_axes(seed_m):
    fig = plot_simulated(seed_m, by="trt", nsim=10, seed=2)
    assert len(fig.axes) == 1
    f2, ax = plt.subplots()
    out = plot_simulated(seed_m, by=["sex"], nsim=10, seed=2, ax=ax)
    assert out is f2 and len(ax.collections) == 4
    f3, axs = plt.subplots(1, 2)
    plot_simulated(seed_m, by=["sex", "trt"], nsim=5, seed=2, ax=axs)
    assert axs[1].get_title() == "trt = treat"


def test_plot_simulated_uses_given_sims(seed_m):
    sims = seed_m.simulate(nsim=7, seed=3)
    fig = plot_simulated(seed_m, sims=sims)
    _, sim = fig.glmmlite_data
    assert sim["sim"].max() == 7


def test_plot_simulated_bad_arguments(seed_m):
    with pytest.raises(ArgumentError, match="'group'.*available columns"):
        plot_simulated(seed_m, by=["trt", "group"], nsim=2)
    with pytest.raises(ArgumentError, match="one or two"):
        plot_simulated(seed_m, by=["trt", "sex", "id"], nsim=2)
    _, ax = plt.subplots()
    with pytest.raises(ArgumentError, match="2 Axes"):
        plot_simulated(seed_m, by=["trt", "sex"], nsim=2, ax=ax)


def test_plot_simulated_cbind(cbpp_data):
    d = cbpp_data.copy()
    d["period"] = d["period"].astype(str)
    m = gl.glmer("cbind(incidence, size - incidence) ~ period + (1 | herd)", data=d, family="binomial")
    fig = plot_simulated(m, by="period", nsim=10, seed=1)
    obs, sim = fig.glmmlite_data
    expect = d.groupby("period")["incidence"].sum() / d.groupby("period")["size"].sum()
    np.testing.assert_allclose(obs["proportion"].to_numpy(), expect.to_numpy())
    assert sim["proportion"].between(0, 1).all()


def test_plot_profile(seed_m):
    pr = profile(seed_m, "beta_", progress=False)
    fig = plot_profile(pr)
    assert len([a for a in fig.axes if a.get_visible()]) == 4
    fig2 = pr.plot(parm="trttreat", absval=True)
    assert fig2.axes[0].get_xlabel() == "trttreat"

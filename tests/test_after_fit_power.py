"""Power by simulation (issue 11, item 7): simulate with new data / new parameters, refit,
rejection rate with its Monte Carlo error; bad input gives clear errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

import glmmlite as gl
from conftest import load_csv
from after_fit_fixtures import gm, m  # noqa: F401  (pytest fixtures)


def test_simulate_design_newparams_by_monte_carlo(m):
    """Cell means of simulated data = population averages under the new parameters (brute force)."""
    nb = {"(Intercept)": 0.3, "trttreat": 0.0, "sexmale": -1.0, "trttreat:sexmale": 0.0}
    sims = gl.simulate_design(m, newparams={"beta": nb, "theta": [1.2]}, nsim=200, seed=1)
    d = m.frame.data
    male = (d["sex"] == "male").to_numpy()
    z = np.random.default_rng(2).standard_normal(400_000)
    for is_male, eta in ((False, 0.3), (True, -0.7)):
        want = special.expit(eta + 1.2 * z).mean()
        got = sims.to_numpy()[male == is_male].mean()
        # clusters make draws dependent: SE from the per-simulation means
        per_sim = sims.to_numpy()[male == is_male].mean(axis=0)
        assert abs(got - want) < 4 * per_sim.std() / np.sqrt(per_sim.size)


def test_simulate_design_newdata_more_clusters(m):
    nd = pd.DataFrame({"id": np.repeat(np.arange(500), 4), "trt": np.tile(["control", "treat"], 1000),
                       "sex": np.repeat(["female", "male"], 1000)})
    sims = gl.simulate_design(m, newdata=nd, nsim=3, seed=1)
    assert sims.shape == (2000, 3) and set(np.unique(sims)) <= {0, 1}


def test_power_null_and_big_effect(m):
    # a true null: rejection rate about alpha (binomial test at 0.001 so the test is stable)
    p0 = m.power("sexmale", nsim=60, seed=1, progress=False,
                 newparams={"beta": {"sexmale": 0.0, "trttreat:sexmale": 0.0}})
    k = int(round(p0.power * 60))
    assert stats.binomtest(k, 60, 0.05).pvalue > 0.001
    big = m.power("trttreat", nsim=20, seed=1, progress=False)
    assert big.power == 1.0 and big.lower > 0.8
    assert big.mcse == 0.0


def test_power_result_and_mc_error(m):
    r = m.power("trttreat:sexmale", nsim=30, seed=3, progress=False, newparams={"beta": {"trttreat:sexmale": -0.35}})
    n = int(np.isfinite(r.p_values).sum())
    assert n == 30
    assert r.power == pytest.approx(np.mean(r.p_values < 0.05))
    assert r.mcse == pytest.approx(np.sqrt(r.power * (1 - r.power) / n))
    assert r.lower <= r.power <= r.upper
    s = r.summary()
    assert s["power"].iloc[0] == r.power and "MC SE" in repr(r)
    again = m.power("trttreat:sexmale", nsim=30, seed=3, progress=False, newparams={"beta": {"trttreat:sexmale": -0.35}})
    np.testing.assert_array_equal(r.p_values, again.p_values)


def test_power_lrt_agrees_with_z(m):
    z = m.power("sexmale", nsim=15, seed=4, progress=False, test="z")
    lr = m.power("sexmale", nsim=15, seed=4, progress=False, test="lrt")
    assert np.corrcoef(np.log(z.p_values), np.log(lr.p_values))[0, 1] > 0.9


def test_power_nonconverged_fit():
    """A fit stopped after 2 iterations (glmer's control) is refused, naming the problem."""
    import warnings
    from glmmlite.control import GlmerControl
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bad = gl.glmer("y ~ trt * sex + (1|id)", data=load_csv("article_data.csv"), family="binomial",
                       control=GlmerControl(maxiter=2))
    assert not bad.converged or bad.messages
    with pytest.raises(gl.ArgumentError, match="did not converge.*max\\|grad\\|"):
        bad.power("trttreat", nsim=5)


@pytest.mark.parametrize("kw,what", [
    ({"term": "trttreat", "nsim": 0}, "nsim"),
    ({"term": "trttreat", "nsim": -1}, "nsim"),
    ({"term": "dose", "nsim": 5}, "dose"),
    ({"term": "trttreat", "nsim": 5, "newparams": {"beta": {"dose": 1}}}, "dose"),
    ({"term": "trttreat", "nsim": 5, "newparams": {"sigma": 1}}, "sigma"),
    ({"term": "trttreat", "nsim": 5, "test": "F"}, "test"),
])
def test_power_bad_input(m, kw, what):
    with pytest.raises(gl.ArgumentError, match=what):
        gl.power(m, **kw)


def test_simulate_design_is_simulate_newdata(m, gm):
    """simulate_design draws through m.simulate (numpy stream): the same successes for a seed."""
    a = gl.simulate_design(m, nsim=3, seed=7)
    b = m.simulate(nsim=3, seed=7)
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())
    nd = gm.frame.data.iloc[::2]
    a = gl.simulate_design(gm, newdata=nd, nsim=2, seed=8)
    b = gm.simulate(nsim=2, seed=8, newdata=nd, allow_new_levels=True)
    np.testing.assert_array_equal(a.to_numpy(), b.iloc[:, 0::2].to_numpy())
    assert (a.to_numpy() <= nd["size"].to_numpy()[:, None]).all()


def test_simulate_design_bad_newdata(m):
    d = m.frame.data
    nd = d[d["id"].isin(d["id"].unique()[::10])].copy()
    with pytest.raises(gl.NewDataError, match="no rows"):
        gl.simulate_design(m, newdata=nd.iloc[:0], nsim=2, seed=1)
    nd.loc[nd.index[0], "trt"] = None
    with pytest.raises(gl.NewDataError, match="missing values"):
        gl.simulate_design(m, newdata=nd, nsim=2, seed=1)


def test_fit_like_uses_the_models_control():
    import warnings
    from glmmlite.control import GlmerControl
    from glmmlite.power_sim import fit_like
    ctl = GlmerControl(maxiter=7, grad_tol=5e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mm = gl.glmer("y ~ trt * sex + (1|id)", data=load_csv("article_data.csv"), family="binomial",
                      control=ctl)
        f = fit_like(mm, mm.frame)
        g = fit_like(mm, mm.frame, check=False)
    assert f.control == mm.control == ctl
    assert g.control == ctl.replace(check_conv=False)

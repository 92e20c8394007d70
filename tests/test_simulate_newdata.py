"""simulate(newdata=, re_form=, allow_new_levels=, weights=) against lme4 1.1-31, draw for draw.

Reference: ``simulate_newdata_cases.json`` (tests/lme4/r/simulate_newdata.R): new rows with
repeated and unsorted groups, new levels (``allow.new.levels``) with and without the fitted
modes, proportions with ``weights=``, cbind on rows of the fitted size, two terms (all drawn,
and one kept through ``re.form``), a factor response and a random slope.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmmlite as gl
from conftest import load_csv, load_json
from sim_reference import count_differences, quiet
from glmmlite.errors import ArgumentError, NewDataError
from tolerances import SIM_NEWDATA_MEAN_Z, SIM_OWN_FIT_MAX_DIFF

CASES = load_json("simulate_newdata_cases.json")
CASE_NAMES = [k for k in CASES if k != "session"]



def _data(which: str) -> pd.DataFrame:
    """The data of tests/lme4/r/simulate_newdata.R, with the same derived columns."""
    if which == "cbpp":
        d = load_csv("cbpp.csv")
        d["herd"] = pd.Categorical(d["herd"].astype(str), categories=[str(i) for i in range(1, 16)])
        d["period"] = pd.Categorical(d["period"].astype(str), categories=["1", "2", "3", "4"])
        return d
    d = load_csv("article_data.csv").iloc[:700].copy()
    d["yf"] = np.where(d["y"] == 1, "yes", "no")
    d["x"] = d["day"] / 14
    d["ids"] = [f"s{i:02d}" for i in d["id"]]
    return d


_FITS: dict = {}


def _fit(name: str):
    c = CASES[name]
    key = (c["data"], c["formula"], c["link"], c["fit_weights"])
    if key not in _FITS:
        _FITS[key] = quiet(gl.glmer, c["formula"], data=_data(c["data"]),
                            family=gl.binomial(link=c["link"]), weights=c["fit_weights"])
    return _FITS[key]


def _newdata(c: dict) -> pd.DataFrame:
    nd = pd.DataFrame(c["newdata"], index=c["newdata_rownames"])
    for col in ("herd", "period"):
        if col in nd:
            nd[col] = nd[col].astype(str)
    return nd


def _re_form(c: dict):
    return {"NA": "~0", "NULL": None}.get(c["re_form"], c["re_form"])


def _simulate(m, c: dict, seed, newparams=None):
    nd = _newdata(c)
    return m.simulate(nsim=c["nsim"], seed=seed, newdata=nd, re_form=_re_form(c),
                      allow_new_levels=c["allow_new_levels"], newparams=newparams,
                      weights=c["nd_weights"] and nd[c["nd_weights"]].to_numpy(float))


@pytest.mark.parametrize("name", CASE_NAMES)
def test_newdata_case_equals_r_with_lme4_estimates(name):
    c = CASES[name]
    m = _fit(name)
    rs = gl.RStream(c["seed"])
    keeps_modes = c["re_form"] != "NA"
    newparams = None if keeps_modes else {"theta": c["theta"], "beta": c["fixef"]}
    sim = _simulate(m, c, rs, newparams)
    assert [str(i) for i in sim.index] == c["row_names"]
    if keeps_modes:       # the kept modes are glmmlite's, not lme4's: a few values may differ
        assert count_differences(sim, c) <= SIM_OWN_FIT_MAX_DIFF
    else:
        assert count_differences(sim, c) == 0
    assert rs.state.tolist() == c["random_seed_after"]          # as many draws as R, in R's order


@pytest.mark.parametrize("name", CASE_NAMES)
def test_newdata_case_from_glmmlites_own_fit(name):
    c = CASES[name]
    newparams = {"theta": c["theta"]} if c["theta_set"] else None
    n = count_differences(_simulate(_fit(name), c, gl.RStream(c["seed"]), newparams), c)
    print(f"{name}: {n} simulated values differ from R's (glmmlite's own estimates)")
    assert n <= SIM_OWN_FIT_MAX_DIFF


def test_newdata_equal_to_the_fitted_rows_is_the_plain_simulation():
    for name in ("binary", "proportion_weights", "two_terms", "slope"):
        m = _fit(name)
        d = m.frame.data
        w = m.frame.weights if m.frame.response.kind == "proportion" else None
        for stream in ("r", "numpy"):
            a = m.simulate(nsim=2, seed=11, stream=stream)
            b = m.simulate(nsim=2, seed=11, stream=stream, newdata=d, weights=w)
            pd.testing.assert_frame_equal(a, b, check_exact=True)
        for kw in ({"use_u": True}, {"re_form": None}):
            a = m.simulate(nsim=2, seed=11, stream="r", use_u=True)
            b = m.simulate(nsim=2, seed=11, stream="r", newdata=d, weights=w, **{k: v for k, v in kw.items()})
            assert (a.to_numpy() != b.to_numpy()).sum() <= SIM_OWN_FIT_MAX_DIFF


def test_newdata_cbind_trials_from_the_new_rows():
    m = _fit("cbind_same_rows")
    nd = _data("cbpp").iloc[[0, 5, 9]].copy()
    sim = m.simulate(nsim=4, seed=3, newdata=nd)
    for s in ("sim_1", "sim_4"):
        np.testing.assert_array_equal(sim[s].sum(axis=1).to_numpy(), nd["size"].to_numpy())
    sim = m.simulate(nsim=2, seed=3, newdata=nd.drop(columns=["incidence"]), weights=[10, 20, 30])
    np.testing.assert_array_equal(sim["sim_2"].sum(axis=1).to_numpy(), [10, 20, 30])


def test_numpy_stream_newdata_has_the_models_means():
    """Monte Carlo: mean of simulated 0/1 values on new rows vs the population average of the
    model, computed by brute-force integration over the random intercept (SD set to 1.5 with
    newparams so that rows of one group are visibly correlated)."""
    m = _fit("binary")
    nd = pd.DataFrame({"trt": ["treat", "control"] * 2, "id": [1, 1, 2, 2]})
    nsim, sd = 20000, 1.5
    sim = m.simulate(nsim=nsim, seed=5, newdata=nd, newparams={"theta": [sd]}).to_numpy(float)
    eta = m.predict(nd, re_form="~0").to_numpy()
    z = np.linspace(-8, 8, 4001)
    dens = np.exp(-z ** 2 / 2)
    dens /= dens.sum()
    p = np.array([(dens * m.family.linkinv(e + sd * z)).sum() for e in eta])
    se = np.sqrt(p * (1 - p) / nsim)
    assert np.all(np.abs(sim.mean(axis=1) - p) < SIM_NEWDATA_MEAN_Z * se), (sim.mean(axis=1), p)
    # rows of one group share their random effect; rows of two groups are independent
    r_group = np.corrcoef(sim[0], sim[1])[0, 1]
    r_other = np.corrcoef(sim[0], sim[3])[0, 1]
    assert r_group > 0.1 and abs(r_other) < SIM_NEWDATA_MEAN_Z / np.sqrt(nsim), (r_group, r_other)


def test_re_form_partial_keeps_that_term():
    m = _fit("two_terms")
    nd = _newdata(CASES["two_terms"])
    w = nd["size"].to_numpy(float)
    a = m.simulate(nsim=2, seed=4, stream="r", newdata=nd, weights=w, re_form="~(1|period)")
    b = m.simulate(nsim=2, seed=4, stream="r", newdata=nd, weights=w, re_form="~ (1 | period)")
    pd.testing.assert_frame_equal(a, b)
    # both kept is use_u; none kept is the default
    a = m.simulate(nsim=2, seed=4, stream="r", newdata=nd, weights=w, re_form="~(1|period) + (1|herd)")
    b = m.simulate(nsim=2, seed=4, stream="r", newdata=nd, weights=w, use_u=True)
    pd.testing.assert_frame_equal(a, b)


def test_newdata_errors():
    m = _fit("binary")
    nd = _newdata(CASES["binary"])
    with pytest.raises(NewDataError, match=r"'999'.*allow_new_levels=True"):
        m.simulate(newdata=pd.DataFrame({"trt": ["treat"], "id": [999]}), seed=1)
    with pytest.raises(NewDataError, match="'trt'"):
        m.simulate(newdata=nd.drop(columns=["trt"]), seed=1)
    with pytest.raises(NewDataError, match="'id'"):
        m.simulate(newdata=nd.drop(columns=["id"]), seed=1)
    with pytest.raises(NewDataError, match="no rows"):
        m.simulate(newdata=nd.iloc[:0], seed=1)
    with pytest.raises(NewDataError, match="'placebo'"):
        m.simulate(newdata=pd.DataFrame({"trt": ["placebo"], "id": [1]}), seed=1)
    with pytest.raises(NewDataError, match="missing"):
        m.simulate(newdata=pd.DataFrame({"trt": ["treat", None], "id": [1, 2]}), seed=1)
    with pytest.raises(NewDataError, match="missing or new"):
        m.simulate(newdata=pd.DataFrame({"trt": ["treat", "treat"], "id": [1, np.nan]}), seed=1)
    with pytest.raises(NewDataError, match="DataFrame"):
        m.simulate(newdata=[1, 2], seed=1)
    for bad in (0, -1, 1.5):
        with pytest.raises(ArgumentError, match="nsim"):
            m.simulate(nsim=bad, newdata=nd, seed=1)
    with pytest.raises(ArgumentError, match="only one of use_u and re_form"):
        m.simulate(newdata=nd, use_u=True, re_form=None)
    with pytest.raises(ArgumentError, match=r"\(1\|herd\) names no random-effects term.*\(1 \| id\)"):
        m.simulate(newdata=nd, re_form="~(1|herd)")
    with pytest.raises(ArgumentError, match="allow_new_levels"):
        m.simulate(newdata=nd, allow_new_levels="yes")
    with pytest.raises(ArgumentError, match="weights= needs one"):
        m.simulate(newdata=nd, weights=[1, 2])
    with pytest.raises(ArgumentError, match="non-integer"):
        m.simulate(newdata=nd, weights=np.full(len(nd), 1.5))
    with pytest.raises(ArgumentError, match="weights= is for newdata"):
        m.simulate(weights=np.ones(m.nobs))
    mp = _fit("proportion_weights")
    with pytest.raises(ArgumentError, match="needs the numbers of trials"):
        mp.simulate(newdata=_newdata(CASES["proportion_weights"]), seed=1)
    mc = _fit("cbind_same_rows")
    with pytest.raises(NewDataError, match="'incidence'.*weights="):
        mc.simulate(newdata=_data("cbpp")[["herd", "period"]], seed=1)


def test_missing_group_with_allow_new_levels_gets_no_random_effect():
    m = _fit("binary")
    nd = pd.DataFrame({"trt": ["treat", "treat"], "id": [3.0, np.nan]})
    rs = gl.RStream(2)
    sim = m.simulate(nsim=3, seed=rs, newdata=nd, allow_new_levels=True)
    by_hand = gl.RStream(2)
    by_hand.rnorm(1 * 3)               # one group (3) drawn per simulation, none for the NA row
    by_hand.rbinom(2 * 3, 1, np.full(6, 0.5))
    assert sim.shape == (2, 3) and rs.state.tolist() == by_hand.state.tolist()

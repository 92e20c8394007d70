"""simulate() with R's stream against lme4 1.1-31's simulate(), value for value.

References: ``article_sim_m.csv.gz`` / ``article_sim_m2.csv.gz`` (the article's session,
tests/lme4/r/article.R) and ``simulate_cases.json`` (tests/lme4/r/simulate.R: 0/1, factor,
cbind, weights, two terms, a random slope, an offset, probit, cloglog, use.u).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmmlite as gl
from conftest import load_csv, load_json
from sim_reference import count_differences, quiet
from glmmlite.errors import ArgumentError, ResponseError
from glmmlite.simulate import MAX_SIM_VALUES, response_to_y, sim_columns
from tolerances import SIM_OWN_FIT_MAX_DIFF

CASES = load_json("simulate_cases.json")
CASE_NAMES = [k for k in CASES if k != "session"]



# ----------------------------------------------------------------- the article's session
@pytest.fixture(scope="module")
def session():
    """set.seed(1); the article's data; m; m2 -- and the stream where R calls simulate(m)."""
    rs = gl.RStream(1)
    d = gl.simulate_article_data(seed=rs)
    m = quiet(gl.glmer, "y ~ trt * sex + (1|id)", data=d, family="binomial")
    m2 = quiet(gl.glmer, "y ~ trt + sex + (1|id)", data=d, family="binomial")
    return rs.state.copy(), d, m, m2


def _lme4_params(name: str) -> dict:
    ref = load_json(name)
    return {"theta": ref["theta"], "beta": ref["fixef"]}


def _n_diff(ours: pd.DataFrame, ref: pd.DataFrame) -> int:
    assert list(ours.columns) == list(ref.columns)
    return int((ours.to_numpy() != ref.to_numpy()).sum())


def test_stream_before_simulate_is_rs(session):
    state, *_ = session
    assert state.tolist() == load_json("article_draws.json")["random_seed_before_simulate_m"]


def test_article_sim_m_equals_r_with_lme4_estimates(session):
    state, d, m, _ = session
    ref = load_csv("article_sim_m.csv.gz")
    sim = m.simulate(nsim=100, seed=gl.RStream.from_random_seed(state),
                     newparams=_lme4_params("article_m.json"))
    assert sim.shape == ref.shape == (3500, 100)
    assert sim.dtypes.map(lambda t: np.issubdtype(t, np.integer)).all()
    assert _n_diff(sim, ref) == 0
    assert sim.attrs["seed"] == state.tolist()          # R's attr(sim, "seed")


def test_article_sim_m_from_glmmlites_own_fit(session):
    state, d, m, _ = session
    ref = load_csv("article_sim_m.csv.gz")
    sim = m.simulate(nsim=100, seed=gl.RStream.from_random_seed(state))
    n = _n_diff(sim, ref)
    print(f"simulate(m, nsim = 100) from glmmlite's fit: {n} of {ref.size} values differ from R's")
    assert n <= SIM_OWN_FIT_MAX_DIFF, f"{n} of {ref.size} values differ"


def test_article_sim_m2_continues_the_session(session):
    """sim <- simulate(m, 100); m2 <- glmer(...); sim2 <- simulate(m2, 100): one stream."""
    state, d, m, m2 = session
    ref = load_csv("article_sim_m2.csv.gz")
    for params, bound in (("lme4", 0), ("own", SIM_OWN_FIT_MAX_DIFF)):
        rs = gl.RStream.from_random_seed(state)
        m.simulate(nsim=100, seed=rs)                   # advances rs exactly as R's sim does
        sim2 = m2.simulate(nsim=100, seed=rs,
                           newparams=_lme4_params("article_m2.json") if params == "lme4" else None)
        n = _n_diff(sim2, ref)
        print(f"simulate(m2, nsim = 100) from {params} estimates: {n} of {ref.size} values differ")
        assert n <= bound


def test_simulated_means_match_rs_aggregate(session):
    """The article's check: mean of each simulation by trt x sex (first 8 values R printed)."""
    state, d, m, _ = session
    sim = m.simulate(nsim=100, seed=gl.RStream.from_random_seed(state),
                     newparams=_lme4_params("article_m.json"))
    ref = load_json("article_draws.json")["simulated_means_m_first_8"]
    got = []
    for c in ("sim_1", "sim_2"):          # R: aggregate(by = list(trt, sex)) sorts sex, then trt
        g = sim[c].groupby([d["sex"], d["trt"]]).mean()
        got += [(t, s, g[(s, t)]) for s in ("female", "male") for t in ("control", "treat")]
    assert [(t, s) for t, s, _ in got] == list(zip(ref["trt"], ref["sex"]))
    np.testing.assert_allclose([x for *_, x in got], ref["x"], rtol=1e-15)


def test_int_seed_with_r_stream_is_set_seed(session):
    _, d, m, _ = session
    a = m.simulate(nsim=2, seed=42, stream="r")
    b = m.simulate(nsim=2, seed=gl.RStream(42))
    c = m.simulate(nsim=2, seed=42, stream="R")
    d_ = m.simulate(nsim=2, seed=gl.RStream(42).state.tolist(), stream="r")   # a .Random.seed vector
    for other in (b, c, d_):
        pd.testing.assert_frame_equal(a, other)
    numpy_default = m.simulate(nsim=2, seed=42)        # numpy stays the default for an int
    assert "seed" not in numpy_default.attrs
    assert not numpy_default.equals(a)


def test_rstream_advances_by_what_r_draws(session):
    """q * nsim normals, then n * nsim binomials; nothing more."""
    state, d, m, _ = session
    rs = gl.RStream.from_random_seed(state)
    m.simulate(nsim=3, seed=rs)
    by_hand = gl.RStream.from_random_seed(state)
    by_hand.rnorm(250 * 3)
    by_hand.rbinom(3500 * 3, 1, np.full(3500 * 3, 0.5))     # one uniform per Bernoulli draw
    assert rs.state.tolist() == by_hand.state.tolist()


# ----------------------------------------------------------------- small R references
def _case_data(which: str) -> pd.DataFrame:
    """The data of tests/lme4/r/simulate.R, with the same derived columns."""
    if which == "cbpp":
        d = load_csv("cbpp.csv")
        d["herd"] = pd.Categorical(d["herd"].astype(str), categories=[str(i) for i in range(1, 16)])
        d["period"] = pd.Categorical(d["period"].astype(str), categories=["1", "2", "3", "4"])
        d["off"] = d["size"] / 10
        return d
    d = load_csv("article_data.csv").iloc[:700].copy()
    d["yf"] = np.where(d["y"] == 1, "yes", "no")
    d["w"] = 1 + d["day"] % 3
    d["x"] = d["day"] / 14
    return d


_CASE_FITS: dict = {}


def _case_fit(name: str):
    if name not in _CASE_FITS:
        c = CASES[name]
        d = _case_data(c["data"])
        _CASE_FITS[name] = quiet(gl.glmer, c["formula"], data=d, family=gl.binomial(link=c["link"]),
                                  weights=c["weights"])
    return _CASE_FITS[name]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_equals_r_with_lme4_estimates(name):
    c = CASES[name]
    m = _case_fit(name)
    rs = gl.RStream(c["seed"])
    newparams = None if c["use_u"] else {"theta": c["theta"], "beta": c["fixef"]}
    sim = m.simulate(nsim=c["nsim"], seed=rs, use_u=c["use_u"], newparams=newparams)
    assert sim.attrs["seed"][:10] == c["attr_seed_first_10"]
    if c["use_u"]:
        # the fitted modes are glmmlite's, not lme4's: count, as from an own fit
        assert count_differences(sim, c) <= SIM_OWN_FIT_MAX_DIFF
    else:
        assert count_differences(sim, c) == 0
    assert rs.state.tolist() == c["random_seed_after"]       # the stream moved on as R's


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_from_glmmlites_own_fit(name):
    c = CASES[name]
    sim = _case_fit(name).simulate(nsim=c["nsim"], seed=c["seed"], stream="r", use_u=c["use_u"])
    n = count_differences(sim, c)
    print(f"{name}: {n} simulated values differ from R's (glmmlite's own estimates)")
    assert n <= SIM_OWN_FIT_MAX_DIFF


def test_case_output_kinds():
    cb = _case_fit("cbind").simulate(2, seed=1, stream="r")
    assert isinstance(cb.columns, pd.MultiIndex)
    assert list(cb.columns) == [("sim_1", "incidence"), ("sim_1", ""), ("sim_2", "incidence"), ("sim_2", "")]
    size = _case_data("cbpp")["size"].to_numpy()
    np.testing.assert_array_equal(cb["sim_2"].sum(axis=1).to_numpy(), size)
    fac = _case_fit("factor_weights").simulate(2, seed=1, stream="r")["sim_1"]
    assert isinstance(fac.dtype, pd.CategoricalDtype) and list(fac.cat.categories) == ["no", "yes"]
    bw = _case_fit("binary_weights").simulate(2, seed=1, stream="r")["sim_1"]
    w = _case_data("article")["w"].to_numpy()
    assert bw.dtype == np.float64 and set(np.round(bw * w, 12)) <= {0.0, 1.0, 2.0, 3.0}
    assert ((bw > 0) & (bw < 1)).any()                     # proportions, as R's rbinom(size = w) / w
    pw = _case_fit("proportion_weights").simulate(2, seed=1, stream="r")["sim_1"]
    assert pw.dtype == np.float64 and pw.between(0, 1).all()


# ----------------------------------------------------------------- issue 13 item 17
def test_binary_with_weights_simulates_proportions_that_refit_accepts():
    m = _case_fit("binary_weights")
    w = m.frame.weights
    for stream in ("numpy", "r"):
        sims = m.simulate(nsim=2, seed=3, stream=stream)
        k = sims.to_numpy() * w[:, None]
        np.testing.assert_allclose(k, np.round(k), atol=1e-12)
        assert sims.to_numpy().max() <= 1 and ((k > 1).any())
        r = quiet(m.refit, sims["sim_1"])
        np.testing.assert_allclose(r.frame.y, sims["sim_1"].to_numpy())
        assert np.isfinite(r.deviance)


def test_boot_confint_on_binary_with_weights_is_not_nan():
    m = _case_fit("binary_weights")
    ci = quiet(m.confint, method="boot", nsim=8, seed=1)
    assert np.isfinite(ci.to_numpy()).all(), ci


def test_factor_with_weights_simulates_levels_and_refits():
    m = _case_fit("factor_weights")
    for stream in ("numpy", "r"):
        sims = m.simulate(nsim=2, seed=3, stream=stream)
        assert all(isinstance(t, pd.CategoricalDtype) for t in sims.dtypes)
        r = quiet(m.refit, sims["sim_2"])
        assert np.isfinite(r.deviance)


def test_refit_takes_a_cbind_simulation():
    m = _case_fit("cbind")
    sim = m.simulate(nsim=1, seed=2, stream="r")["sim_1"]
    r = quiet(m.refit, sim)
    d = _case_data("cbpp")
    np.testing.assert_allclose(r.frame.y, sim["incidence"].to_numpy() / d["size"].to_numpy())


def test_sim_columns_and_response_to_y():
    m = _case_fit("cbind")
    sims = m.simulate(nsim=3, seed=2)
    cols = sim_columns(sims)
    assert len(cols) == 3 and all(c.shape == (m.nobs, 2) for c in cols)
    y = response_to_y(m.frame, cols[0])
    np.testing.assert_allclose(y, cols[0].iloc[:, 0] / m.frame.weights)
    np.testing.assert_allclose(response_to_y(m.frame, cols[0].iloc[:, 0]), y)
    bad = cols[0].to_numpy().copy()
    bad[0, 1] += 1                                  # rows must add up to the trials
    with pytest.raises(ResponseError, match="row 0"):
        response_to_y(m.frame, bad)
    with pytest.raises(ArgumentError, match="None"):
        response_to_y(m.frame, None)
    mb = _case_fit("binary_weights")
    with pytest.raises(ArgumentError, match="2 columns"):
        response_to_y(mb.frame, np.zeros((mb.nobs, 2)))
    with pytest.raises(ResponseError, match="proportions"):
        response_to_y(mb.frame, np.full(mb.nobs, 0.4))      # 0.4 * 1 is no whole number
    mf = _case_fit("factor")
    with pytest.raises(ResponseError, match="levels"):
        response_to_y(mf.frame, np.array(["no", "maybe"] * (mf.nobs // 2)))


# ----------------------------------------------------------------- bad input
def test_damaged_rstream_is_refused(session):
    _, d, m, _ = session
    rs = gl.RStream(1)
    rs._bitgen = np.random.PCG64(1)                  # not a Mersenne-Twister any more
    with pytest.raises(ArgumentError, match="cannot continue"):
        m.simulate(seed=rs)
    with pytest.raises(ArgumentError, match="cannot continue"):
        gl.simulate_article_data(seed=rs)


@pytest.mark.parametrize("state, match", [
    (list(range(625)), "626"),
    ([10403, 624] + [0] * 624, "all-zero"),
    ([10403, 700] + [1] * 624, "mti"),
    ([401, 624] + [1] * 624, "10403"),
    ([10403, 624] + [2 ** 40] * 624, "32-bit"),
    (["a"] * 626, "integers"),
])
def test_bad_random_seed_vectors(session, state, match):
    _, d, m, _ = session
    with pytest.raises(ArgumentError, match=match):
        m.simulate(seed=state, stream="r")


@pytest.mark.parametrize("seed", [object(), 1.5, "1", np.random.default_rng(1)])
def test_foreign_objects_as_r_seed(session, seed):
    _, d, m, _ = session
    with pytest.raises(ArgumentError, match="seed"):
        m.simulate(seed=seed, stream="r")


def test_numpy_seed_checks(session):
    _, d, m, _ = session
    with pytest.raises(ArgumentError, match="-1"):
        m.simulate(seed=-1)
    with pytest.raises(ArgumentError, match="RStream"):
        m.simulate(seed=gl.RStream(1), stream="numpy")
    with pytest.raises(ArgumentError, match="stream"):
        m.simulate(seed=1, stream="python")


@pytest.mark.parametrize("nsim", [0, -3, 2.5, True, None])
def test_nsim_below_one_or_not_whole(session, nsim):
    _, d, m, _ = session
    with pytest.raises(ArgumentError, match="nsim"):
        m.simulate(nsim=nsim, seed=1)


def test_huge_nsim_is_refused_with_its_size(session):
    _, d, m, _ = session
    with pytest.raises(ArgumentError) as e:
        m.simulate(nsim=10 ** 6, seed=1)
    msg = str(e.value)
    assert "3,500,000,000" in msg and "28.0 GB" in msg and "nsim <= 28,571" in msg
    ok = MAX_SIM_VALUES // 3500
    with pytest.raises(ArgumentError):
        m.simulate(nsim=ok + 1, seed=1, stream="r")


def test_non_integer_weights_cannot_be_simulated():
    d = _case_data("article")
    # y * wf is whole (glmer accepts it) but wf is not a number of trials where y == 0
    d["wf"] = np.where(d["y"] == 1, d["w"], d["w"] + 0.5)
    m = quiet(gl.glmer, "y ~ trt + (1|id)", data=d, family="binomial", weights="wf")
    for stream in ("numpy", "r"):
        with pytest.raises(ArgumentError, match="non-integer prior weights"):
            m.simulate(seed=1, stream=stream)


@pytest.mark.parametrize("newparams, match", [
    ({"theta": [0.1, 0.2]}, "1 values"),
    ({"beta": {"(Intercept)": 0.0}}, "missing"),
    ({"theta": {"herd.(Intercept)": 0.1}}, "unknown"),
    ({"theta": [-0.1]}, "negative"),
    ({"beta": [0, 0, 0, float("nan")]}, "finite"),
    ({"sigma": 1.0}, "unknown"),
    ([0.1, 0.2], "dict"),
])
def test_bad_newparams(session, newparams, match):
    _, d, m, _ = session
    with pytest.raises(ArgumentError, match=match):
        m.simulate(seed=1, newparams=newparams)


def test_newparams_change_the_draws_as_parameters_should(session):
    _, d, m, _ = session
    big = m.simulate(nsim=20, seed=5, newparams={"beta": [3.0, 0.0, 0.0, 0.0], "theta": [0.0]})
    assert big.to_numpy().mean() > 0.9                     # plogis(3) = 0.95
    same = m.simulate(nsim=2, seed=5, stream="r", newparams={"theta": m.theta, "beta": m.fixef})
    pd.testing.assert_frame_equal(same, m.simulate(nsim=2, seed=5, stream="r"))


def test_docstring_example_is_rs_session():
    import doctest

    import glmmlite.simulate as module
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 6 and result.failed == 0

"""predict / fitted / residuals against lme4, and simulate / refit checked by Monte Carlo.

References: seed_m.json, cbpp_cbind.json, cbpp_weights.json and the per-observation CSVs
(seed_m_obs.csv, cbpp_cbind_obs.csv; the weights form has the same estimates as the
cbind form, so it is checked against cbpp_cbind_obs.csv too).

Tolerances: our estimates differ from lme4's within tests/tolerances.py, so everything
that depends on them may differ by tol.PRED_ABS on the link (and probability) scale.  A
residual r(eta) then may differ by PRED_ABS * |dr/deta| (delta method; the derivative is
taken at lme4's eta), and never by less than PRED_ABS.  Separately, our residuals must
equal the textbook formulas applied to *our own* eta to rounding error, so a wrong formula
cannot hide inside the estimate tolerance.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import special

import glmmlite as gl
from conftest import load_csv, load_json
from test_fit_reference import _cbpp, fitted
import tolerances as tol

OBS = {"seed_m": "seed_m_obs.csv", "cbpp_cbind": "cbpp_cbind_obs.csv", "cbpp_weights": "cbpp_cbind_obs.csv"}
REF_MODELS = list(OBS)
RESID_TYPES = ("deviance", "pearson", "response", "working")

Z_MC = tol.Z_MC
FORMULA_RTOL = tol.FORMULA_RTOL


# ----------------------------------------------------------------------------- helpers
def _y_w(m):
    """Observed proportion and prior weights (trials), computed from the raw data."""
    d = m.frame.data
    kind = m.frame.response.kind
    if kind == "cbind":
        n = (d["size"]).to_numpy(float)
        return d["incidence"].to_numpy(float) / n, n
    if kind == "proportion":
        n = d["size"].to_numpy(float)
        return d["incidence"].to_numpy(float) / n, n
    return d["y"].to_numpy(float), np.ones(len(d))


def _resid(kind: str, y, w, eta):
    """Residuals of a binomial-logit GLM(M), R's residuals.glm formulas."""
    mu = special.expit(eta)
    if kind == "response":
        return y - mu
    if kind == "pearson":
        return (y - mu) * np.sqrt(w / (mu * (1 - mu)))
    if kind == "working":
        return (y - mu) / (mu * (1 - mu))
    d = 2 * w * (special.xlogy(y, y / mu) + special.xlogy(1 - y, (1 - y) / (1 - mu)))
    return np.sign(y - mu) * np.sqrt(np.maximum(d, 0))


def _resid_tol(kind, y, w, eta_ref):
    """PRED_ABS on eta carried to the residual: PRED_ABS * max(1, |dr/deta|) per row."""
    h = 1e-6
    slope = (_resid(kind, y, w, eta_ref + h) - _resid(kind, y, w, eta_ref - h)) / (2 * h)
    return tol.PRED_ABS * np.maximum(1.0, np.abs(slope))


def _assert_within(ours, ref, allowed, what):
    """|ours - ref| <= allowed elementwise (allowed may be an array)."""
    err = np.abs(np.asarray(ours, float) - ref)
    bad = np.flatnonzero(~(err <= allowed))
    assert bad.size == 0, (f"{what}: {bad.size} rows outside tolerance, first rows {bad[:5]}: "
                           f"ours {np.asarray(ours)[bad[:5]]}, lme4 {ref[bad[:5]]}")


def _newdata(ref) -> pd.DataFrame:
    return pd.DataFrame(ref["predict_newdata"]["newdata"])


def _gh(n=40):
    """Nodes and weights for E[f(Z)], Z ~ N(0, 1)."""
    z, w = np.polynomial.hermite_e.hermegauss(n)
    return z, w / np.sqrt(2 * np.pi)


def _marginal_mean(eta_fixed, sd, linkinv=special.expit):
    """E[linkinv(eta + b)], b ~ N(0, sd^2), per row (Gauss-Hermite, 40 nodes)."""
    z, w = _gh()
    return linkinv(eta_fixed[:, None] + sd * z[None, :]) @ w


def _group_stats(k, trials, groups):
    """Per simulation, per group: pooled proportion sum(k) / sum(trials). Shape (nsim, G)."""
    labels, inv = np.unique(groups, return_inverse=True)
    G = len(labels)
    nsim = k.shape[1]
    num = np.zeros((G, nsim))
    np.add.at(num, inv, k)
    den = np.bincount(inv, weights=trials, minlength=G)
    return (num / den[:, None]).T, inv, den


def _expected_pooled(p, trials, inv, den):
    G = len(den)
    return np.bincount(inv, weights=trials * p, minlength=G) / den


def _z_scores(stats, expected):
    nsim = stats.shape[0]
    se = stats.std(axis=0, ddof=1) / np.sqrt(nsim)
    return (stats.mean(axis=0) - expected) / se


def _successes(m, sim: pd.DataFrame) -> np.ndarray:
    """Simulated numbers of successes (nobs x nsim) whatever the response's kind."""
    kind = m.frame.response.kind
    trials = m.frame.weights
    if kind == "cbind":       # (sim_i, successes), (sim_i, failures): take the successes
        return np.column_stack([sim[c].iloc[:, 0].to_numpy(float)
                                for c in sim.columns.get_level_values(0).unique()])
    if kind == "proportion":
        return sim.to_numpy(float) * trials[:, None]
    if kind == "factor":
        lev = m.frame.response.levels
        return np.column_stack([(sim[c].astype(str) == lev[1]).to_numpy(float) for c in sim.columns])
    return sim.to_numpy(float)


# ----------------------------------------------------------------- predict (newdata)
@pytest.mark.parametrize("name", REF_MODELS)
def test_predict_newdata_population_level(name):
    m, ref = fitted(name)
    nd = _newdata(ref)
    pn = ref["predict_newdata"]
    link = m.predict(nd, type="link", re_form="~0")
    resp = m.predict(nd, type="response", re_form="~0")
    assert len(link) == len(nd) and list(link.index) == list(nd.index)
    np.testing.assert_allclose(link.to_numpy(), pn["link"], rtol=0, atol=tol.PRED_ABS)
    np.testing.assert_allclose(resp.to_numpy(), pn["response"], rtol=0, atol=tol.PRED_ABS)
    # the response scale is the inverse link of the link scale, exactly
    np.testing.assert_allclose(resp.to_numpy(), special.expit(link.to_numpy()), rtol=FORMULA_RTOL)
    # population level = X beta from our own estimates
    np.testing.assert_allclose(link.to_numpy(), m.frame.fixed_matrix(nd) @ m.fixef.to_numpy(),
                               rtol=FORMULA_RTOL, atol=1e-12)


@pytest.mark.parametrize("re_form", ["~0", "NA", np.nan, "~ 0"])
def test_predict_re_form_spellings(re_form):
    m, ref = fitted("seed_m")
    nd = _newdata(ref)
    np.testing.assert_array_equal(m.predict(nd, re_form=re_form).to_numpy(),
                                  m.predict(nd, re_form="~0").to_numpy())


@pytest.mark.parametrize("name", REF_MODELS)
def test_predict_newdata_equal_to_data_is_in_sample_prediction(name):
    """newdata = the fitted data, with random effects, gives predict() (R: the same)."""
    m, _ = fitted(name)
    for re_form in (None, "~0"):
        a = m.predict(re_form=re_form, type="response").to_numpy()
        b = m.predict(m.frame.data, re_form=re_form, type="response").to_numpy()
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)


def test_predict_new_levels():
    m, ref = fitted("cbpp_cbind")
    nd = pd.DataFrame({"period": ["1", "3"], "herd": [99, 1]})
    with pytest.raises(gl.NewDataError):
        m.predict(nd)
    p = m.predict(nd, allow_new_levels=True).to_numpy()
    pop = m.predict(nd, re_form="~0").to_numpy()
    b1 = m.ranef()["herd"].loc["1", "(Intercept)"]      # level labels are strings, as R's
    np.testing.assert_allclose(p, pop + np.array([0.0, b1]), rtol=1e-12)
    np.testing.assert_allclose(pop, np.array(ref["predict_newdata"]["link"])[[0, 2]], atol=tol.PRED_ABS)


def test_predict_newdata_keeps_formula_offset():
    d = load_csv("seed_data.csv")
    d["o"] = np.where(d["sex"] == "male", 0.5, -0.25)
    m = gl.glmer("y ~ trt + offset(o) + (1 | id)", data=d, family="binomial")
    np.testing.assert_allclose(m.predict(d, re_form="~0").to_numpy(), m.predict(re_form="~0").to_numpy(),
                               rtol=1e-12)


# ------------------------------------------------------------ first rows and full CSVs
def _ours(m) -> dict[str, np.ndarray]:
    out = {"predict_link": m.predict().to_numpy(), "fitted": m.fitted().to_numpy(),
           "predict_link_fixed": m.predict(re_form="~0").to_numpy()}
    for t in RESID_TYPES:
        out[f"resid_{t}"] = m.residuals(t).to_numpy()
    return out


def _check_rows(m, ref_rows: dict, rows: np.ndarray):
    """Compare our per-observation values on the given 0-based rows with lme4's."""
    ours = _ours(m)
    y, w = _y_w(m)
    y, w = y[rows], w[rows]
    eta_ref = np.asarray(ref_rows["predict_link"], float)
    for key in ("predict_link", "predict_link_fixed", "fitted"):
        np.testing.assert_allclose(ours[key][rows], np.asarray(ref_rows[key], float), rtol=0,
                                   atol=tol.PRED_ABS, err_msg=key)
    for t in RESID_TYPES:
        _assert_within(ours[f"resid_{t}"][rows], np.asarray(ref_rows[f"resid_{t}"], float),
                       _resid_tol(t, y, w, eta_ref), t)


@pytest.mark.parametrize("name", REF_MODELS)
def test_first_rows(name):
    m, ref = fitted(name)
    fr = ref["first_rows"]
    n = fr["n"]
    _check_rows(m, {"predict_link": fr["predict_link"], "fitted": fr["fitted"],
                    "predict_link_fixed": load_csv(OBS[name])["predict_link_fixed"][:n],
                    **{f"resid_{t}": fr[f"resid_{t}"] for t in RESID_TYPES}}, np.arange(n))


@pytest.mark.parametrize("name", REF_MODELS)
def test_every_row_against_obs_csv(name):
    m, _ = fitted(name)
    obs = load_csv(OBS[name])
    assert len(obs) == m.nobs
    rows = obs["row"].to_numpy() - 1
    np.testing.assert_array_equal(rows, np.arange(m.nobs))
    _check_rows(m, {c: obs[c].to_numpy() for c in obs.columns if c != "row"}, rows)


@pytest.mark.parametrize("name", REF_MODELS)
def test_residual_formulas_on_our_own_eta(name):
    """Exact identities, independent of the estimates' tolerance."""
    m, _ = fitted(name)
    ours = _ours(m)
    y, w = _y_w(m)
    eta = ours["predict_link"]
    np.testing.assert_allclose(ours["fitted"], special.expit(eta), rtol=FORMULA_RTOL)
    for t in RESID_TYPES:
        np.testing.assert_allclose(ours[f"resid_{t}"], _resid(t, y, w, eta), rtol=FORMULA_RTOL, atol=1e-13,
                                   err_msg=t)
    # the fixed-only predictor is X beta (+ offset); with random effects it adds b of the row's group
    np.testing.assert_allclose(ours["predict_link_fixed"], m.frame.X @ m.beta, rtol=FORMULA_RTOL, atol=1e-13)
    (group, re), = m.ranef().items()
    b = re["(Intercept)"].reindex(m.frame.data[group].astype(str)).to_numpy()
    np.testing.assert_allclose(eta, ours["predict_link_fixed"] + b, rtol=FORMULA_RTOL, atol=1e-13)
    # R's deviance(m) = sum of squared deviance residuals
    ref = fitted(name)[1]
    assert abs(np.sum(ours["resid_deviance"] ** 2) - ref["deviance_fn"]) <= 10 * tol.LOGLIK_ABS


@pytest.mark.parametrize("name", REF_MODELS)
def test_scaled_residual_quantiles(name):
    m, ref = fitted(name)
    q_ref = pd.Series(ref["scaled_resid_quantiles"])
    obs = load_csv(OBS[name])
    y, w = _y_w(m)
    allowed = _resid_tol("pearson", y, w, obs["predict_link"].to_numpy()).max()
    ours = np.quantile(m.residuals("pearson").to_numpy(), [0, .25, .5, .75, 1])
    np.testing.assert_allclose(ours, q_ref[["Min", "1Q", "Median", "3Q", "Max"]].to_numpy(), rtol=0, atol=allowed)
    s = m.summary().scaled_residuals
    assert list(s.index) == ["Min", "1Q", "Median", "3Q", "Max"]
    np.testing.assert_allclose(s.to_numpy(), ours, rtol=1e-14)


def test_residuals_bad_type():
    m, _ = fitted("seed_m")
    with pytest.raises(gl.ArgumentError):
        m.residuals("raw")


# ----------------------------------------------------------------------------- simulate
_SIMS: dict = {}


def _sim(name, nsim, seed, use_u=False):
    key = (name, nsim, seed, use_u)
    if key not in _SIMS:
        m, _ = fitted(name)
        _SIMS[key] = m.simulate(nsim=nsim, seed=seed, use_u=use_u)
    return _SIMS[key]


def _cells(m, name):
    d = m.frame.data
    if name == "seed_m":
        return (d["trt"] + "/" + d["sex"]).to_numpy()
    return d["period"].astype(str).to_numpy()


@pytest.mark.parametrize("name,nsim", [("seed_m", 400), ("cbpp_cbind", 3000), ("cbpp_weights", 3000)])
def test_simulate_mean_is_marginal(name, nsim):
    """use_u=False: new random effects per simulation, so E[y_i] = E_b[invlogit(x_i beta + b)]."""
    m, _ = fitted(name)
    sim = _sim(name, nsim, 20240611)
    per = 2 if name == "cbpp_cbind" else 1
    assert sim.shape == (m.nobs, per * nsim)
    names = [f"sim_{i + 1}" for i in range(nsim)]
    assert list(sim.columns.get_level_values(0).unique() if per == 2 else sim.columns) == names
    assert sim.index.equals(m.frame.data.index)
    k = _successes(m, sim)
    trials = m.frame.weights
    eta_fixed = m.predict(re_form="~0").to_numpy()
    p_marg = _marginal_mean(eta_fixed, m.theta[0])
    p_fixed = special.expit(eta_fixed)
    p_cond = m.fitted().to_numpy()
    (group,) = m.ngroups
    for groups in (_cells(m, name), m.frame.data[group].to_numpy()):
        stats, inv, den = _group_stats(k, trials, groups)
        z = _z_scores(stats, _expected_pooled(p_marg, trials, inv, den))
        assert np.max(np.abs(z)) < Z_MC, z
    if name != "seed_m":
        # power: the same statistics reject the two wrong answers (no random effects in the
        # marginal mean; the fitted conditional modes)
        stats, inv, den = _group_stats(k, trials, _cells(m, name))
        assert np.max(np.abs(_z_scores(stats, _expected_pooled(p_fixed, trials, inv, den)))) > 3 * Z_MC
        stats, inv, den = _group_stats(k, trials, m.frame.data[group].to_numpy())
        assert np.max(np.abs(_z_scores(stats, _expected_pooled(p_cond, trials, inv, den)))) > 3 * Z_MC


@pytest.mark.parametrize("name", ["cbpp_cbind", "cbpp_weights"])
def test_simulate_herd_variance_is_marginal(name):
    """Across simulations a herd's pooled proportion varies by the binomial and the herd SD:
    Var = E_b[sum n_i p_i (1 - p_i)] / n^2 + Var_b(sum n_i p_i / n)."""
    m, _ = fitted(name)
    nsim = 3000
    sim = _sim(name, nsim, 20240611)
    k = _successes(m, sim)
    trials = m.frame.weights
    herd = m.frame.data["herd"].to_numpy()
    stats, inv, den = _group_stats(k, trials, herd)
    eta_fixed = m.predict(re_form="~0").to_numpy()
    z, w = _gh()
    P = special.expit(eta_fixed[:, None] + m.theta[0] * z[None, :])     # rows x nodes
    G = len(den)
    mean_n = np.stack([np.bincount(inv, weights=trials * P[:, j], minlength=G) for j in range(z.size)], 1) / den[:, None]
    binvar = np.stack([np.bincount(inv, weights=trials * P[:, j] * (1 - P[:, j]), minlength=G)
                       for j in range(z.size)], 1) / den[:, None] ** 2
    expected_mean = mean_n @ w
    expected_var = binvar @ w + (mean_n ** 2) @ w - expected_mean ** 2
    s2 = stats.var(axis=0, ddof=1)
    c = stats - stats.mean(axis=0)
    m4 = np.mean(c ** 4, axis=0)
    se_s2 = np.sqrt((m4 - s2 ** 2 * (nsim - 3) / (nsim - 1)) / nsim)
    assert np.max(np.abs(s2 - expected_var) / se_s2) < Z_MC
    # power: without the random effect the variance is far smaller
    no_re = (np.bincount(inv, weights=trials * special.expit(eta_fixed) * (1 - special.expit(eta_fixed)),
                         minlength=G) / den ** 2)
    assert np.min((s2 - no_re) / se_s2) > 3 * Z_MC


@pytest.mark.parametrize("name,nsim", [("seed_m", 400), ("cbpp_cbind", 3000), ("cbpp_weights", 3000)])
def test_simulate_use_u_mean_is_fitted(name, nsim):
    m, _ = fitted(name)
    sim = _sim(name, nsim, 7, use_u=True)
    k = _successes(m, sim)
    trials = m.frame.weights
    (group,) = m.ngroups
    p_cond = m.fitted().to_numpy()
    for groups in (_cells(m, name), m.frame.data[group].to_numpy()):
        stats, inv, den = _group_stats(k, trials, groups)
        z = _z_scores(stats, _expected_pooled(p_cond, trials, inv, den))
        assert np.max(np.abs(z)) < Z_MC, z
    # row by row, too (each row's draws are i.i.d. Binomial(n_i, fitted_i))
    mean = k.mean(axis=1)
    sd = np.sqrt(trials * p_cond * (1 - p_cond) / nsim)
    assert np.max(np.abs(mean - trials * p_cond) / sd) < Z_MC + 1.0   # max over up to 3500 rows
    if name != "seed_m":
        stats, inv, den = _group_stats(k, trials, m.frame.data[group].to_numpy())
        p_marg = _marginal_mean(m.predict(re_form="~0").to_numpy(), m.theta[0])
        assert np.max(np.abs(_z_scores(stats, _expected_pooled(p_marg, trials, inv, den)))) > 3 * Z_MC


@pytest.mark.parametrize("use_u", [False, True])
def test_simulate_seed_reproducible(use_u):
    m, _ = fitted("cbpp_cbind")
    a = m.simulate(nsim=5, seed=123, use_u=use_u)
    b = m.simulate(nsim=5, seed=123, use_u=use_u)
    c = m.simulate(nsim=5, seed=124, use_u=use_u)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    assert (a.to_numpy() != c.to_numpy()).mean() > 0.3
    # the simulations within one call differ from each other
    assert not np.array_equal(a["sim_1"].to_numpy(), a["sim_2"].to_numpy())


def test_simulate_accepts_generator():
    m, _ = fitted("seed_m")
    a = m.simulate(nsim=2, seed=np.random.default_rng(99))
    b = m.simulate(nsim=2, seed=np.random.default_rng(99))
    pd.testing.assert_frame_equal(a, b)
    rng = np.random.default_rng(99)
    first = m.simulate(seed=rng)
    second = m.simulate(seed=rng)            # the generator's state moves on
    assert not first.equals(second)
    np.testing.assert_array_equal(first["sim_1"].to_numpy(), a["sim_1"].to_numpy())


@pytest.mark.parametrize("bad", [1.5, "1", True, [1]])
def test_simulate_bad_seed(bad):
    m, _ = fitted("seed_m")
    with pytest.raises(gl.ArgumentError):
        m.simulate(seed=bad)


@pytest.mark.parametrize("bad", [0, -1, 2.0, True])
def test_simulate_bad_nsim(bad):
    m, _ = fitted("seed_m")
    with pytest.raises(gl.ArgumentError):
        m.simulate(nsim=bad)


# ------------------------------------------------------------ kinds of output and refit
def _factor_model():
    d = load_csv("seed_data.csv")
    d["yf"] = np.where(d["y"] == 1, "yes", "no")
    return gl.glmer("yf ~ trt * sex + (1 | id)", data=d, family="binomial"), d


_KIND_FITS: dict = {}


def _kind_model(kind):
    if kind not in _KIND_FITS:
        if kind == "binary":
            _KIND_FITS[kind] = (fitted("seed_m")[0], load_csv("seed_data.csv"), "y", "y ~ trt * sex + (1 | id)", None)
        elif kind == "cbind":
            _KIND_FITS[kind] = (fitted("cbpp_cbind")[0], _cbpp(), "incidence",
                                "cbind(incidence, size - incidence) ~ period + (1 | herd)", None)
        elif kind == "proportion":
            _KIND_FITS[kind] = (fitted("cbpp_weights")[0], _cbpp(), "prop", "prop ~ period + (1 | herd)", "size")
        else:
            m, d = _factor_model()
            _KIND_FITS[kind] = (m, d, "yf", "yf ~ trt * sex + (1 | id)", None)
    return _KIND_FITS[kind]


KINDS = ["binary", "cbind", "proportion", "factor"]


@pytest.mark.parametrize("kind", KINDS)
def test_simulate_kind_of_output(kind):
    m, d, col, _, _ = _kind_model(kind)
    assert m.frame.response.kind == kind
    sims = m.simulate(nsim=3, seed=1)
    s = sims["sim_2"]
    if kind == "binary":
        assert np.issubdtype(s.dtype, np.integer)
        assert set(np.unique(s)) <= {0, 1} and len(np.unique(s)) == 2
    elif kind == "cbind":       # R's matrix column: successes and failures, R's column names
        assert isinstance(s, pd.DataFrame) and list(s.columns) == ["incidence", ""]
        assert list(sims.columns[:2]) == [("sim_1", "incidence"), ("sim_1", "")]
        assert all(np.issubdtype(t, np.integer) for t in s.dtypes)
        size = d["size"].to_numpy()
        succ = s.iloc[:, 0].to_numpy()
        assert np.all((succ >= 0) & (succ <= size)) and succ.sum() > 0
        np.testing.assert_array_equal(s.iloc[:, 0] + s.iloc[:, 1], size)
    elif kind == "proportion":
        assert np.issubdtype(s.dtype, np.floating)
        size = d["size"].to_numpy()
        k = s.to_numpy() * size
        assert np.all((s >= 0) & (s <= 1))
        np.testing.assert_allclose(k, np.round(k), atol=1e-9)
        assert np.any((s > 0) & (s < 1))
    else:
        assert isinstance(s.dtype, pd.CategoricalDtype)
        assert list(s.cat.categories) == ["no", "yes"]
        assert set(s.astype(str)) == {"no", "yes"}


def test_cbind_and_weights_simulations_agree():
    """Same seed, same draws: successes for cbind, successes / size for the weights form."""
    mc, _ = fitted("cbpp_cbind")
    mw, _ = fitted("cbpp_weights")
    a = mc.simulate(nsim=3, seed=5, use_u=True)
    b = mw.simulate(nsim=3, seed=5, use_u=True)
    np.testing.assert_allclose(b.to_numpy() * mw.frame.weights[:, None], _successes(mc, a), atol=1e-9)
    # and with R's stream and new random effects (an int seed with stream="r" is set.seed)
    a = mc.simulate(nsim=3, seed=5, stream="r")
    b = mw.simulate(nsim=3, seed=gl.RStream(5))
    np.testing.assert_allclose(b.to_numpy() * mw.frame.weights[:, None], _successes(mc, a), atol=1e-9)


@pytest.mark.parametrize("kind", KINDS)
def test_refit_simulated_response(kind):
    m, d, col, formula, weights = _kind_model(kind)
    y = m.simulate(seed=1)["sim_1"]
    r = m.refit(y)
    # the same design
    assert type(r) is type(m)
    assert list(r.fixef.index) == list(m.fixef.index)
    assert r.theta.shape == m.theta.shape and r.theta_names == m.theta_names
    assert r.nobs == m.nobs and r.ngroups == m.ngroups and r.n_params == m.n_params
    np.testing.assert_array_equal(r.frame.X, m.frame.X)
    np.testing.assert_array_equal(r.frame.weights, m.frame.weights)
    assert r.frame.response.kind == kind and r.family == m.family and r.nAGQ == m.nAGQ
    # a new response...
    assert not np.array_equal(r.frame.y, m.frame.y)
    # ... equal to fitting glmer to the data with that response
    d2 = d.copy()
    if kind == "proportion":
        d2[col] = np.asarray(y, float)
    elif kind == "factor":
        d2[col] = np.asarray(y.astype(str))
    elif kind == "cbind":
        d2[col] = np.asarray(y.iloc[:, 0])
    else:
        d2[col] = np.asarray(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # a simulated response may give a singular fit
        g = gl.glmer(formula, data=d2, family="binomial", weights=weights)
    np.testing.assert_allclose(r.frame.y, g.frame.y, rtol=0, atol=1e-12)
    assert abs(r.deviance - g.deviance) < 1e-6
    np.testing.assert_allclose(r.fixef.to_numpy(), g.fixef.to_numpy(), atol=1e-4)


def test_refit_wrong_length():
    m, _ = fitted("seed_m")
    with pytest.raises(gl.ArgumentError):
        m.refit(np.zeros(m.nobs - 1))


# ----------------------------------------------------------------------------- re_form naming terms (QA)
@pytest.fixture(scope="module")
def nested():
    """tests/lme4/r/predict_re_form.R: y ~ x + (1 | a/b) with lme4 1.1-31's predictions."""
    ref = load_json("predict_re_form.json")
    d = pd.DataFrame(ref["data"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = gl.glmer(ref["formula"], d)
    return ref, m, pd.DataFrame(ref["newdata"])


RE_FORMS = [("pred_NULL", None), ("pred_NA", "~0"), ("pred_a", "~(1|a)"), ("pred_ba", "~(1 | b:a)")]


@pytest.mark.parametrize("key, re_form", RE_FORMS)
def test_predict_re_form_terms_against_lme4(nested, key, re_form):
    ref, m, nd = nested
    p = m.predict(nd, re_form=re_form, allow_new_levels=True)
    np.testing.assert_allclose(p.to_numpy(), ref[key], atol=tol.PRED_ABS, rtol=0)


@pytest.mark.parametrize("key, re_form", RE_FORMS)
@pytest.mark.parametrize("type", ["link", "response"])
def test_predict_re_form_is_the_se_fit_path(nested, key, re_form, type):
    """One reading of re_form: plain predict gives the se_fit path's ``fit`` column exactly."""
    _, m, nd = nested
    p = m.predict(nd, type=type, re_form=re_form, allow_new_levels=True)
    q = m.predict(nd, type=type, re_form=re_form, allow_new_levels=True, se_fit=True)
    np.testing.assert_array_equal(p.to_numpy(), q["fit"].to_numpy())


def test_predict_re_form_on_the_fitted_data(nested):
    ref, m, _ = nested
    p = m.predict(re_form="~(1|a)")
    np.testing.assert_allclose(p.to_numpy(), ref["fitted_pred_a"], atol=tol.PRED_ABS, rtol=0)
    # the term choice matters far beyond the tolerance: (1|a) alone is not all terms, nor none
    assert np.max(np.abs(p - m.predict())) > 100 * tol.PRED_ABS
    assert np.max(np.abs(p - m.predict(re_form="~0"))) > 100 * tol.PRED_ABS


def test_predict_without_newdata_matches_fitted():
    d = gl.simulate_article_data(seed=1, stream="r")
    m = gl.glmer("y ~ trt * sex + (1|id)", d)
    np.testing.assert_allclose(m.predict(type="response").to_numpy(), m.fitted().to_numpy(), rtol=0, atol=1e-14)

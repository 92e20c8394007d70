"""Typical-cluster vs population-averaged probabilities (issue 11, item 2).

Population averages by Gauss-Hermite are checked against brute-force Monte Carlo over the
random-effect distribution, and against emmeans' ``bias.adj = TRUE`` approximation (R output in
tests/lme4/after_fit_emmeans.json) where that approximation applies (small SD).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

import glmmlite as gl
import tolerances as tol
from conftest import load_csv, load_json


def _big_sd_data(seed=7, n_id=120, n_obs=10, sd=1.6):
    rng = np.random.default_rng(seed)
    trt = rng.integers(0, 2, n_id)
    x = rng.normal(size=n_id * n_obs)
    b = rng.normal(0, sd, n_id)
    idx = np.repeat(np.arange(n_id), n_obs)
    eta = -1.0 + 1.2 * trt[idx] + 0.5 * x + b[idx]
    y = rng.binomial(1, special.expit(eta))
    return pd.DataFrame({"id": idx, "trt": np.where(trt[idx] == 1, "B", "A"), "x": x, "y": y})


@pytest.fixture(scope="module")
def big():
    return gl.glmer("y ~ trt + x + (1|id)", data=_big_sd_data(), family="binomial")


@pytest.fixture(scope="module")
def small():
    return gl.glmer("y ~ trt * sex + (1|id)", data=load_csv("article_data.csv"), family="binomial")


ND = pd.DataFrame({"trt": ["A", "B", "A", "B"], "x": [0.0, 0.0, 1.5, -2.0], "id": [0, 1, 2, 3]})


def test_population_average_vs_monte_carlo(big):
    sd = float(big.theta[0])
    assert sd > 1.0            # the point of the check: a large SD pulls p toward 0.5
    pa = big.population_average(ND)
    eta = big.predict(ND, re_form="~0").to_numpy()
    rng = np.random.default_rng(11)
    N = 2_000_000
    z = rng.standard_normal(N)
    for i, e in enumerate(eta):
        draws = special.expit(e + sd * z)
        mc, mcse = draws.mean(), draws.std() / np.sqrt(N)
        assert abs(pa["fit"].iloc[i] - mc) < tol.MC_SE_MULT * mcse
    typ = special.expit(eta)
    # pulled toward 0.5 (strictly), and more so for extreme typical probabilities
    assert np.all(np.abs(pa["fit"] - 0.5) < np.abs(typ - 0.5))


def test_population_average_se_is_delta_of_the_integral(big):
    """The SE equals sqrt(g' V g) with g a finite-difference gradient of the GH integral in beta."""
    from glmmlite.marginal import _integrate
    X = big.frame.fixed_matrix(ND)
    s = np.full(len(ND), float(big.theta[0]))
    G = np.empty_like(X)
    h = 1e-6
    for j in range(X.shape[1]):
        bp, bm = big.beta.copy(), big.beta.copy()
        bp[j] += h
        bm[j] -= h
        G[:, j] = (_integrate(big.family, X @ bp, s, 32)[0] - _integrate(big.family, X @ bm, s, 32)[0]) / (2 * h)
    V = big.vcov().to_numpy()
    se = np.sqrt(np.einsum("ij,jk,ik->i", G, V, G))
    np.testing.assert_allclose(big.population_average(ND)["se_fit"], se, rtol=1e-6)


def test_probabilities_table(big):
    t = big.probabilities(ND)
    assert list(t.columns[:3]) == ["trt", "x", "id"]
    typ = big.predict_interval(ND, type="response", re_form="~0")
    np.testing.assert_allclose(t["typical"], typ["fit"], rtol=1e-12)
    np.testing.assert_allclose(t["typical_lower"], typ["lower"], rtol=1e-12)
    assert np.all((t["population_lower"] < t["population"]) & (t["population"] < t["population_upper"]))
    np.testing.assert_allclose(t["re_sd"], float(big.theta[0]), rtol=1e-12)


def test_gauss_hermite_converged(big):
    a = big.population_average(ND, n_quad=32)["fit"]
    b = big.population_average(ND, n_quad=80)["fit"]
    np.testing.assert_allclose(a, b, atol=1e-10)


def test_small_sd_matches_emmeans_bias_adj(small):
    """Article model (SD 0.064): GH population averages = emmeans' bias.adj (R) to the Taylor remainder."""
    R = load_json("after_fit_emmeans.json")
    r = pd.DataFrame(R["emm_bias"])
    gh = small.emmeans("~trt*sex", population=True).summary()
    # R's numbers come from lme4's fit; ours from our own: the estimate difference is allowed too
    np.testing.assert_allclose(gh["prob"], r["prob"], rtol=tol.AFTER_FIT_REL, atol=tol.BIAS_ADJ_SMALL_SD_ABS)
    # and on our own fit the two approximations agree to the Taylor remainder alone
    ta = small.emmeans("~trt*sex", bias_adj=True).summary()
    assert np.max(np.abs(gh["prob"] - ta["prob"])) < tol.BIAS_ADJ_SMALL_SD_ABS


def test_population_rows_of_fitted_data(small):
    pa = small.population_average()
    assert len(pa) == small.nobs
    grid = small.probabilities(pd.DataFrame({"trt": ["control", "treat"], "sex": ["male", "male"]}))
    assert np.all(grid["population"] != grid["typical"])


def test_bad_n_quad(small):
    with pytest.raises(gl.ArgumentError, match="n_quad"):
        small.population_average(n_quad=0)

"""glmer against real lme4 1.1-31: every public fit in ../shared/reference."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmmlite as gl
from conftest import load_csv, load_json
import tolerances as tol

SEED_CASES = {
    # name: (reference json, formula, nAGQ)
    "seed_m": ("seed_m.json", "y ~ trt * sex + (1 | id)", 1),
    "seed_m2": ("seed_m2.json", "y ~ trt + sex + (1 | id)", 1),
    "seed_m_y2": ("seed_m_y2.json", "y2 ~ trt * sex + (1 | id)", 1),
    "seed_m_agq25": ("seed_m.json", "y ~ trt * sex + (1 | id)", 25),
}
CBPP_CASES = {
    # name: (reference json, formula, weights, nAGQ)
    "cbpp_cbind": ("cbpp_cbind.json", "cbind(incidence, size - incidence) ~ period + (1 | herd)", None, 1),
    "cbpp_weights": ("cbpp_weights.json", "incidence/size ~ period + (1 | herd)", "size", 1),
    "cbpp_cbind_agq25": ("cbpp_cbind.json", "cbind(incidence, size - incidence) ~ period + (1 | herd)", None, 25),
}


def _cbpp() -> pd.DataFrame:
    d = load_csv("cbpp.csv")
    d["period"] = pd.Categorical(d["period"].astype(str), categories=["1", "2", "3", "4"])
    return d


_FITS: dict = {}


def fitted(name: str):
    """Fit each reference model once per test session; return (model, reference)."""
    if name not in _FITS:
        if name in SEED_CASES:
            file, formula, nagq = SEED_CASES[name]
            ref = load_json(file)
            if nagq > 1:
                ref = {**ref, **ref["nAGQ25"], "ranef": None}
            m = gl.glmer(formula, data=load_csv("seed_data.csv"), family="binomial", nAGQ=nagq)
        else:
            file, formula, weights, nagq = CBPP_CASES[name]
            ref = load_json(file)
            if nagq > 1:
                ref = {**ref, **ref["nAGQ25"], "ranef": None}
            m = gl.glmer(formula, data=_cbpp(), family="binomial", weights=weights, nAGQ=nagq)
        _FITS[name] = (m, ref)
    return _FITS[name]


ALL = list(SEED_CASES) + list(CBPP_CASES)


@pytest.mark.parametrize("name", ALL)
def test_deviance_not_higher(name):
    m, ref = fitted(name)
    assert m.deviance <= ref["deviance_summary"] + tol.DEVIANCE_ABOVE_LME4


@pytest.mark.parametrize("name", ALL)
def test_fixed_effects_within_se(name):
    m, ref = fitted(name)
    se = pd.Series(ref["se"])
    ref_fixef = pd.Series(ref["fixef"])
    assert list(m.fixef.index) == list(ref_fixef.index)
    assert np.all(np.abs(m.fixef - ref_fixef) <= tol.FIXEF_IN_SE * se)


@pytest.mark.parametrize("name", ALL)
def test_standard_errors(name):
    m, ref = fitted(name)
    se = m.coef_table()["Std. Error"]
    np.testing.assert_allclose(se.to_numpy(), pd.Series(ref["se"])[se.index].to_numpy(), rtol=tol.SE_REL)


@pytest.mark.parametrize("name", ALL)
def test_random_effect_sd(name):
    m, ref = fitted(name)
    ref_sd = np.array(ref["varcorr"]["sdcor"], float)
    ours = m.varcorr()["Std.Dev."].to_numpy()
    allowed = np.maximum(tol.SD_ABS, tol.SD_REL * ref_sd)
    assert np.all(np.abs(ours - ref_sd) <= allowed)
    np.testing.assert_allclose(m.theta, list(ref["theta"].values()), atol=tol.SD_ABS)


@pytest.mark.parametrize("name", ALL)
def test_loglik_aic_bic(name):
    m, ref = fitted(name)
    assert abs(m.loglik - ref["logLik"]) <= tol.LOGLIK_ABS
    assert abs(m.aic - ref["AIC"]) <= tol.LOGLIK_ABS
    assert abs(m.bic - ref["BIC"]) <= tol.LOGLIK_ABS
    assert abs(m.deviance - ref["minus2logLik"]) <= tol.LOGLIK_ABS


@pytest.mark.parametrize("name", ALL)
def test_counts(name):
    m, ref = fitted(name)
    assert m.nobs == ref["nobs"]
    assert m.ngroups == ref["ngrps"]
    assert m.df_resid == ref["df_resid"]
    assert m.n_params == ref["n_params"]
    assert m.is_singular() == ref["isSingular"]


@pytest.mark.parametrize("name", [n for n in ALL if "agq25" not in n])
def test_conditional_modes(name):
    m, ref = fitted(name)
    (group, rr), = ref["ranef"].items()
    re = m.ranef(cond_var=True)[group]
    assert [str(v) for v in re.index] == [str(v) for v in rr["levels"]]
    ref_vals = np.array(rr["values"]["(Intercept)"], float)
    cond_sd = np.sqrt(np.array(rr["condVar"], float).ravel())
    assert np.all(np.abs(re["(Intercept)"].to_numpy() - ref_vals) <= tol.RANEF_IN_CONDSD * cond_sd)
    np.testing.assert_allclose(np.sqrt(re["condVar_(Intercept)"].to_numpy()), cond_sd, rtol=0.01)


@pytest.mark.parametrize("name", ["seed_m", "cbpp_cbind"])
def test_vcov_rx(name):
    """The cheaper RX-based covariance (R's use.hessian = FALSE) matches lme4's too."""
    m, ref = fitted(name)
    V = ref["vcov_RX"]
    np.testing.assert_allclose(np.sqrt(np.diag(m.vcov_rx().to_numpy())),
                               np.sqrt(np.diag(np.array(V["values"]))), rtol=tol.SE_REL)


def test_cbind_and_weights_forms_agree():
    a, _ = fitted("cbpp_cbind")
    b, _ = fitted("cbpp_weights")
    np.testing.assert_allclose(a.fixef, b.fixef, atol=1e-8)
    assert abs(a.loglik - b.loglik) < 1e-8

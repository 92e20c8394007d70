"""anova(m2, m): the likelihood-ratio test, against lme4's seed_anova_m2_m.json."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from conftest import load_json
from tolerances import LOGLIK_ABS

import glmmlite as gl
import tolerances as tol
from glmmlite.inference.anova import AnovaTable, anova
from glmmlite.errors import ArgumentError

# Chisq is a difference of two logLiks, each within LOGLIK_ABS: 2 * 2 * LOGLIK_ABS.
CHISQ_ABS = tol.CHISQ_ABS
# p = P(chi2_1 > Chisq): d log p / d Chisq ~ -1/2, so a Chisq error of CHISQ_ABS moves p by
# a relative 0.5 * CHISQ_ABS = 0.2%; allow 1%.
P_REL = tol.P_REL


@pytest.fixture(scope="module")
def models(seed_data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = gl.glmer("y ~ trt * sex + (1|id)", data=seed_data, family="binomial", data_name="d")
        m2 = gl.glmer("y ~ trt + sex + (1|id)", data=seed_data, family="binomial", data_name="d")
    return m, m2


def test_anova_matches_lme4(models):
    m, m2 = models
    ref = load_json("seed_anova_m2_m.json")
    tab = anova(m2, m)
    assert isinstance(tab, AnovaTable)
    assert list(tab.index) == ref["models"] == ["m2", "m"]
    assert list(tab.columns) == ["npar", "AIC", "BIC", "logLik", "deviance", "Chisq", "Df", "Pr(>Chisq)"]
    assert tab["npar"].tolist() == ref["npar"]
    for col in ("AIC", "BIC", "logLik", "deviance"):
        np.testing.assert_allclose(tab[col].to_numpy(), ref[col], atol=LOGLIK_ABS * (1 if col == "logLik" else 2),
                                   rtol=0, err_msg=col)
    assert math.isnan(tab["Chisq"].iloc[0]) and ref["Chisq"][0] is None
    assert math.isnan(tab["Df"].iloc[0]) and math.isnan(tab["Pr(>Chisq)"].iloc[0])
    assert tab["Chisq"].iloc[1] == pytest.approx(ref["Chisq"][1], abs=CHISQ_ABS)
    assert tab["Df"].iloc[1] == ref["Df"][1]
    assert tab["Pr(>Chisq)"].iloc[1] == pytest.approx(ref["p_value"][1], rel=P_REL)


def test_anova_orders_by_npar_and_names_models(models):
    m, m2 = models
    tab = anova(m, m2)                         # larger model first: R reorders
    assert list(tab.index) == ["m2", "m"]
    assert anova(m, m2, names=["full", "reduced"]).index.tolist() == ["reduced", "full"]
    assert anova([m2, m]).index.tolist() == ["m2", "m"]
    assert anova(*[m2, m]).index.tolist() == ["m2", "m"]


def test_anova_prints_like_r(models):
    m, m2 = models
    ref = load_json("seed_anova_m2_m.json")
    ours = str(anova(m2, m)).splitlines()
    theirs = ref["printed"].splitlines()
    assert len(ours) == len(theirs)
    assert ours[:5] == theirs[:5]              # Data:, Models:, formulas, column header
    assert ours[-2:] == theirs[-2:]            # significance legend
    for a, b in zip(ours[5:7], theirs[5:7]):   # same layout; numbers within tolerance
        assert len(a) == len(b)
        assert a.split()[0] == b.split()[0]
        assert a.endswith("***") == b.endswith("***")
    html = anova(m2, m)._repr_html_()
    assert "<table" in html and "Pr(&gt;Chisq)" in html and "m2: y ~ trt + sex + (1 | id)" in html


def test_anova_checks_data(seed_data, models):
    m, m2 = models
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fewer = gl.glmer("y ~ trt + sex + (1|id)", data=seed_data.iloc[:-14], family="binomial")
        other_y = gl.glmer("y2 ~ trt + sex + (1|id)", data=seed_data, family="binomial")
    with pytest.raises(ArgumentError, match="same size of dataset"):
        anova(fewer, m)
    with pytest.raises(ArgumentError, match="same data"):
        anova(other_y, m)
    with pytest.raises(ArgumentError, match="at least two"):
        anova(m, names=["m"])           # one model with names: not the one-model table either
    assert isinstance(anova(m), gl.inference.anova_fixed.FixedAnovaTable)   # lme4's anova(m)
    with pytest.raises(ArgumentError, match="not a fitted model"):
        anova(m, "m2")
    with pytest.raises(ArgumentError, match="labels"):
        anova(m, m2, names=["a"])


def test_anova_prints_formulas_as_the_summary_and_r_do(cbpp_data):
    """Issue 13, 5: one formula-to-text routine: anova's Models lines are R's deparse
    (``cbind(incidence, size - incidence)``), as on the summary's Formula line."""
    d = cbpp_data.copy()
    d["period"] = d["period"].astype(str)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m1 = gl.glmer("cbind(incidence,size-incidence)~period+(1|herd)", data=d, data_name="cbpp")
        m0 = gl.glmer("cbind(incidence,size-incidence)~1+(1|herd)", data=d, data_name="cbpp")
    text = str(anova(m0, m1)).split("\n")
    assert text[:4] == ["Data: cbpp", "Models:",
                        "m0: cbind(incidence, size - incidence) ~ 1 + (1 | herd)",
                        "m1: cbind(incidence, size - incidence) ~ period + (1 | herd)"]
    formula_line = [s for s in str(m1.summary()).split("\n") if s.startswith("Formula:")][0]
    assert formula_line == "Formula: " + text[3].split(": ", 1)[1]

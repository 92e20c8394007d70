"""anova(m) of one model against lme4 1.1-31 (tests/lme4/r/anova_single.R ->
anova_single_cases.json, anova_single_printed.txt).

lme4's table is a formula on its fit: squares of R_X beta summed by term.  So (1) glmmlite's
formula at lme4's own beta and R_X must give lme4's numbers to rounding (FORMULA_RTOL), with the
columns grouped into terms by glmmlite's own model frame; (2) the table printed from lme4's
numbers must be R's text character for character; (3) the table at glmmlite's fit must agree
with lme4's within what the estimates' tolerances allow (tolerances.py, SEQ_SS_*), and print as
R does word by word.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmmlite as gl
import tolerances as tol
from conftest import load_csv, load_json
from glmmlite.inference.anova_fixed import HEADING, FixedAnovaTable, sequential_effects
from test_fit_reference import _cbpp
from test_summary_vs_lme4 import assert_same_print, blocks

CASES = {k: v for k, v in load_json("anova_single_cases.json").items() if k != "session"}
PRINTED = blocks("anova_single_printed.txt")


@pytest.fixture(scope="module")
def fits():
    data = {"seed": load_csv("seed_data.csv"), "cbpp": _cbpp(), "slopes": load_csv("links_slopes.csv")}
    out = {}
    for name, c in CASES.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gl.SingularFitWarning)   # slopes: one correlation at its bound
            out[name] = gl.glmer(c["formula"], data=data[c["data"]], family="binomial")
    return out


def _lme4_table(c: dict) -> pd.DataFrame:
    return pd.DataFrame({k: np.asarray(v, float) for k, v in c["columns"].items()}, index=c["rows"])


@pytest.mark.parametrize("name", CASES)
def test_formula_at_lme4s_estimates(fits, name):
    c = CASES[name]
    m = fits[name]
    assert list(m.fixef.index) == list(c["fixef"])
    RX = np.array(c["RX"], float).reshape(len(c["fixef"]), -1)
    eff = sequential_effects(RX.T @ RX, np.array(list(c["fixef"].values())))
    assign = np.array(m.frame.fixed_assign())
    terms = [t for t in dict.fromkeys(assign.tolist()) if t != 0]
    ss = [np.sum(eff[assign == t] ** 2) for t in terms]
    np.testing.assert_allclose(ss, c["columns"]["Sum Sq"], rtol=tol.FORMULA_RTOL)
    assert [int(np.sum(assign == t)) for t in terms] == [int(v) for v in c["columns"]["npar"]]


@pytest.mark.parametrize("name", CASES)
def test_printed_from_lme4s_numbers(name):
    t = FixedAnovaTable(_lme4_table(CASES[name]), [HEADING])
    assert str(t) == PRINTED[f"##### {name}"]


@pytest.mark.parametrize("name", CASES)
def test_table_at_our_fit(fits, name):
    c, m = CASES[name], fits[name]
    t = gl.anova(m)
    ref = _lme4_table(c)
    assert list(t.index) == list(ref.index)
    assert list(t.columns) == ["npar", "Sum Sq", "Mean Sq", "F value"]
    assert t["npar"].tolist() == ref["npar"].astype(int).tolist()
    ours, theirs = np.sqrt(t["Sum Sq"].to_numpy()), np.sqrt(ref["Sum Sq"].to_numpy())
    allowed = tol.SEQ_SS_SQRT_PER_SQRT_P * np.sqrt(len(m.fixef)) + tol.SEQ_SS_SQRT_REL * theirs
    assert np.all(np.abs(ours - theirs) <= allowed), (ours, theirs)
    np.testing.assert_allclose(t["Mean Sq"], t["Sum Sq"] / t["npar"], rtol=tol.FORMULA_RTOL)
    np.testing.assert_allclose(t["F value"], t["Mean Sq"], rtol=tol.FORMULA_RTOL)   # sigma = 1
    assert_same_print(str(t), PRINTED[f"##### {name}"])


def test_one_column_term_is_a_squared_wald_z(fits):
    """The last term's F is its squared Wald z (vcov without the Hessian): nothing comes after it."""
    m = fits["seed_m"]
    V = m.vcov_rx()
    z = m.fixef["trttreat:sexmale"] / np.sqrt(V.loc["trttreat:sexmale", "trttreat:sexmale"])
    assert gl.anova(m).loc["trt:sex", "F value"] == pytest.approx(z ** 2, rel=tol.FORMULA_RTOL)


def test_sequential_order_matters(fits):
    a, b = gl.anova(fits["seed_m2"]), gl.anova(fits["seed_m2_sex_first"])
    assert a.loc["sex", "Sum Sq"] != pytest.approx(b.loc["sex", "Sum Sq"], rel=0.1)
    # the total is the same quadratic form beta' I beta minus the intercept's part, whatever the order
    assert a["Sum Sq"].sum() == pytest.approx(b["Sum Sq"].sum(), rel=1e-3)


def test_html_and_frame(fits):
    t = gl.anova(fits["seed_m"])
    assert "Analysis of Variance Table" in t._repr_html_() and "trt:sex" in t._repr_html_()
    assert isinstance(t.to_frame(), pd.DataFrame)
    empty = gl.anova(fits["seed_intercept_only"])
    assert len(empty) == 0 and "no fixed-effect terms" in empty._repr_html_()


def test_anova_without_models_names_both_uses():
    with pytest.raises(gl.ArgumentError, match=r"anova\(m\).*anova\(m2, m\)"):
        gl.anova()

"""drop1() against lme4 1.1-31 (tests/lme4/r/drop1.R -> drop1_cases.json, drop1_printed.txt).

The numbers (npar, AIC, LRT, Pr(Chi)) and the printed table, word by word as the printed summary
(test_summary_vs_lme4.assert_same_print).  Tolerances: tests/tolerances.py -- an AIC is a
deviance plus a constant (DEVIANCE_ABOVE_LME4 above lme4's, LOGLIK_ABS either way), LRT a
difference of two deviances (CHISQ_ABS), its p value P_REL.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmmlite as gl
import tolerances as tol
from conftest import load_csv, load_json
from test_fit_reference import _cbpp
from test_summary_vs_lme4 import assert_same_print, blocks

CASES = {k: v for k, v in load_json("drop1_cases.json").items() if k != "session"}
PRINTED = blocks("drop1_printed.txt")


@pytest.fixture(scope="module")
def tables():
    cbpp = _cbpp()
    cbpp["obs"] = np.arange(1, len(cbpp) + 1)          # an observation-level random effect
    data = {"seed": load_csv("seed_data.csv"), "cbpp": cbpp}
    fits, out = {}, {}
    for name, c in CASES.items():
        key = (c["data"], c["formula"])
        if key not in fits:
            fits[key] = gl.glmer(c["formula"], data=data[c["data"]])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gl.SingularFitWarning)   # cbpp + (1 | obs): herd's SD 0, as in R
            out[name] = gl.drop1(fits[key], scope=c["scope"], test=c["test"])
    return out


def _col(c, name):
    return np.array([np.nan if v is None else v for v in c["columns"][name]], dtype=float)


@pytest.mark.parametrize("name", list(CASES))
def test_drop1_numbers_match_lme4(tables, name):
    tab, c = tables[name], CASES[name]
    assert list(tab.index) == c["rows"]
    assert list(tab.columns) == list(c["columns"])
    np.testing.assert_array_equal(tab["npar"].to_numpy(), _col(c, "npar"))
    aic, want = tab["AIC"].to_numpy(), _col(c, "AIC")
    assert np.all(aic <= want + tol.DEVIANCE_ABOVE_LME4), (aic, want)
    np.testing.assert_allclose(aic, want, atol=tol.LOGLIK_ABS * 2)
    if "LRT" in tab.columns:
        lrt, want_lrt = tab["LRT"].to_numpy(), _col(c, "LRT")
        np.testing.assert_allclose(lrt, want_lrt, atol=tol.CHISQ_ABS, equal_nan=True)
        np.testing.assert_allclose(tab["Pr(Chi)"].to_numpy(), _col(c, "Pr(Chi)"), rtol=tol.P_REL, equal_nan=True)


@pytest.mark.parametrize("name", list(CASES))
def test_drop1_prints_as_lme4(tables, name):
    assert_same_print(str(tables[name]), PRINTED[f"##### {name}"])


def test_drop1_refits_are_the_smaller_models(tables):
    tab = tables["seed_m2_chisq"]
    assert tab.fits["trt"].formula == "y ~ sex + (1 | id)"
    assert list(tab.fits["sex"].fixef.index) == ["(Intercept)", "trttreat"]
    assert "<table" in tab._repr_html_() and "Single term deletions" in tab._repr_html_()


def test_drop1_bad_arguments_name_the_problem(tables):
    m = tables["seed_m_chisq"].fits["trt:sex"]            # y ~ trt + sex + (1 | id)
    with pytest.raises(gl.ArgumentError, match="test= must be 'none' or 'Chisq'"):
        gl.drop1(m, test="F")
    with pytest.raises(gl.ArgumentError, match=r"'age' that are not fixed-effect terms.*trt, sex"):
        gl.drop1(m, scope=["age"])
    with pytest.raises(gl.ArgumentError, match="scope= must be"):
        gl.drop1(m, scope=3)
    with pytest.raises(gl.ArgumentError, match=r"drop1\(\) needs a fitted model.*DataFrame"):
        gl.drop1(pd.DataFrame())


def test_drop1_docstring_example_runs():
    import doctest
    import glmmlite.inference.drop1 as module
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 3 and result.failed == 0

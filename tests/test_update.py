"""m.update(): R's update(m, . ~ . - term) (glmmlite/update.py).

The refit is glmer on the new formula and the model's own data and arguments, so it is checked
against a direct glmer fit (the same computation: FORMULA_RTOL) and, for the article's m2,
against lme4's AIC (tests/lme4/article_m2.json, DEVIANCE_ABOVE_LME4 / LOGLIK_ABS).  The new
formulas are R's update.formula results (tests/lme4/r/update_formula.R -> update_formula.json).
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import glmmlite as gl
import tolerances as tol
from conftest import load_json
from glmmlite.update import update_formula


@pytest.fixture(scope="module")
def d():
    return gl.simulate_article_data(seed=1, stream="r")


@pytest.fixture(scope="module")
def m(d):
    return gl.glmer("y ~ trt * sex + (1|id)", d)


@pytest.mark.parametrize("case", load_json("update_formula.json")["cases"], ids=lambda c: c["new"])
def test_update_formula_is_rs(case):
    """R's update.formula result, character for character (tests/lme4/r/update_formula.R)."""
    assert update_formula(case["old"], case["new"]) == case["result"]


def test_update_refits_as_glmer_on_the_new_formula(d, m):
    m2 = m.update(". ~ . - trt:sex")
    direct = gl.glmer("y ~ trt + sex + (1 | id)", d)
    assert m2.formula == "y ~ trt + sex + (1 | id)" and m2.data_name == "d"
    assert m2.deviance == pytest.approx(direct.deviance, rel=tol.FORMULA_RTOL)
    ref = load_json("article_m2.json")
    assert m2.aic <= ref["AIC"] + tol.DEVIANCE_ABOVE_LME4
    assert m2.aic == pytest.approx(ref["AIC"], abs=tol.LOGLIK_ABS * 2)
    probit = m.update(family=gl.binomial(link="probit"))
    assert probit.family.link == "probit" and probit.formula == m.formula
    half = d[d["id"].astype(int) <= 125]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gl.SingularFitWarning)    # half the students: SD estimated as 0
        on_half = m.update(data=half)                  # new data: named as the caller named it
    assert on_half.data_name == "half" and on_half.nobs == len(half)
    with pytest.raises(gl.ArgumentError, match="nAGQ must be a whole number"):
        m.update(nAGQ=1.5)


def test_update_uses_all_rows_of_the_original_data(d):
    dd = d.copy()
    dd["z"] = np.where(np.arange(len(dd)) % 10 == 0, np.nan, 1.0) * np.arange(len(dd)) % 7
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gl.MissingValuesWarning)
        mz = gl.glmer("y ~ trt + z + (1 | id)", dd)
    assert mz.nobs < len(dd)
    back = mz.update(". ~ . - z")             # as R's update: z's missing rows come back
    assert back.nobs == len(dd)


def test_update_keeps_weights_and_refuses_what_it_cannot_do(m):
    cb = gl.datasets.cbpp()
    mw = gl.glmer("incidence/size ~ period + (1 | herd)", cb, weights="size")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gl.SingularFitWarning)
        m0 = mw.update(". ~ 1 + (1 | herd)")
    assert m0.weights_name == "size" and m0.formula == "incidence/size ~ (1 | herd)"     # as R
    with pytest.raises(gl.FormulaError, match=r"removes \(1 \| day\), which is not a random-effect term"):
        m.update(". ~ . - (1|day)")
    with pytest.raises(gl.FormulaError, match="leaves no random-effect term"):
        m.update(". ~ . - (1|id)")
    with pytest.raises(gl.ArgumentError, match="'bogus'"):
        m.update(bogus=1)
    with pytest.raises(gl.ArgumentError, match="must be a string"):
        m.update(3)


def test_update_docstring_examples_run():
    import doctest
    import glmmlite.update as module
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 2 and result.failed == 0

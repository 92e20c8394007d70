"""Fixtures shared by the after-the-fit tests (issue 11): the article's model, cbpp with
``period`` as a factor, and the R reference numbers of tests/lme4/r/after_fit_emmeans.R.
Test modules import the ones they use (module scope: one fit per test module)."""
from __future__ import annotations

import pytest

import glmmlite as gl
from conftest import load_csv, load_json


@pytest.fixture(scope="module")
def R():
    return load_json("after_fit_emmeans.json")


@pytest.fixture(scope="module")
def m():
    return gl.glmer("y ~ trt * sex + (1|id)", data=load_csv("article_data.csv"), family="binomial")


@pytest.fixture(scope="module")
def gm():
    cb = load_csv("cbpp.csv")
    cb["period"] = cb["period"].astype(str)
    return gl.glmer("cbind(incidence, size - incidence) ~ period + (1|herd)", data=cb, family="binomial")

"""Issue 6: bad input gives a clear, specific error (type + message naming the culprit)."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import load_csv
from glmmlite.errors import (
    ArgumentError, DataError, FormulaError, GlmmliteError, MissingValuesWarning, NewDataError,
    RankDeficiencyWarning, ResponseError,
)
from glmmlite.modelframe import build_model_frame

SEED_F = "y ~ trt * sex + (1 | id)"


@pytest.fixture
def seed() -> pd.DataFrame:
    return load_csv("seed_data.csv")


@pytest.fixture
def cbpp() -> pd.DataFrame:
    d = load_csv("cbpp.csv")
    d["period"] = d["period"].astype(str)
    return d


def raises(exc, formula, data, **kw) -> str:
    with pytest.raises(exc) as ei:
        build_model_frame(formula, data, **kw)
    msg = str(ei.value)
    assert isinstance(ei.value, GlmmliteError) and isinstance(ei.value, ValueError)
    return msg


# ----------------------------------------------------------------------------- columns
def test_unknown_column_suggests_close_names(seed):
    msg = raises(DataError, "y ~ trtt * sex + (1 | id)", seed)
    assert "'trtt'" in msg and "did you mean 'trt'" in msg


def test_unknown_column_case(seed):
    msg = raises(DataError, "Y ~ trt + (1 | id)", seed)
    assert "'Y'" in msg and "'y'" in msg


def test_unknown_grouping_column(seed):
    msg = raises(DataError, "y ~ trt + (1 | ID)", seed)
    assert "'ID'" in msg and "'id'" in msg


def test_unknown_column_without_close_match(seed):
    msg = raises(DataError, "y ~ trt + zzzqqq + (1 | id)", seed)
    assert "'zzzqqq'" in msg and "columns:" in msg


def test_column_named_like_python_attribute(seed):
    msg = raises(DataError, "y ~ x.__class__ + (1 | id)", seed)
    assert "'x.__class__'" in msg


# ----------------------------------------------------------------------------- malformed formulas
@pytest.mark.parametrize("formula, fragment", [
    ("y ~ trt + (1 | id", "never closed"),
    ("y ~ trt) + (1 | id)", "')' without a matching '('"),
    ("y + trt + (1 | id)", "no '~'"),
    ("y ~ ", "after '~'"),
    ("y ~ trt + (1 | )", "expected a grouping factor after '|'"),
    ("~ trt + (1 | id)", "no response"),
    ("y ~ trt + 1 | id", "parentheses"),
    ("y ~ . + (1 | id)", "'.' (all other columns) is not supported"),
])
def test_malformed_formula_says_where(seed, formula, fragment):
    msg = raises(FormulaError, formula, seed)
    assert fragment in msg
    assert "at character" in msg or "no '~'" in msg


def test_no_random_effect_term(seed):
    msg = raises(FormulaError, "y ~ trt * sex", seed)
    assert "No random effects terms specified in formula" in msg and "GLM" in msg


def test_formula_is_not_evaluated(seed):
    with pytest.raises(FormulaError):
        build_model_frame("__import__('os').system('echo hi') ~ x + (1|g)", seed)
    with pytest.raises(FormulaError):
        build_model_frame("y ~ x + (1|g) + exec('1')", seed)


# ----------------------------------------------------------------------------- response
def test_response_coded_1_2_names_values(seed):
    d = seed.assign(y=seed["y"] + 1)
    msg = raises(ResponseError, SEED_F, d)
    assert "values seen: 1, 2" in msg and "0/1" in msg


def test_response_other_values(seed):
    d = seed.assign(y=seed["y"] * 3 - 1)
    msg = raises(ResponseError, SEED_F, d)
    assert "-1, 2" in msg


def test_response_more_than_two_levels(seed):
    d = seed.assign(y=np.where(seed["y"] == 1, "yes", np.where(seed["day"] < 3, "maybe", "no")))
    msg = raises(ResponseError, SEED_F, d)
    assert "exactly two levels" in msg and "'maybe', 'no', 'yes'" in msg


def test_response_single_level(seed):
    d = seed.assign(y="yes")
    msg = raises(ResponseError, SEED_F, d)
    assert "two levels" in msg and "'yes'" in msg


def test_proportion_without_weights(seed, cbpp):
    msg = raises(ResponseError, "p ~ trt + (1 | id)", seed)
    assert "'p'" in msg and "weights=" in msg
    msg = raises(ResponseError, "incidence/size ~ period + (1 | herd)", cbpp)
    assert "'incidence/size'" in msg and "weights=" in msg


def test_negative_successes(cbpp):
    d = cbpp.assign(incidence=cbpp["incidence"] - 1)
    msg = raises(ResponseError, "cbind(incidence, size - incidence) ~ period + (1 | herd)", d)
    assert "negative" in msg and "successes" in msg and "-1" in msg


def test_negative_failures_hint(cbpp):
    msg = raises(ResponseError, "cbind(incidence, incidence - size) ~ period + (1 | herd)", cbpp)
    assert "failures" in msg and "'incidence - size'" in msg and "trials - successes" in msg


def test_non_integer_counts(cbpp):
    d = cbpp.assign(inc=cbpp["incidence"] + 0.5)
    msg = raises(ResponseError, "cbind(inc, size - inc) ~ period + (1 | herd)", d)
    assert "non-integer" in msg and "0.5" in msg


def test_successes_more_than_trials(cbpp):
    d = cbpp.assign(incidence=cbpp["incidence"] + cbpp["size"])
    msg = raises(ResponseError, "incidence/size ~ period + (1 | herd)", d, weights="size")
    assert "more successes than trials" in msg


def test_non_integer_successes_for_proportions(cbpp):
    msg = raises(ResponseError, "incidence/size ~ period + (1 | herd)", cbpp,
                 weights=cbpp["size"].to_numpy() * 0.5)
    assert "non-integer number of successes" in msg and "incidence/size" in msg


def test_response_not_numeric_in_cbind(cbpp):
    d = cbpp.assign(inc=cbpp["incidence"].astype(str) + "x")
    msg = raises(ResponseError, "cbind(inc, size) ~ period + (1 | herd)", d)
    assert "'inc'" in msg and "numeric" in msg


# ----------------------------------------------------------------------------- missing values
def test_missing_values_warning_names_columns(seed):
    d = seed.copy()
    d.loc[[3, 4, 7], "sex"] = np.nan
    with pytest.warns(MissingValuesWarning, match=r"3 of 3500 rows dropped.*'sex' \(3\)"):
        mf = build_model_frame(SEED_F, d)
    assert mf.n_dropped == 3


def test_missing_weights_are_dropped_too(cbpp):
    w = cbpp["size"].to_numpy(float).copy()
    w[2] = np.nan
    with pytest.warns(MissingValuesWarning, match="'weights=' \\(1\\)"):
        mf = build_model_frame("incidence/size ~ period + (1 | herd)", cbpp, weights=w)
    assert mf.n == len(cbpp) - 1


def test_all_rows_missing(seed):
    msg = raises(DataError, SEED_F, seed.assign(y=np.nan))
    assert "no rows left" in msg and "'y'" in msg


# ----------------------------------------------------------------------------- grouping factors
def test_grouping_factor_single_level(seed):
    msg = raises(DataError, "y ~ trt + (1 | sex)", seed[seed["sex"] == "male"])
    assert "'sex'" in msg and "> 1 sampled level" in msg


def test_grouping_factor_one_level_per_observation(seed):
    d = seed.assign(row=np.arange(len(seed)))
    msg = raises(DataError, "y ~ trt + (1 | row)", d)
    # lme4 1.1-31's glmer fits it (check.nobs.vs.nlev is "ignore" for glmer): the message says
    # why glmmlite refuses, not that lme4 would
    assert "'row'" in msg and "not identifiable" in msg and "0/1 response" in msg
    assert "must be < number of observations" not in msg and "lme4's glmer fits it anyway" in msg


def test_observation_level_effect_on_counts_is_allowed(cbpp):
    """lme4 1.1-31 fits cbind(incidence, size - incidence) ~ period + (1 | obs) on cbpp (theta 0.952)."""
    d = cbpp.assign(obs=np.arange(len(cbpp)))
    mf = build_model_frame("cbind(incidence, size - incidence) ~ period + (1 | obs)", d)
    assert mf.random[0].nlevels == len(cbpp)


def test_nested_grouping_single_level_named(seed):
    d = seed.assign(site="A")
    msg = raises(DataError, "y ~ trt + (1 | site/id)", d)
    assert "'site'" in msg


def test_fixed_factor_single_level(seed):
    msg = raises(DataError, SEED_F, seed.assign(sex="male"))
    assert "'sex'" in msg and "only one level" in msg


# ----------------------------------------------------------------------------- rank deficiency
def test_rank_deficient_columns_dropped_and_named(seed):
    d = seed.assign(day2=seed["day"] * 2.0)
    with pytest.warns(RankDeficiencyWarning, match=r"dropping 1 column / coefficient: day2"):
        mf = build_model_frame("y ~ trt + day + day2 + (1 | id)", d)
    assert mf.dropped_fixef == ["day2"]
    assert mf.fixef_names == ["(Intercept)", "trttreat", "day"]
    assert mf.X.shape == (3500, 3)


def test_rank_deficient_several_columns(seed):
    d = seed.assign(ctrl=(seed["trt"] == "control").astype(float), zero=0.0)
    with pytest.warns(RankDeficiencyWarning, match="dropping 2 columns / coefficients"):
        mf = build_model_frame("y ~ trt + ctrl + zero + (1 | id)", d)
    assert mf.dropped_fixef == ["ctrl", "zero"]


def test_full_rank_no_warning(seed):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build_model_frame(SEED_F, seed)


# ----------------------------------------------------------------------------- data / arguments
def test_empty_data(seed):
    msg = raises(DataError, SEED_F, seed.iloc[:0])
    assert "no rows" in msg


@pytest.mark.parametrize("bad", [[1, 2, 3], np.zeros((3, 3)), None, "data.csv"])
def test_data_not_a_dataframe(bad):
    msg = raises(DataError, "y ~ x + (1 | g)", bad)
    assert "DataFrame" in msg and type(bad).__name__ in msg


def test_dict_with_unequal_columns():
    msg = raises(DataError, "y ~ x + (1 | g)", {"y": [0, 1], "x": [1, 2, 3], "g": [1, 2]})
    assert "dict" in msg


def test_negative_weights(seed):
    w = np.ones(len(seed))
    w[10] = -2
    msg = raises(ArgumentError, SEED_F, seed, weights=w)
    assert "weights=" in msg and "-2" in msg


def test_infinite_weights(seed):
    w = np.ones(len(seed))
    w[0] = np.inf
    msg = raises(ArgumentError, SEED_F, seed, weights=w)
    assert "weights=" in msg and "finite" in msg


def test_weights_wrong_length(seed):
    msg = raises(ArgumentError, SEED_F, seed, weights=np.ones(5))
    assert "length 5" in msg and "3500" in msg


def test_weights_not_numbers(seed):
    msg = raises(ArgumentError, SEED_F, seed, weights=["a"] * len(seed))
    assert "weights=" in msg


def test_weights_unknown_column(seed):
    msg = raises(ArgumentError, SEED_F, seed, weights="sizee")
    assert "'sizee'" in msg


def test_offset_wrong_length(seed):
    msg = raises(ArgumentError, SEED_F, seed, offset=np.zeros(3499))
    assert "offset=" in msg and "3499" in msg and "3500" in msg


def test_offset_infinite(seed):
    off = np.zeros(len(seed))
    off[1] = -np.inf
    msg = raises(ArgumentError, SEED_F, seed, offset=off)
    assert "offset=" in msg


def test_non_finite_computed_variable(seed):
    msg = raises(DataError, "y ~ log(day - 1) + (1 | id)", seed)
    assert "'log(day - 1)'" in msg


def test_numeric_function_of_text_column(seed):
    msg = raises(DataError, "y ~ log(trt) + (1 | id)", seed)
    assert "'trt'" in msg and "numeric" in msg


# ----------------------------------------------------------------------------- new data
@pytest.fixture
def seed_mf(seed):
    return build_model_frame(SEED_F, seed)


def test_newdata_missing_column(seed_mf):
    with pytest.raises(NewDataError) as ei:
        seed_mf.fixed_matrix(pd.DataFrame({"trt": ["treat"], "sexx": ["male"]}))
    assert "'sex'" in str(ei.value) and "'sexx'" in str(ei.value)


def test_newdata_does_not_need_response(seed_mf):
    X = seed_mf.fixed_matrix(pd.DataFrame({"trt": ["treat"], "sex": ["male"]}))
    np.testing.assert_array_equal(X, [[1, 1, 1, 1]])


def test_newdata_unseen_factor_level(seed_mf):
    with pytest.raises(NewDataError) as ei:
        seed_mf.fixed_matrix(pd.DataFrame({"trt": ["placebo"], "sex": ["male"]}))
    msg = str(ei.value)
    assert "'placebo'" in msg and "'trt'" in msg and "'control', 'treat'" in msg


def test_newdata_unseen_group_level(seed_mf):
    nd = pd.DataFrame({"id": [1, 9999]})
    with pytest.raises(NewDataError) as ei:
        seed_mf.random_matrices(nd)
    assert "'9999'" in str(ei.value) and "'id'" in str(ei.value) and "allow_new_levels" in str(ei.value)
    ((codes, X),) = seed_mf.random_matrices(nd, allow_new_levels=True)
    np.testing.assert_array_equal(codes, [0, -1])


def test_newdata_missing_grouping_column(seed_mf):
    with pytest.raises(NewDataError, match="'id'"):
        seed_mf.random_matrices(pd.DataFrame({"trt": ["treat"]}))


def test_newdata_numeric_column_with_text(seed):
    mf = build_model_frame("y ~ day + (1 | id)", seed)
    with pytest.raises(NewDataError, match="'day'"):
        mf.fixed_matrix(pd.DataFrame({"day": ["monday"]}))


def test_newdata_not_a_dataframe(seed_mf):
    with pytest.raises(NewDataError, match="DataFrame"):
        seed_mf.fixed_matrix([1, 2, 3])


# ----------------------------------------------------------------------------- QA, session 6
def test_numbers_and_text_in_one_column_are_refused(seed):
    """One cell formatted as text in a spreadsheet: '3' among the numbers of day.  As a factor
    day would silently become 13 dummy columns in text order."""
    d = seed.copy()
    d["day"] = d["day"].astype(object)
    d.loc[d.index[0], "day"] = "3"
    msg = raises(DataError, "y ~ day + (1 | id)", d)
    assert "'day'" in msg and "mixes numbers" in msg and "'3'" in msg and "pd.to_numeric" in msg
    d = seed.copy()
    d["trt"] = d["trt"].astype(object)
    d.loc[d.index[0], "trt"] = 1                        # a stray number among the labels
    msg = raises(DataError, SEED_F, d)
    assert "'trt'" in msg and "1 row(s)" in msg and ".astype(str)" in msg


def test_text_with_missing_values_is_still_a_factor(seed):
    d = seed.copy()
    d["trt"] = d["trt"].astype(object)
    d.loc[d.index[0], "trt"] = None
    with pytest.warns(MissingValuesWarning):
        fr = build_model_frame(SEED_F, d)
    assert "trttreat" in fr.fixef_names


# ----------------------------------------------------------------------------- QA: odd column types
def test_complex_predictor_is_refused(seed):
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # not numpy's ComplexWarning
        msg = raises(DataError, "y ~ x + (1 | id)", seed.assign(x=seed["day"] + 1j))
    assert "'x'" in msg and "complex" in msg and "real part" in msg


def test_complex_in_an_expression_is_refused(seed):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        msg = raises(DataError, "y ~ log(x) + (1 | id)", seed.assign(x=seed["day"] + 1j))
    assert "'x'" in msg and "complex" in msg


def test_datetime_response_is_refused(seed):
    d = seed.assign(yd=pd.to_datetime(np.where(seed["y"] == 1, "2020-01-02", "2020-01-01")))
    msg = raises(ResponseError, "yd ~ trt + (1 | id)", d)
    assert "'yd'" in msg and "dates/times" in msg and "the response" in msg


def test_infinite_response_says_so(seed):
    d = seed.assign(yy=seed["y"].astype(float))
    d.loc[3, "yy"] = np.inf
    msg = raises(ResponseError, "yy ~ trt + (1 | id)", d)
    assert "infinite" in msg and "Inf" in msg and "division" not in msg


def test_log_response_names_the_log(seed):
    msg = raises(ResponseError, "log(y) ~ trt + (1 | id)", seed)
    assert "-Inf" in msg and "log(0)" in msg and "division" not in msg


def test_division_by_zero_trials_hint(seed):
    d = seed.assign(n=np.where(seed.index == 0, 0, 1))
    msg = raises(ResponseError, "y/n ~ trt + (1 | id)", d)
    assert "zero trials" in msg


class _FakePolarsFrame:
    """Stands in for polars.DataFrame (no polars needed): only the type's module and name count."""


_FakePolarsFrame.__module__ = "polars.dataframe.frame"
_FakePolarsFrame.__qualname__ = _FakePolarsFrame.__name__ = "DataFrame"


def test_polars_data_is_named_in_full():
    msg = raises(DataError, "y ~ x + (1 | g)", _FakePolarsFrame())
    assert "not polars.DataFrame" in msg and ".to_pandas()" in msg


def test_polars_newdata_is_named_in_full(seed_mf):
    with pytest.raises(NewDataError) as ei:
        seed_mf.fixed_matrix(_FakePolarsFrame())
    assert "not polars.DataFrame" in str(ei.value) and ".to_pandas()" in str(ei.value)

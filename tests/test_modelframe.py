"""Step 2: the model frame (response, X, random terms) against R/lme4's conventions.

The lme4 reference fits (../shared/reference) pin down the fixed-effect names, the
grouping-factor level order and the row -> level mapping: X @ fixef must give lme4's
``predict(m, re.form = NA)`` and ranef[codes] the difference to ``predict(m)``.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import REF, load_csv, load_json
from glmmlite.contrasts import contr_poly, r_number_label, r_sort
from glmmlite.errors import MissingValuesWarning, RankDeficiencyWarning
from glmmlite.modelframe import ModelFrame, RandomTerm, build_model_frame


def cbpp() -> pd.DataFrame:
    d = load_csv("cbpp.csv")
    d["period"] = pd.Categorical(d["period"])  # a factor in R's cbpp
    return d


@pytest.fixture
def toy() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 60
    return pd.DataFrame({
        "y": rng.integers(0, 2, n),
        "a": rng.choice(["u", "v"], n),
        "b": rng.choice(["p", "q", "r"], n),
        "x": rng.normal(size=n),
        "g": np.repeat(np.arange(6), 10),
        "h": np.tile(["k", "l", "m"], 20),
        "flag": rng.random(n) < 0.5,
    })


def names(formula: str, data: pd.DataFrame, **kw) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RankDeficiencyWarning)
        return build_model_frame(formula, data, **kw).fixef_names


# ----------------------------------------------------------------------------- reference data
def test_seed_model_frame(seed_data):
    mf = build_model_frame("y ~ trt * sex + (1 | id)", seed_data)
    ref = load_json("seed_m.json")
    assert isinstance(mf, ModelFrame)
    assert mf.fixef_names == ["(Intercept)", "trttreat", "sexmale", "trttreat:sexmale"]
    assert mf.fixef_names == list(ref["fixef"])
    assert mf.n == ref["nobs"] == 3500
    assert mf.response.kind == "binary" and mf.response.name == "y"
    np.testing.assert_array_equal(mf.y, seed_data["y"].to_numpy(float))
    np.testing.assert_array_equal(mf.weights, np.ones(3500))
    np.testing.assert_array_equal(mf.offset, np.zeros(3500))
    trt = (seed_data["trt"] == "treat").to_numpy(float)
    sex = (seed_data["sex"] == "male").to_numpy(float)
    np.testing.assert_array_equal(mf.X, np.column_stack([np.ones(3500), trt, sex, trt * sex]))
    assert mf.n_dropped == 0 and mf.dropped_fixef == []
    (term,) = mf.random
    assert isinstance(term, RandomTerm)
    assert term.group == "id" and term.names == ["(Intercept)"] and term.k == 1
    assert term.nlevels == ref["ngrps"]["id"] == 250
    assert term.levels == ref["ranef"]["id"]["levels"]
    assert term.codes.dtype == np.int64
    np.testing.assert_array_equal(term.codes, seed_data["id"].to_numpy() - 1)
    np.testing.assert_array_equal(term.X, np.ones((3500, 1)))


def test_seed_linear_predictor_matches_lme4(seed_data):
    """X @ fixef = lme4's predict(re.form = NA); ranef[codes] = predict - that."""
    mf = build_model_frame("y ~ trt * sex + (1 | id)", seed_data)
    ref = load_json("seed_m.json")
    obs = load_csv("seed_m_obs.csv")
    beta = np.array(list(ref["fixef"].values()))
    np.testing.assert_allclose(mf.X @ beta, obs["predict_link_fixed"], rtol=0, atol=1e-12)
    b = np.array(ref["ranef"]["id"]["values"]["(Intercept)"])
    np.testing.assert_allclose(mf.X @ beta + b[mf.random[0].codes], obs["predict_link"],
                               rtol=0, atol=1e-12)


def test_seed_newdata_matches_lme4_predict(seed_data):
    mf = build_model_frame("y ~ trt * sex + (1 | id)", seed_data)
    ref = load_json("seed_m.json")
    nd = pd.DataFrame(ref["predict_newdata"]["newdata"])
    beta = np.array(list(ref["fixef"].values()))
    np.testing.assert_allclose(mf.fixed_matrix(nd) @ beta, ref["predict_newdata"]["link"],
                               rtol=0, atol=1e-12)


def test_cbpp_cbind():
    d = cbpp()
    mf = build_model_frame("cbind(incidence, size - incidence) ~ period + (1 | herd)", d)
    ref = load_json("cbpp_cbind.json")
    assert mf.fixef_names == ["(Intercept)", "period2", "period3", "period4"] == list(ref["fixef"])
    assert mf.response.kind == "cbind"
    assert mf.response.name == "cbind(incidence, size - incidence)"
    assert mf.response.columns == ["incidence", ""]
    np.testing.assert_allclose(mf.y, d["incidence"] / d["size"])
    np.testing.assert_array_equal(mf.weights, d["size"].to_numpy(float))
    np.testing.assert_allclose(mf.successes, d["incidence"])
    (term,) = mf.random
    assert term.group == "herd" and term.levels == ref["ranef"]["herd"]["levels"]
    obs = load_csv("cbpp_cbind_obs.csv")
    beta = np.array(list(ref["fixef"].values()))
    b = np.array(ref["ranef"]["herd"]["values"]["(Intercept)"])
    np.testing.assert_allclose(mf.X @ beta, obs["predict_link_fixed"], atol=1e-12)
    np.testing.assert_allclose(mf.X @ beta + b[term.codes], obs["predict_link"], atol=1e-12)
    nd = pd.DataFrame(ref["predict_newdata"]["newdata"])  # periods as strings "1".."4"
    np.testing.assert_allclose(mf.fixed_matrix(nd) @ beta, ref["predict_newdata"]["link"], atol=1e-12)


def test_cbpp_period_as_string_gives_same_frame():
    d = load_csv("cbpp.csv")
    d["period"] = d["period"].astype(str)
    mf = build_model_frame("cbind(incidence, size - incidence) ~ period + (1 | herd)", d)
    assert mf.fixef_names == ["(Intercept)", "period2", "period3", "period4"]


def test_cbpp_proportion_with_weights_equals_cbind():
    d = cbpp()
    a = build_model_frame("cbind(incidence, size - incidence) ~ period + (1 | herd)", d)
    b = build_model_frame("incidence/size ~ period + (1 | herd)", d, weights=d["size"].to_numpy())
    c = build_model_frame("incidence/size ~ period + (1 | herd)", d, weights="size")
    assert b.response.kind == "proportion" and b.response.name == "incidence/size"
    for m in (b, c):
        np.testing.assert_allclose(m.y, a.y)
        np.testing.assert_array_equal(m.weights, a.weights)
        np.testing.assert_array_equal(m.X, a.X)


def test_cbind_with_sum_argument_and_zero_trials():
    d = pd.DataFrame({"s": [0, 2, 0, 3], "f": [0, 1, 4, 0], "g": [1, 1, 2, 2]})
    mf = build_model_frame("cbind(s, f + 0) ~ 1 + (1|g)", d)
    np.testing.assert_array_equal(mf.weights, [0, 3, 4, 3])
    np.testing.assert_allclose(mf.y, [0, 2 / 3, 0, 1])  # R: y = 0 where trials = 0
    assert mf.response.columns == ["s", ""]


def test_cbind_weights_multiply_trials():
    d = pd.DataFrame({"s": [1, 2, 0, 3], "f": [1, 1, 4, 0], "g": [1, 1, 2, 2]})
    mf = build_model_frame("cbind(s, f) ~ 1 + (1|g)", d, weights=[1, 2, 1, 1])
    np.testing.assert_array_equal(mf.weights, [2, 6, 4, 3])


# ----------------------------------------------------------------------------- response kinds
def test_boolean_response():
    d = pd.DataFrame({"ok": [True, False, True, True], "g": [1, 1, 2, 2]})
    mf = build_model_frame("ok ~ 1 + (1|g)", d)
    assert mf.response.kind == "binary"
    np.testing.assert_array_equal(mf.y, [1, 0, 1, 1])


def test_string_response_first_level_is_failure():
    d = pd.DataFrame({"out": ["yes", "no", "yes", "no"], "g": [1, 1, 2, 2]})
    mf = build_model_frame("out ~ 1 + (1|g)", d)
    assert mf.response.kind == "factor" and mf.response.levels == ["no", "yes"]
    np.testing.assert_array_equal(mf.y, [1, 0, 1, 0])


def test_categorical_response_keeps_category_order():
    d = pd.DataFrame({"out": pd.Categorical(["yes", "no", "yes", "no"], categories=["yes", "no"]),
                      "g": [1, 1, 2, 2]})
    mf = build_model_frame("out ~ 1 + (1|g)", d)
    assert mf.response.levels == ["yes", "no"]
    np.testing.assert_array_equal(mf.y, [0, 1, 0, 1])


def test_zero_one_response_with_weights():
    d = pd.DataFrame({"y": [0, 1, 1, 0], "g": [1, 1, 2, 2]})
    mf = build_model_frame("y ~ 1 + (1|g)", d, weights=[2.0, 1, 1, 3])
    assert mf.response.kind == "binary"
    np.testing.assert_array_equal(mf.weights, [2, 1, 1, 3])


def test_proportion_column_with_weights():
    d = pd.DataFrame({"p": [0.5, 0.25, 1.0, 0.0], "n": [2, 4, 3, 5], "g": [1, 1, 2, 2]})
    mf = build_model_frame("p ~ 1 + (1|g)", d, weights="n")
    assert mf.response.kind == "proportion"
    np.testing.assert_allclose(mf.successes, [1, 1, 3, 0])


# ----------------------------------------------------------------------------- fixed effects as R
@pytest.mark.parametrize("formula, expected", [
    ("y ~ a * x + (1|g)", ["(Intercept)", "av", "x", "av:x"]),
    ("y ~ x * a + (1|g)", ["(Intercept)", "x", "av", "x:av"]),
    ("y ~ a + a:x + (1|g)", ["(Intercept)", "av", "au:x", "av:x"]),        # nested slopes
    ("y ~ 0 + a + (1|g)", ["au", "av"]),                                    # no intercept
    ("y ~ -1 + x + b + (1|g)", ["x", "bp", "bq", "br"]),
    ("y ~ b + a:b + (1|g)", ["(Intercept)", "bq", "br", "bp:av", "bq:av", "br:av"]),
    ("y ~ 0 + a:b + (1|g)", ["au:bp", "av:bp", "au:bq", "av:bq", "au:br", "av:br"]),
    ("y ~ a * b + (1|g)", ["(Intercept)", "av", "bq", "br", "av:bq", "av:br"]),  # first varies fastest
    ("y ~ (a + b + x)^2 + (1|g)",
     ["(Intercept)", "av", "bq", "br", "x", "av:bq", "av:br", "av:x", "bq:x", "br:x"]),
    ("y ~ flag + (1|g)", ["(Intercept)", "flagTRUE"]),
    ("y ~ flag:x + (1|g)", ["(Intercept)", "flagFALSE:x", "flagTRUE:x"]),
    ("y ~ log(abs(x)) + I(x^2) + (1|g)", ["(Intercept)", "log(abs(x))", "I(x^2)"]),
    ("y ~ factor(g) + (1|h)", ["(Intercept)", "factor(g)1", "factor(g)2", "factor(g)3",
                               "factor(g)4", "factor(g)5"]),
])
def test_fixed_effect_names_as_r(toy, formula, expected):
    assert names(formula, toy) == expected


def test_interaction_without_main_effects_is_rank_deficient_like_r(toy):
    """R codes a:b with full indicators for both (5 columns with the intercept); lme4
    then drops the last aliased column."""
    with pytest.warns(RankDeficiencyWarning, match=r"dropping 1 column.*av:br"):
        mf = build_model_frame("y ~ a:b + (1|g)", toy)
    assert mf.fixef_names == ["(Intercept)", "au:bp", "av:bp", "au:bq", "av:bq", "au:br"]
    assert mf.dropped_fixef == ["av:br"]
    assert mf.X.shape == (60, 6)


def test_factor_numeric_interaction_values(toy):
    mf = build_model_frame("y ~ a * x + (1|g)", toy)
    av = (toy["a"] == "v").to_numpy(float)
    np.testing.assert_allclose(mf.X[:, 3], av * toy["x"])


def test_categorical_keeps_category_order_and_drops_unused(toy):
    toy["bc"] = pd.Categorical(toy["b"], categories=["r", "q", "p", "unused"])
    assert names("y ~ bc + (1|g)", toy) == ["(Intercept)", "bcq", "bcp"]


def test_ordered_categorical_uses_contr_poly(toy):
    toy["bo"] = pd.Categorical(toy["b"], categories=["p", "q", "r"], ordered=True)
    mf = build_model_frame("y ~ bo + (1|g)", toy)
    assert mf.fixef_names == ["(Intercept)", "bo.L", "bo.Q"]
    C = contr_poly(3)
    codes = toy["bo"].cat.codes.to_numpy()
    np.testing.assert_allclose(mf.X[:, 1:], C[codes])


def test_contr_poly_matches_r():
    # R: contr.poly(4)
    r4 = np.array([[-0.670820393249937, 0.5, -0.223606797749979],
                   [-0.223606797749979, -0.5, 0.670820393249937],
                   [0.223606797749979, -0.5, -0.670820393249937],
                   [0.670820393249937, 0.5, 0.223606797749979]])
    np.testing.assert_allclose(contr_poly(4), r4, atol=1e-14)


def test_r_sort_and_labels():
    assert r_sort(["b", "B", "a", "A", "ab"]) == ["a", "A", "ab", "b", "B"]
    assert r_sort(["treat", "control"]) == ["control", "treat"]
    assert [r_number_label(v) for v in [1.0, 2.5, 1 / 3, 1e5, 123456.0]] == \
        ["1", "2.5", "0.333333333333333", "1e+05", "123456"]


# ----------------------------------------------------------------------------- random effects
def test_random_slope_names(toy):
    mf = build_model_frame("y ~ x + (x | g) + (0 + a | h) + (b | h)", toy)
    got = [(t.group, t.names) for t in mf.random]
    assert got == [("g", ["(Intercept)", "x"]), ("h", ["au", "av"]),
                   ("h", ["(Intercept)", "bq", "br"])]
    np.testing.assert_allclose(mf.random[0].X[:, 1], toy["x"])


def test_double_bar_splits_terms(toy):
    mf = build_model_frame("y ~ x + (x || g)", toy)
    assert [(t.group, t.names) for t in mf.random] == [("g", ["(Intercept)"]), ("g", ["x"])]
    mf = build_model_frame("y ~ x + (a || g)", toy)  # lme4 gotcha: factor gets full coding
    assert [t.names for t in mf.random] == [["(Intercept)"], ["au", "av"]]


def test_nested_grouping(toy):
    mf = build_model_frame("y ~ x + (1 | g/h)", toy)
    assert [t.group for t in mf.random] == ["h:g", "g"]
    nested = mf.random[0]
    assert nested.nlevels == 18
    assert nested.levels[:4] == ["k:0", "k:1", "k:2", "k:3"]  # first factor slowest
    labels = np.array(nested.levels)[nested.codes]
    np.testing.assert_array_equal(labels, toy["h"] + ":" + toy["g"].astype(str))


def test_interaction_grouping_levels_are_observed_combinations():
    d = pd.DataFrame({"y": [0, 1, 1, 0, 1, 0], "a": ["b", "a", "b", "a", "b", "b"],
                      "c": [2, 10, 10, 2, 2, 1]})
    mf = build_model_frame("y ~ 1 + (1 | a:c)", d)
    (t,) = mf.random
    assert t.group == "a:c"
    assert t.levels == ["a:2", "a:10", "b:1", "b:2", "b:10"]  # c sorted numerically
    np.testing.assert_array_equal(np.array(t.levels)[t.codes],
                                  ["b:2", "a:10", "b:10", "a:2", "b:2", "b:1"])


def test_numeric_grouping_sorted_numerically_strings_as_r():
    d = pd.DataFrame({"y": [0, 1] * 6, "n": [10, 9, 100, 10, 9, 100] * 2,
                      "s": ["b10", "B2", "a", "b10", "B2", "a"] * 2})
    mf = build_model_frame("y ~ 1 + (1 | n) + (1 | s)", d)
    assert mf.random[0].levels == ["9", "10", "100"]
    assert mf.random[1].levels == ["a", "b10", "B2"]


def test_random_terms_ordered_as_lme4():
    """mkReTrms: if some term has more levels than the one before it, order by
    rev(order(nl)) -- decreasing, with ties in reverse formula order."""
    rng = np.random.default_rng(1)
    n = 200
    d = pd.DataFrame({"y": rng.integers(0, 2, n), "a": rng.integers(0, 5, n),
                      "b": rng.integers(0, 20, n), "c": rng.integers(0, 20, n)})
    assert sorted(d["b"].unique()) == list(range(20)) and d["c"].nunique() == 20
    mf = build_model_frame("y ~ 1 + (1|a) + (1|b) + (1|c)", d)
    assert [t.group for t in mf.random] == ["c", "b", "a"]
    mf = build_model_frame("y ~ 1 + (1|b) + (1|c) + (1|a)", d)  # already non-increasing
    assert [t.group for t in mf.random] == ["b", "c", "a"]


def test_observation_level_random_effect_allowed_for_counts():
    d = cbpp()
    d["obs"] = np.arange(len(d))
    mf = build_model_frame("cbind(incidence, size - incidence) ~ period + (1 | herd) + (1 | obs)", d)
    assert [t.group for t in mf.random] == ["obs", "herd"]


# ----------------------------------------------------------------------------- missing values, offsets
def test_missing_values_dropped_with_warning(seed_data):
    d = seed_data.copy()
    d.loc[[0, 5], "trt"] = None
    d.loc[[5, 9], "y"] = np.nan
    d.loc[11, "id"] = np.nan
    d.loc[12, "p"] = np.nan  # not used by the formula: kept
    with pytest.warns(MissingValuesWarning) as rec:
        mf = build_model_frame("y ~ trt * sex + (1 | id)", d)
    msg = str(rec[0].message)
    assert "4 of 3500 rows" in msg and "'trt' (2)" in msg and "'y' (2)" in msg and "'id' (1)" in msg
    assert mf.n_dropped == 4 and mf.n == 3496 and len(mf.data) == 3496
    assert list(mf.data.columns) == list(d.columns)
    assert not mf.data.index.isin([0, 5, 9, 11]).any() and 12 in mf.data.index
    assert len(mf.y) == len(mf.weights) == len(mf.offset) == len(mf.random[0].codes) == 3496


def test_pandas_na_and_none_are_missing():
    d = pd.DataFrame({"y": pd.array([0, 1, pd.NA, 1, 0, 1], dtype="Int64"),
                      "x": [1.0, None, 3, 4, 5, 6], "g": ["a", "a", "b", "b", None, "a"]})
    with pytest.warns(MissingValuesWarning, match="3 of 6 rows"):
        mf = build_model_frame("y ~ x + (1|g)", d)
    assert mf.n == 3 and mf.n_dropped == 3


def test_offset_in_formula_and_argument():
    d = pd.DataFrame({"y": [0, 1, 1, 0], "t": [1.0, 2, 4, 8], "g": [1, 1, 2, 2]})
    mf = build_model_frame("y ~ 1 + offset(log(t)) + (1|g)", d, offset=[1.0, 1, 1, 1])
    np.testing.assert_allclose(mf.offset, np.log(d["t"]) + 1)
    np.testing.assert_allclose(mf.new_offset(pd.DataFrame({"t": [1.0, np.e]})), [0, 1])


def test_dict_data_is_accepted():
    mf = build_model_frame("y ~ x + (1|g)", {"y": [0, 1, 1, 0], "x": [1.0, 2, 3, 4], "g": [1, 1, 2, 2]})
    assert mf.fixef_names == ["(Intercept)", "x"]


# ----------------------------------------------------------------------------- new data
def test_random_matrices_for_new_data(toy):
    mf = build_model_frame("y ~ x + (x | g) + (1 | h)", toy)
    nd = pd.DataFrame({"x": [0.5, 1.0, 2.0], "g": [0, 5, 7], "h": ["m", "k", "zz"]})
    (c1, X1), (c2, X2) = mf.random_matrices(nd, allow_new_levels=True)
    np.testing.assert_array_equal(c1, [0, 5, -1])
    np.testing.assert_array_equal(X1, [[1, 0.5], [1, 1.0], [1, 2.0]])
    np.testing.assert_array_equal(c2, [2, 0, -1])
    np.testing.assert_array_equal(X2, np.ones((3, 1)))


def test_fixed_matrix_new_data_same_columns(toy):
    mf = build_model_frame("y ~ a * b + x + (1|g)", toy)
    np.testing.assert_array_equal(mf.fixed_matrix(toy), mf.X)
    X = mf.fixed_matrix({"a": ["v", "u"], "b": ["r", "p"], "x": [1.0, 2.0]})
    assert X.shape == (2, len(mf.fixef_names))
    row = dict(zip(mf.fixef_names, X[0]))
    assert row["av"] == 1 and row["br"] == 1 and row["av:br"] == 1 and row["bq"] == 0


def test_fixed_matrix_after_rank_deficiency(toy):
    with pytest.warns(RankDeficiencyWarning):
        mf = build_model_frame("y ~ a:b + (1|g)", toy)
    np.testing.assert_array_equal(mf.fixed_matrix(toy), mf.X)


def test_new_data_nested_group(toy):
    mf = build_model_frame("y ~ 1 + (1 | g/h)", toy)
    codes = mf.random_matrices(pd.DataFrame({"g": [0, 5, 9], "h": ["k", "m", "k"]}),
                               allow_new_levels=True)
    lv = mf.random[0].levels
    assert codes[0][0][0] == lv.index("k:0") and codes[0][0][1] == lv.index("m:5")
    assert codes[0][0][2] == -1 and codes[1][0][2] == -1


# ----------------------------------------------------------------------------- large data
# (its speed is measured by benchmarks/fit.py, not by a timed test)
def test_large_frame_builds():
    rng = np.random.default_rng(1)
    n = 700_000
    d = pd.DataFrame({
        "id": np.repeat(np.arange(50_000), 14),
        "trt": np.where(rng.random(n) < 0.5, "control", "treat"),
        "sex": np.where(rng.random(n) < 0.5, "female", "male"),
        "y": (rng.random(n) < 0.4).astype(int),
    })
    mf = build_model_frame("y ~ trt * sex + (1 | id)", d)
    assert mf.random[0].nlevels == 50_000 and mf.X.shape == (n, 4)
    treat = (d["trt"] == "treat").to_numpy()
    male = (d["sex"] == "male").to_numpy()
    np.testing.assert_array_equal(mf.X[:, 3], (treat & male).astype(float))


def test_r_sort_matches_r_collation():
    """R's sort() on Unicode text (tests/lme4/r/collation.R, ICU root collation): accents and
    case second and third, punctuation not ignored, ß as ss."""
    ref = load_json("collation_sorted.json")
    words = (REF / "collation_input.txt").read_text(encoding="utf-8").splitlines()
    assert r_sort(words) == ref["sorted"] == ref["levels"]


def test_accented_levels_give_rs_reference_level():
    d = pd.DataFrame({"lvl": ["moyen", "faible", "élevé"] * 20, "g": np.repeat(np.arange(10), 6),
                      "y": np.tile([0, 1, 1, 0, 1, 0], 10)})
    fr = build_model_frame("y ~ lvl + (1|g)", d)
    assert fr.fixef_names == ["(Intercept)", "lvlfaible", "lvlmoyen"]       # R: élevé < faible < moyen

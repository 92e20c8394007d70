"""Issue 13: defects found in review and by adversarial testing, one test (or more) each.

Each test was run against the code before its fix and failed there.  The numbers in the
comments are issue 13's.
"""
from __future__ import annotations

import sys
import threading
import warnings

import numpy as np
import pandas as pd
import pytest

import glmmlite as gl
from glmmlite.errors import (
    ArgumentError, ConvergenceWarning, DataError, FormulaError, GlmmliteError, GlmmliteWarning,
    NewDataError, ResponseError,
)


def _small(n: int = 60, seed: int = 1, groups: int = 10) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(groups), n // groups)
    x = rng.normal(size=n)
    b = rng.normal(scale=0.8, size=groups)
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.3 + 0.8 * x + b[g])))).astype(int)
    return pd.DataFrame({"y": y, "x": x, "g": g})


def _quiet_fit(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GlmmliteWarning)
        return gl.glmer(*args, **kwargs)


@pytest.fixture(scope="module")
def cbpp(cbpp_data):
    d = cbpp_data.copy()
    d["period"] = d["period"].astype(str)
    d["herd"] = d["herd"].astype(str)
    return d


@pytest.fixture(scope="module")
def small():
    return _small()


# ----------------------------------------------------------------------------- 1: refit keeps the model
def test_refit_keeps_weights_line(cbpp):
    d = cbpp.assign(prop=cbpp.incidence / cbpp["size"])
    m = gl.glmer("prop ~ period + (1|herd)", d, weights="size")
    assert "Weights: size" in str(m.summary())
    r = m.refit(m.simulate(1, seed=3)["sim_1"])
    assert "Weights: size" in str(r.summary())


def test_refit_of_offset_model_predicts_with_its_offset(small):
    off = np.linspace(-0.5, 0.5, len(small))
    m = gl.glmer("y ~ x + (1|g)", small, offset=off)
    r = m.refit(m.fitted().round())
    # the fit's own rows: predict(newdata = data) equals predict() only if the offset is used
    for fit in (m, r):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p_new = fit.predict(small, re_form="~0").to_numpy()
        p_own = fit.predict(re_form="~0").to_numpy()
        assert np.allclose(p_own - p_new, off)       # offset= cannot be rebuilt for new data
        if fit is r:
            # the refit remembers it was given offset=: the same warning as the original fit
            with pytest.warns(UserWarning, match="offset= argument"):
                fit.predict(small, re_form="~0")


def test_result_holds_its_model(cbpp):
    d = cbpp.assign(prop=cbpp.incidence / cbpp["size"])
    m = gl.glmer("prop ~ period + (1|herd)", d, weights="size", nAGQ=3)
    assert m.model.formula == "prop ~ period + (1|herd)"
    assert m.model.weights_name == "size"
    assert m.model.nAGQ == 3
    assert m.model.family.link == "logit"
    assert isinstance(m.model.control, gl.GlmerControl)
    r = m.refit(m.simulate(1, seed=2))
    assert r.model.weights_name == "size" and r.nAGQ == 3 and r.model.control is m.model.control


# ----------------------------------------------------------------------------- optinfo
def test_optinfo_record(small):
    m = gl.glmer("y ~ x + (1|g)", small)
    oi = m.optinfo
    assert oi.optimizer == "BFGS"
    assert oi.conv_code == 0 and m.converged
    assert oi.feval == m.n_eval and oi.feval > 0
    assert isinstance(oi.message, str) and oi.message
    assert oi.lme4_messages == tuple(m.messages)
    with pytest.raises(Exception):
        oi.conv_code = 1  # frozen


def test_optinfo_records_a_failure_to_converge(small):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = gl.glmer("y ~ x + (1|g)", small, control=gl.GlmerControl(maxiter=1))
    assert m.optinfo.conv_code != 0 and not m.converged
    assert m.optinfo.lme4_messages, "a fit stopped after 1 iteration must say it did not converge"


# ----------------------------------------------------------------------------- control
def test_control_defaults_and_reasons():
    c = gl.GlmerControl()
    assert c.singular_tol == 1e-4 and c.boundary_tol == 1e-5 and c.grad_tol == 2e-3
    for name in c.reasons():
        assert c.reason(name), name
    with pytest.raises(ArgumentError, match="grad_tol"):
        gl.GlmerControl(grad_tol=-1)
    with pytest.raises(ArgumentError, match="maxiter"):
        gl.GlmerControl(maxiter=0)


def test_control_is_used(small):
    # a huge gradient tolerance silences the convergence check of a 1-iteration fit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = gl.glmer("y ~ x + (1|g)", small, control=gl.GlmerControl(maxiter=1, grad_tol=1e9))
    assert not any("max|grad|" in s for s in m.messages)
    with pytest.raises(ArgumentError, match="control"):
        gl.glmer("y ~ x + (1|g)", small, control={"maxiter": 3})


def test_control_singular_tol_changes_is_singular(small):
    m = _quiet_fit("y ~ x + (1|g)", small)
    big = _quiet_fit("y ~ x + (1|g)", small, control=gl.GlmerControl(singular_tol=1e6))
    assert not m.is_singular() and big.is_singular()


# ----------------------------------------------------------------------------- 3: hessian_method
def test_hessian_method_switch_after_vcov(seed_data):
    m = gl.glmer("y ~ trt * sex + (1|id)", seed_data)
    v_lme4 = m.vcov().to_numpy()
    m.hessian_method = "exact"
    v_exact = m.vcov().to_numpy()
    assert not np.array_equal(v_lme4, v_exact)
    fresh = gl.glmer("y ~ trt * sex + (1|id)", seed_data)
    fresh.hessian_method = "exact"
    np.testing.assert_array_equal(v_exact, fresh.vcov().to_numpy())
    m.hessian_method = "lme4"
    np.testing.assert_array_equal(m.vcov().to_numpy(), v_lme4)
    with pytest.raises(ArgumentError, match="'exakt'"):
        m.hessian_method = "exakt"


# ----------------------------------------------------------------------------- 8: dict newdata
def test_predict_accepts_a_dict(small):
    m = gl.glmer("y ~ x + (1|g)", small)
    nd = small.head(5)
    got = m.predict({c: nd[c].tolist() for c in nd.columns})
    assert np.allclose(got.to_numpy(), m.predict(nd).to_numpy())


# ----------------------------------------------------------------------------- 10: constant response
@pytest.mark.parametrize("value", [0, 1])
def test_constant_response_is_an_error(small, value):
    with pytest.raises(ResponseError, match=r"'y'.*constant|constant.*'y'"):
        gl.glmer("y ~ x + (1|g)", small.assign(y=value))


def test_constant_proportion_response_is_an_error(cbpp):
    with pytest.raises(ResponseError, match="constant"):
        gl.glmer("cbind(incidence, size - incidence) ~ period + (1|herd)", cbpp.assign(incidence=0))


# ----------------------------------------------------------------------------- 13: int64 ids
@pytest.mark.parametrize("base", [10 ** 17, 10 ** 18, 2 ** 62])
def test_int64_ids_above_2_53_stay_distinct(base):
    d = _small(120, groups=60)
    ids = base + np.arange(60, dtype=np.int64) * 3
    d["g"] = ids[d["g"]]
    frame = gl.build_model_frame("y ~ x + (1|g)", d)
    term = frame.random[0]
    assert term.nlevels == 60
    assert term.levels == [str(int(v)) for v in np.sort(ids)]


def test_uint64_and_object_big_ints_stay_distinct():
    d = _small(120, groups=60)
    big = [2 ** 63 + 5 * k for k in range(60)]
    d["g"] = np.array(big, dtype=np.uint64)[d["g"]]
    assert gl.build_model_frame("y ~ x + (1|g)", d).random[0].nlevels == 60
    d["g"] = pd.Series([big[i] * 10 for i in _small(120, groups=60)["g"]], dtype=object)
    term = gl.build_model_frame("y ~ x + (1|g)", d).random[0]
    assert term.nlevels == 60 and term.levels[0] == str(big[0] * 10)


def test_big_int_ids_predict_their_own_group():
    d = _small(120, groups=60)
    ids = 10 ** 18 + np.arange(60, dtype=np.int64)
    d["g"] = ids[d["g"]]
    m = _quiet_fit("y ~ x + (1|g)", d)
    assert np.allclose(m.predict(d).to_numpy(), m.predict().to_numpy())


# ----------------------------------------------------------------------------- 14: 15 significant digits
def test_floats_equal_to_15_digits_merge_as_in_r():
    d = _small(60, groups=6)
    vals = np.array([0.1 + 0.2, 0.3, 0.5, 0.7, 0.9, 1.1])
    d["g"] = vals[d["g"]]
    d.loc[d.index[:5], "g"] = 0.3          # both 0.30000000000000004 and 0.3 appear
    frame = gl.build_model_frame("y ~ x + (1|g)", d)
    assert frame.random[0].levels == ["0.3", "0.5", "0.7", "0.9", "1.1"]   # R: factor() merges them
    m = _quiet_fit("y ~ x + (1|g)", d)
    p = m.predict(d)                                                     # raw InvalidIndexError before
    assert np.allclose(p.to_numpy(), m.predict().to_numpy())


def test_factor_of_floats_merges_as_in_r():
    d = _small(60)
    d["f"] = np.where(d.index % 2 == 0, 0.1 + 0.2, 0.3)
    d["f2"] = np.where(d.index % 3 == 0, 1.0, d["f"])
    frame = gl.build_model_frame("y ~ factor(f2) + (1|g)", d)
    assert frame.fixef_names == ["(Intercept)", "factor(f2)1"]


# ----------------------------------------------------------------------------- 15: stray strings
@pytest.mark.parametrize("stray", [".", "n/a", "NA "])
def test_stray_string_in_numeric_column_is_an_error(small, stray):
    d = small.copy()
    d["x"] = d["x"].astype(object)
    d.loc[d.index[[3, 7]], "x"] = stray
    with pytest.raises(DataError) as ei:
        gl.glmer("y ~ x + (1|g)", d)
    msg = str(ei.value)
    # since dd7e99b a column of numbers and text is refused as mixed, with both fixes named
    assert "'x'" in msg and repr(stray) in msg and "pd.to_numeric" in msg and "astype(str)" in msg


def test_numbers_read_as_text_with_a_stray_string(small):
    d = small.copy()
    d["x"] = d["x"].round(3).astype(str)            # what read_csv gives when one cell is "."
    d.loc[d.index[0], "x"] = "."
    with pytest.raises(DataError, match=r"'x'.*'\.'"):
        gl.glmer("y ~ x + (1|g)", d)


def test_stray_string_allowed_when_a_factor_is_asked_for(small):
    d = small.copy()
    d["h"] = np.where(d.index % 3 == 0, "1", np.where(d.index % 3 == 1, "2", "n/a"))
    frame = gl.build_model_frame("y ~ factor(h) + (1|g)", d)
    assert frame.fixef_names == ["(Intercept)", "factor(h)2", "factor(h)n/a"]


def test_text_column_of_labels_is_still_a_factor(small):
    d = small.assign(h=np.where(small.index % 2 == 0, "low", "high"))
    assert gl.build_model_frame("y ~ h + (1|g)", d).fixef_names == ["(Intercept)", "hlow"]


# ----------------------------------------------------------------------------- 16: refit and warnings
def test_refit_does_not_touch_the_warning_filters(small):
    m = _quiet_fit("y ~ x + (1|g)", small)
    y = m.simulate(1, seed=1)["sim_1"]
    before = list(warnings.filters)
    errors = []

    def work():
        try:
            for _ in range(3):
                m.refit(y, warn=False)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert list(warnings.filters) == before


def test_refit_warns_a_direct_caller_as_glmer_does(small):
    d = small.assign(x=small["x"] * 0)   # no information on the slope: singular fit
    d["y"] = (np.arange(len(d)) % 2)
    with pytest.warns(gl.SingularFitWarning):
        m = gl.glmer("y ~ x + (1|g)", d.assign(x=np.arange(len(d)) % 3))
    with pytest.warns(gl.SingularFitWarning):
        r = m.refit(d["y"])
    assert r.optinfo.warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m.refit(d["y"], warn=False)          # silent on request, without touching the filters


# ----------------------------------------------------------------------------- 18: flat objective
def test_all_zero_weights_is_an_error(cbpp):
    d = cbpp.assign(prop=cbpp.incidence / cbpp["size"])
    with pytest.raises(ArgumentError, match="weights"):
        gl.glmer("prop ~ period + (1|herd)", d, weights=np.zeros(len(d)))


def test_slope_on_an_all_zero_column_warns_flat(small):
    d = small.assign(z=0.0)
    with pytest.warns(ConvergenceWarning, match="no information"):
        m = gl.glmer("y ~ x + (1 + z | g)", d)
    assert any("no information" in w for w in m.optinfo.warnings)


def test_tiny_weights_warn_flat(small):
    with pytest.warns(ConvergenceWarning, match="no information"):
        gl.glmer("y ~ x + (1|g)", small, weights=np.full(len(small), 1e-9))


def test_informative_fit_does_not_warn_flat(seed_data):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gl.glmer("y ~ trt * sex + (1|id)", seed_data)


# ----------------------------------------------------------------------------- 19: weights by index
def test_weights_series_is_aligned_by_index(cbpp):
    d = cbpp.assign(prop=cbpp.incidence / cbpp["size"])
    m = gl.glmer("prop ~ period + (1|herd)", d, weights="size")
    shuffled = d["size"].sample(frac=1.0, random_state=1)
    m2 = gl.glmer("prop ~ period + (1|herd)", d, weights=shuffled)
    np.testing.assert_array_equal(m.fixef, m2.fixef)   # the same rows, weights and arithmetic


def test_weights_series_with_another_index_is_an_error(cbpp):
    d = cbpp.assign(prop=cbpp.incidence / cbpp["size"])
    w = pd.Series(d["size"].to_numpy(), index=d.index + 1000)
    with pytest.raises(ArgumentError, match="index"):
        gl.glmer("prop ~ period + (1|herd)", d, weights=w)
    with pytest.raises(ArgumentError, match="index"):
        gl.glmer("prop ~ period + (1|herd)", d, weights=d["size"], offset=w * 0.0)


# ----------------------------------------------------------------------------- raw tracebacks
def test_refit_one_column_frame_and_bad_shapes(small):
    m = _quiet_fit("y ~ x + (1|g)", small)
    sims = m.simulate(2, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = m.refit(sims[["sim_1"]])            # R's idiom: refit(m, simulate(m))
        r2 = m.refit(sims["sim_1"])
    assert np.allclose(r.fixef, r2.fixef)
    with pytest.raises(ArgumentError, match="2 columns"):
        m.refit(sims.to_numpy())
    with pytest.raises(ArgumentError, match="None"):
        m.refit(None)


def test_ranef_with_two_terms_on_one_factor(small):
    m = _quiet_fit("y ~ x + (1|g) + (1|g)", small)
    re = m.ranef()
    assert list(re) == ["g"]
    assert list(re["g"].columns) == ["(Intercept)", "(Intercept)"]   # as lme4's ranef


def test_summary_of_a_saturated_model():
    d = pd.DataFrame({"s": [3, 5, 2, 7, 1, 1, 2, 3], "f": [4, 2, 5, 1, 3, 3, 3, 3],
                      "g": [0, 0, 1, 1, 2, 2, 3, 3], "r": range(8)})
    m = _quiet_fit("cbind(s, f) ~ factor(r) + (1|g)", d)
    assert "Generalized linear mixed model" in str(m.summary())


@pytest.mark.parametrize("expr", ["log(td)", "I(td)", "td", "sqrt(td)"])
def test_timedelta_columns_are_named(small, expr):
    d = small.assign(td=pd.to_timedelta(np.arange(len(small)) + 1, unit="D"))
    with pytest.raises(DataError, match="'td'"):
        gl.glmer(f"y ~ {expr} + (1|g)", d)


def test_timedelta_offset_is_named(small):
    d = small.assign(td=pd.to_timedelta(np.arange(len(small)) + 1, unit="D"))
    with pytest.raises(DataError, match="'td'"):
        gl.glmer("y ~ x + offset(td) + (1|g)", d)


@pytest.mark.parametrize("formula", ["y ~ l + (1|g)", "y ~ log(l) + (1|g)", "y ~ x + (1|l)",
                                     "y ~ x + (1|dd)", "l ~ x + (1|g)"])
def test_columns_of_lists_or_dicts(small, formula):
    d = small.assign(l=[[1, 2]] * len(small), dd=[{"a": 1}] * len(small))
    with pytest.raises(DataError, match="'l'|'dd'"):
        gl.glmer(formula, d)


@pytest.mark.parametrize("w", [1e15, 1e16, 1e300])
def test_huge_weights(seed_data, w):
    with pytest.raises(ArgumentError, match="weights"):
        gl.glmer("y ~ trt + (1|id)", seed_data, weights=np.full(len(seed_data), w))


@pytest.mark.parametrize("off", [1e308, -1e300, 1e20])
def test_huge_offset(seed_data, off, capfd):
    with pytest.raises(ArgumentError, match="offset"):
        gl.glmer("y ~ trt + (1|id)", seed_data, offset=np.full(len(seed_data), off))
    assert "DLASCL" not in capfd.readouterr().out


def test_huge_offset_in_formula(seed_data):
    with pytest.raises(DataError, match="offset"):
        gl.glmer("y ~ trt + offset(big) + (1|id)", seed_data.assign(big=1e308))


# ----------------------------------------------------------------------------- formula depth
def test_formula_with_990_terms():
    rng = np.random.default_rng(2)
    n = 30
    d = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(990)})
    d["y"] = rng.integers(0, 2, n)
    d["g"] = np.repeat(np.arange(5), 6)
    f = "y ~ " + " + ".join(f"x{i}" for i in range(990)) + " + (1|g)"
    parsed = gl.parse_formula(f)
    assert len(parsed.fixed.terms) == 990
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = gl.build_model_frame(f, d)
    assert frame.X.shape[0] == n


def test_formula_with_500_nested_parentheses():
    f = "y ~ " + "(" * 500 + "x" + ")" * 500 + " + (1|g)"
    try:
        parsed = gl.parse_formula(f)
    except FormulaError as e:
        assert "nested" in str(e)
    else:
        assert parsed.fixed.labels == ["x"]


def test_deep_arithmetic_in_I():
    d = _small()
    f = "y ~ I(" + "-" * 90 + "x) + (1|g)"   # 90 signs: within MAX_NESTING (100)
    frame = gl.build_model_frame(f, d)
    assert np.allclose(frame.X[:, 1], d["x"])


def test_deepest_formula_fits_from_a_deep_call_stack():
    """MAX_NESTING levels parse and fit with 500 frames of the caller's on the stack (the parser
    spends two frames per level, the tree walks one)."""
    from glmmlite.formula import MAX_NESTING
    d = _small()
    f = "y ~ " + "(" * MAX_NESTING + "x" + ")" * MAX_NESTING + " + I(" + "-" * (MAX_NESTING - 2) + "x^2) + (1|g)"

    def deep(k):
        return deep(k - 1) if k else _quiet_fit(f, d)

    assert sys.getrecursionlimit() >= 1000
    m = deep(500)
    assert list(m.fixef.index) == ["(Intercept)", "x", "I(" + "-" * (MAX_NESTING - 2) + "x^2)"]


def test_formula_nested_far_too_deep_is_a_formula_error():
    f = "y ~ " + "(" * 100000 + "x" + ")" * 100000 + " + (1|g)"
    with pytest.raises(FormulaError, match="nested"):
        gl.parse_formula(f)


@pytest.mark.parametrize("power", ["1e9", "2147483647", "100"])
def test_power_expansion_is_capped(power):
    parsed = gl.parse_formula(f"y ~ (a + b + c)^{power} + (1|g)")
    assert parsed.fixed.labels == ["a", "b", "c", "a:b", "a:c", "b:c", "a:b:c"]


def test_expansion_to_too_many_terms_is_an_error():
    f = "y ~ " + "*".join(f"x{i}" for i in range(40)) + " + (1|g)"
    with pytest.raises(FormulaError, match="terms"):
        gl.parse_formula(f)
    f = "y ~ (" + "+".join(f"x{i}" for i in range(40)) + ")^20 + (1|g)"
    with pytest.raises(FormulaError, match="terms"):
        gl.parse_formula(f)


@pytest.mark.parametrize("scale", [1e150, 1e300])
def test_predictor_whose_squares_overflow(seed_data, scale, capfd):
    d = seed_data.assign(z=np.arange(len(seed_data)) * scale)
    with pytest.raises(DataError, match="'z'.*rescale"):
        gl.glmer("y ~ trt + z + (1|id)", d)
    assert "DLASCL" not in capfd.readouterr().out


def test_huge_but_representable_predictor_still_fits(seed_data):
    m = _quiet_fit("y ~ trt + z + (1|id)", seed_data.assign(z=np.arange(len(seed_data)) * 1e40))
    assert np.isfinite(m.deviance)


@pytest.mark.parametrize("kind", ["pearson", "deviance"])
def test_residual_of_a_weight_zero_row_is_plus_zero(kind):
    # a herd of size 0 (lme4 keeps the row, its residuals are 0): glmmlite gave -0.0,
    # printed by pandas as -0.000000
    d = gl.datasets.cbpp()
    d.loc[2, ["size", "incidence"]] = 0
    d["p"] = d["incidence"] / d["size"].where(d["size"] > 0, 1)
    m = gl.glmer("p ~ period + (1 | herd)", d, family="binomial", weights=d["size"])
    r = m.residuals(type=kind)
    assert r.iloc[2] == 0.0 and not np.signbit(r.iloc[2])
    assert "-0.000" not in r.to_string()

"""Named arguments (and the logical positional forms) of ``scale()`` and ``poly()`` in a formula,
against lme4 1.1-31 (tests/lme4/r/stateful_named.R -> tests/lme4/stateful_named_cases.json).

``scale(x, scale = FALSE)``, ``scale(x, center = FALSE)`` (R divides by the root mean square
sqrt(sum(x^2) / (n - 1))), both FALSE, ``scale(x, TRUE, FALSE)``, ``scale(x, T, F)``,
``scale(center = FALSE, x)``, a random slope on a centred x, ``poly(x, 2, raw = TRUE)``,
``poly(x, degree = 2)``, ``poly(x, degree = 3, raw = TRUE)``, ``poly(x, 2, raw = FALSE)``, a raw
poly in an interaction and ``poly(x, 1)``.  Checked: the coefficient names and the printed
formula character for character, the centre and scale (poly's alpha and norm2) R's model frame
stored, the fit, and the new data's model matrix and predictions (the fit's numbers reused).
The data are stateful.R's (x of row 3 and y of row 5 missing).  Tolerances: tests/tolerances.py
(FORMULA_RTOL for the stored numbers and the model matrices, the same arithmetic;
DEVIANCE_ABOVE_LME4 and FIXEF_IN_SE for the fit).  Then the formulas R refuses, or glmmlite does
not support, and the message each gets.
"""
from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import glmmlite as gl
import tolerances as tol
from conftest import load_csv, load_json
from glmmlite.summary import formula_lines

REF = load_json("stateful_named_cases.json")
CASES = REF["cases"]
SCALE = [k for k, c in CASES.items() if "scale(" in c["formula"]]
POLY = [k for k, c in CASES.items() if "poly(" in c["formula"]]
ORTHOGONAL = [k for k in POLY if "alpha" in CASES[k]]
# R's predict() fails on these (see stateful_named.R); their new data are compared with the
# case that asks for the same thing by name
SAME_AS = {"positional_logicals": "center_only", "T_F": "center_only"}


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    d = load_csv("links_slopes.csv")
    d.loc[2, "x"] = np.nan          # R's row 3
    d.loc[4, "y"] = np.nan          # R's row 5
    return d


@pytest.fixture(scope="module")
def fits(data):
    out = {}
    for name, case in CASES.items():
        rows = data[data["x"].notna()] if name in POLY else data    # R's poly() refuses a missing x
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gl.MissingValuesWarning)
            warnings.simplefilter("ignore", gl.SingularFitWarning)
            out[name] = gl.glmer(case["formula"], data=rows)
    return out


def newdata(data):
    return data.iloc[:4][["id", "trt", "sex", "x"]].copy()


def _matrix(columns) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in col] for col in columns]).T


def _key(m, func: str) -> str:
    return next(k for k in m.frame.spec.transforms if k.startswith(func + "("))


def test_the_reference_has_every_form():
    """The cases the brief names are all in the reference, with R's names (so a case dropped from
    the R script fails here, not silently)."""
    formulas = " ".join(c["formula"] for c in CASES.values())
    for piece in ("scale(x, scale = FALSE)", "scale(x, center = FALSE)", "scale(x, center = FALSE, scale = FALSE)",
                  "scale(x, TRUE, FALSE)", "scale(x, center = TRUE, scale = TRUE)", "scale(x, T, F)",
                  "(1 + scale(x, scale = FALSE) | id)", "poly(x, 2, raw = TRUE)", "poly(x, degree = 2)",
                  "poly(x, degree = 3, raw = TRUE)", "poly(x, 2, raw = FALSE)"):
        assert piece in formulas, piece
    assert CASES["poly_raw"]["fixef"].keys() >= {"poly(x, 2, raw = TRUE)1", "poly(x, 2, raw = TRUE)2"}


@pytest.mark.parametrize("name", list(CASES))
def test_names_and_printed_formula_are_rs(fits, name):
    m, c = fits[name], CASES[name]
    assert list(m.fixef.index) == list(c["fixef"])
    lines = formula_lines(m.formula)
    assert ([lines] if isinstance(lines, str) else lines) == c["formula_deparse"]
    if "ranef_names" in c:
        assert m.varcorr()["Name"].tolist() == c["ranef_names"]


@pytest.mark.parametrize("name", SCALE)
def test_centre_and_scale_are_rs(fits, name):
    m, c = fits[name], CASES[name]
    center, sd = m.frame.spec.transforms[_key(m, "scale")]
    np.testing.assert_allclose([center, sd], [c["center"], c["scale"]], rtol=tol.FORMULA_RTOL)


def test_scale_without_centring_divides_by_the_root_mean_square(fits):
    """R's scale.default: sqrt(sum(x^2) / (n - 1)) when not centring, not the SD."""
    _, sd = fits["scale_only"].frame.spec.transforms["scale(x, center = FALSE)"]
    assert sd == pytest.approx(REF["x_rms_all"], rel=tol.FORMULA_RTOL)
    assert abs(sd - REF["x_sd_all"]) > 1e-6                 # the two differ here


@pytest.mark.parametrize("name", ORTHOGONAL)
def test_poly_coefficients_are_rs(fits, name):
    m, c = fits[name], CASES[name]
    alpha, norm2 = m.frame.spec.transforms[_key(m, "poly")]
    np.testing.assert_allclose(alpha, np.atleast_1d(c["alpha"]), rtol=tol.FORMULA_RTOL, atol=1e-15)
    np.testing.assert_allclose(norm2, c["norm2"], rtol=tol.FORMULA_RTOL)


def test_raw_poly_stores_nothing_and_is_the_powers(fits, data):
    m = fits["poly_raw_degree3"]
    assert not any(k.startswith("poly(") for k in m.frame.spec.transforms)
    x = newdata(data)["x"].to_numpy()
    X = m.frame.fixed_matrix(newdata(data))
    np.testing.assert_array_equal(X[:, 1:4], np.column_stack([x, x ** 2, x ** 3]))


@pytest.mark.parametrize("name", list(CASES))
def test_fit_matches_lme4(fits, name):
    m, c = fits[name], CASES[name]
    assert m.nobs == c["nobs"]
    assert -2 * m.loglik <= -2 * c["logLik"] + tol.DEVIANCE_ABOVE_LME4
    se = np.sqrt(np.diag(m.vcov()))
    np.testing.assert_array_less(np.abs(m.fixef.to_numpy() - np.array(list(c["fixef"].values()))),
                                 tol.FIXEF_IN_SE * se + 1e-12)


@pytest.mark.parametrize("name", list(CASES))
def test_new_data_use_the_fits_numbers(fits, data, name):
    m, c = fits[name], CASES.get(SAME_AS.get(name, name))
    nd = newdata(data)
    X = m.frame.fixed_matrix(nd)
    want = _matrix(c["newdata_X"])
    np.testing.assert_allclose(X, want, rtol=tol.FORMULA_RTOL, atol=1e-13, equal_nan=True)
    batch = m.predict(nd, re_form="~0").to_numpy()
    alone = m.predict(nd.iloc[:1], re_form="~0").to_numpy()
    assert np.isnan(batch[2])                       # x missing in that row, as R's NA
    assert alone[0] == pytest.approx(batch[0], rel=tol.FORMULA_RTOL)
    np.testing.assert_allclose(batch[[0, 1, 3]], want[[0, 1, 3]] @ m.fixef.to_numpy(), rtol=tol.FORMULA_RTOL)


@pytest.mark.parametrize("name", list(SAME_AS))
def test_positional_logicals_predict_where_r_cannot(name):
    """R's makepredictcall writes scale(x, TRUE, FALSE, center = 0.0024): its own predict() on new
    data then fails ("unused argument"); glmmlite predicts as for scale(x, scale = FALSE)."""
    assert CASES[name]["newdata_error"].startswith("unused argument")
    assert CASES[name]["center"] == CASES[SAME_AS[name]]["center"]


def test_random_slope_on_a_centred_x_uses_the_fits_centre_for_new_data(fits, data):
    m, c = fits["slope_centred"], CASES["slope_centred"]
    (codes, Xr), = m.frame.random_matrices(newdata(data))
    want = np.array([np.nan if v is None else v for v in c["newdata_Z_slope"]])
    np.testing.assert_allclose(Xr[:, 1], want, rtol=tol.FORMULA_RTOL, equal_nan=True)
    sim = m.simulate(nsim=1, seed=1, newdata=newdata(data).dropna(), re_form="~0")
    assert sim.shape[0] == 3


def test_emmeans_over_a_centred_covariate(fits, data):
    """emmeans' reference grid holds x at its mean over the fitted rows; the model matrix of the
    grid then has x minus the fit's centre (the mean over every row with x, row 5 included)."""
    m = fits["center_only"]
    e = gl.emmeans(m, "trt", type="link")
    b = m.fixef
    rows = data[data["x"].notna() & data["y"].notna()]
    center, _ = m.frame.spec.transforms["scale(x, scale = FALSE)"]
    xc = rows["x"].mean() - center
    assert abs(xc) > 1e-6        # the two means differ: a grid that recomputed the centre would give 0
    want = [b["(Intercept)"] + b["scale(x, scale = FALSE)"] * xc,
            b["(Intercept)"] + b["scale(x, scale = FALSE)"] * xc + b["trttreat"]]
    np.testing.assert_allclose(np.asarray(e.eta, dtype=float), want, rtol=tol.FORMULA_RTOL)


# ------------------------------------------------------------------ what is refused, and where
def _caret_at(message: str, text: str, piece: str) -> None:
    """The error shows the formula with a caret under ``piece`` (its first occurrence)."""
    lines = message.splitlines()
    assert lines[-2].strip() == text
    assert lines[-1].index("^") - lines[-2].index(text[0]) == text.index(piece)


REFUSED = [
    ("y ~ scale(x, cent = FALSE) + (1 | id)", r"write center = in full, not cent =", "cent"),
    ("y ~ poly(x, deg = 2) + (1 | id)", r"write degree = in full", "deg"),
    ("y ~ scale(x, foo = TRUE) + (1 | id)", r"scale\(\) has no argument 'foo'.*x, center and scale", "foo"),
    ("y ~ poly(x, 2, scale = TRUE) + (1 | id)", r"poly\(\) has no argument 'scale'.*x, degree and raw", "scale ="),
    ("y ~ log(x, raw = TRUE) + (1 | id)", r"log\(\) takes exactly one argument", "log"),
    ("y ~ log(x = x) + (1 | id)", r"log\(\) takes one argument, without a name", "log"),
    ("y ~ poly(x, 2, coefs = NULL) + (1 | id)", r"coefs = is what R's predict\(\) writes", "coefs"),
    ("y ~ poly(x, 2, simple = TRUE) + (1 | id)", r"simple = is not supported", "simple"),
    ("y ~ scale(x, center = 2) + (1 | id)", r"center must be TRUE or FALSE, not a number.*make the column first", "center"),
    ("y ~ scale(x, scale = -1.5) + (1 | id)", r"scale must be TRUE or FALSE, not a number", "scale ="),
    ("y ~ scale(x, center = z) + (1 | id)", r"center must be TRUE or FALSE .*not an expression", "center"),
    ("y ~ poly(x, 2, raw = 1) + (1 | id)", r"raw must be TRUE or FALSE, not a number", "raw"),
    ("y = x + (1 | id)", r"'=' is only allowed for a named argument of scale\(\) or poly\(\)", "="),
    ("y ~ (x = 2) + (1 | id)", r"'=' is only allowed for a named argument", "="),
    ("y ~ scale(x, scale = FALSE, scale = TRUE) + (1 | id)",
     r"argument 'scale' is given twice.*matched by multiple actual arguments", "scale = TRUE"),
    ("y ~ poly(x, 2, degree = 3) + (1 | id)", r"degree is given twice.*R silently uses the positional one", "degree"),
    ("y ~ poly(x, 2, TRUE) + (1 | id)", r"one positional argument after x.*raw = TRUE.*polym", "TRUE"),
    ("y ~ scale(x, TRUE, FALSE, TRUE) + (1 | id)", r"at most three arguments.*unused argument", "TRUE)"),
    ("y ~ poly(x, raw = TRUE) + (1 | id)", r"poly\(\) takes a variable and a degree", "poly"),
    ("y ~ scale(center = FALSE) + (1 | id)", r"scale\(\) needs a variable", "scale"),
    ("y ~ scale(TRUE) + (1 | id)", r"first argument x must be a variable", "TRUE"),
    ("y ~ poly(x, degree = 2.5) + (1 | id)", r"whole number from 1 to 20, not 2.5", "degree"),
    ("y ~ scale(x, center = ) + (1 | id)", r"missing value after 'center ='", ")"),
    ("y ~ x + TRUE + (1 | id)", r"TRUE and FALSE can only be arguments of scale\(\) or poly\(\)", "TRUE"),
    ("y ~ I(x + FALSE) + (1 | id)", r"FALSE can only be an argument of scale\(\) or poly\(\)", "FALSE"),
    ("y ~ I(scale(x, sc = TRUE)^2) + (1 | id)", r"write scale = in full", "sc ="),
    ("y ~ x == 1 + (1 | id)", r"'==' is not allowed", "=="),
    ("y ~ x + offset(x = z) + (1 | id)", r"named argument x = is only allowed in scale\(\) and poly\(\)", "x = z"),
]


@pytest.mark.parametrize("text, pattern, piece", REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_arguments_name_the_problem_and_point_at_it(data, text, pattern, piece):
    with pytest.raises(gl.FormulaError, match=pattern) as e:
        gl.glmer(text, data=data.assign(z=1.0))
    _caret_at(str(e.value), text, piece)


def test_t_and_f_are_columns_outside_the_logical_slots(data):
    """``T`` stands for TRUE only as center/scale/raw; as the variable it is a column."""
    d = data.dropna().assign(T=lambda t: t["x"] * 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = gl.glmer("y ~ scale(T, T, F) + (1 | id)", data=d)
    center, sd = m.frame.spec.transforms["scale(T, T, F)"]
    assert center == pytest.approx(d["T"].mean(), rel=tol.FORMULA_RTOL) and sd == 1.0


def test_options_name_no_columns():
    """The constants of scale()/poly() are no data columns (T and F included)."""
    from glmmlite.formula import parse_formula
    f = parse_formula("y ~ scale(x, T, F) + poly(z, degree = 2, raw = T) + (1 | id)")
    assert f.column_names() == ["y", "x", "z", "id"]


def test_scale_stats_refuse_what_r_would_fill_with_nan(data):
    d = data.assign(zero=0.0, three=3.0)
    with pytest.raises(gl.DataError, match=re.escape("scale(zero, center = FALSE): every value is 0")):
        gl.glmer("y ~ scale(zero, center = FALSE) + (1 | id)", data=d)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = gl.glmer("y ~ x + scale(three, scale = FALSE) + (1 | id)", data=d)   # all 0: aliased, as R
    assert "scale(three, scale = FALSE)" not in m.fixef.index

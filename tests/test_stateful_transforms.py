"""``scale(x)`` and ``poly(x, degree)`` in a formula against lme4 1.1-31
(tests/lme4/r/stateful.R -> tests/lme4/stateful_cases.json).

R's model frame computes these on every row where ``x`` is present, before it drops the rows
with a missing value elsewhere (here row 5, whose y is missing), and ``predict`` on new data
reuses the fit's numbers (``makepredictcall``): scale()'s centre and scale, poly()'s alpha and
norm2.  glmmlite does the same: the fit's numbers, the new data's model matrix, and one new row
predicted alone equal to the same row predicted among others.  Tolerances: tests/tolerances.py
(FORMULA_RTOL for the stored numbers and the model matrix, which are the same arithmetic;
DEVIANCE_ABOVE_LME4 and FIXEF_IN_SE for the fit).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmmlite as gl
import tolerances as tol
from conftest import load_csv, load_json

REF = load_json("stateful_cases.json")
CASES = REF["cases"]
SCALE = [k for k, c in CASES.items() if "scale(" in c["formula"]]
POLY = [k for k, c in CASES.items() if "poly(" in c["formula"]]


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
        # R's poly() refuses a missing x: the script fits the rows with x present
        rows = data[data["x"].notna()] if name in POLY else data
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gl.MissingValuesWarning)
            warnings.simplefilter("ignore", gl.SingularFitWarning)
            out[name] = gl.glmer(case["formula"], data=rows)
    return out


def newdata(data):
    return data.iloc[:4][["id", "trt", "sex", "x"]].copy()


@pytest.mark.parametrize("name", SCALE)
def test_centre_and_scale_are_rs(fits, name):
    c = CASES[name]
    center, sd = fits[name].frame.spec.transforms["scale(x)"]
    np.testing.assert_allclose([center, sd], [c["center"], c["scale"]], rtol=tol.FORMULA_RTOL)
    # from every row with x, the row dropped for its missing y included (R's model frame)
    assert center == pytest.approx(REF["x_mean_all"], rel=tol.FORMULA_RTOL)


@pytest.mark.parametrize("name", POLY)
def test_poly_coefficients_are_rs(fits, name):
    c = CASES[name]
    key = next(k for k in fits[name].frame.spec.transforms if k.startswith("poly("))
    alpha, norm2 = fits[name].frame.spec.transforms[key]
    np.testing.assert_allclose(alpha, c["alpha"], rtol=tol.FORMULA_RTOL, atol=1e-15)
    np.testing.assert_allclose(norm2, c["norm2"], rtol=tol.FORMULA_RTOL)


@pytest.mark.parametrize("name", list(CASES))
def test_fit_matches_lme4(fits, name):
    m, c = fits[name], CASES[name]
    assert m.nobs == c["nobs"]
    assert -2 * m.loglik <= -2 * c["logLik"] + tol.DEVIANCE_ABOVE_LME4
    assert list(m.fixef.index) == list(c["fixef"])
    se = np.sqrt(np.diag(m.vcov()))
    np.testing.assert_array_less(np.abs(m.fixef.to_numpy() - np.array(list(c["fixef"].values()))),
                                 tol.FIXEF_IN_SE * se + 1e-12)


@pytest.mark.parametrize("name", list(CASES))
def test_new_data_use_the_fits_numbers(fits, data, name):
    m, c = fits[name], CASES[name]
    nd = newdata(data)
    X = m.frame.fixed_matrix(nd)
    want = np.array([[np.nan if v is None else v for v in col] for col in c["newdata_X"]]).T
    np.testing.assert_allclose(X, want, rtol=tol.FORMULA_RTOL, atol=1e-13, equal_nan=True)
    batch = m.predict(nd, re_form="~0").to_numpy()
    alone = m.predict(nd.iloc[:1], re_form="~0").to_numpy()
    assert np.isnan(batch[2])                       # x missing in that row, as R's NA
    assert alone[0] == pytest.approx(batch[0], rel=tol.FORMULA_RTOL)
    np.testing.assert_allclose(batch[[0, 1, 3]], want[[0, 1, 3]] @ m.fixef.to_numpy(), rtol=tol.FORMULA_RTOL)


def test_poly_columns_are_orthonormal_over_polys_rows(fits, data):
    rows = data[data["x"].notna()]      # poly()'s data: the row the fit drops for its y included
    X = fits["poly3_by_trt"].frame.fixed_matrix(rows)[:, 1:4]
    np.testing.assert_allclose(X.T @ X, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(X.sum(axis=0), 0, atol=1e-12)


def test_random_slope_on_scale_uses_the_fits_scale_for_new_data(fits, data):
    m = fits["slope"]
    (codes, Xr), = m.frame.random_matrices(newdata(data))
    x = newdata(data)["x"].to_numpy()
    center, sd = m.frame.spec.transforms["scale(x)"]
    np.testing.assert_allclose(Xr[:, 1], (x - center) / sd, rtol=tol.FORMULA_RTOL, equal_nan=True)
    assert m.varcorr()["Name"].tolist() == ["(Intercept)", "scale(x)"]


def test_scale_inside_arithmetic_is_stored_too(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = gl.glmer("y ~ I(scale(x)^2) + (1 | id)", data=data)
    nd = newdata(data)
    one = m.predict(nd.iloc[:1], re_form="~0").iloc[0]
    many = m.predict(nd, re_form="~0").iloc[0]
    # R recomputes a scale() inside I() on whatever new data it is given (one row: NaN);
    # glmmlite keeps the fit's centre and scale, so a row's prediction does not depend on its company
    assert one == pytest.approx(many, rel=tol.FORMULA_RTOL)


def test_errors_name_the_problem(data):
    d = data.assign(c=3.0, k=np.tile([0.0, 1.0], len(data) // 2))
    with pytest.raises(gl.DataError, match=r"scale\(c\).*every value is 3.*standard deviation is 0"):
        gl.glmer("y ~ scale(c) + (1 | id)", data=d)
    with pytest.raises(gl.FormulaError, match=r"scale\(\): center must be TRUE or FALSE, not a number"):
        gl.glmer("y ~ scale(x, 1) + (1 | id)", data=d)    # named arguments: tests/test_stateful_named.py
    with pytest.raises(gl.DataError, match="'trt'.*must be numeric"):
        gl.glmer("y ~ scale(trt) + (1 | id)", data=d)
    with pytest.raises(gl.DataError, match=r"poly\(k, 2\).*degree \(2\) must be less than the number of distinct"):
        gl.glmer("y ~ poly(k, 2) + (1 | id)", data=d)
    with pytest.raises(gl.FormulaError, match=r"poly\(\) takes a variable and a degree"):
        gl.glmer("y ~ poly(x) + (1 | id)", data=d)
    with pytest.raises(gl.FormulaError, match="degree must be a whole number"):
        gl.glmer("y ~ poly(x, 1.5) + (1 | id)", data=d)
    with pytest.raises(gl.FormulaError, match=r"poly\(x, 2\) gives several columns"):
        gl.glmer("y ~ I(poly(x, 2)^2) + (1 | id)", data=d)


def test_predictors_on_very_different_scales_warn_as_lme4(data):
    """lme4's check.scaleX: a numeric column's SD beyond 1e3 (or below 1e-3, or two SDs 1e3 apart)."""
    d = data[data["y"].notna() & data["x"].notna()].assign(xk=lambda t: t["x"] * 5000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gl.ConvergenceWarning)     # lme4 also says "nearly unidentifiable"
        with pytest.warns(gl.ScaleWarning, match=r"very different scales: consider rescaling.*xk 5\.0\de\+03"):
            gl.glmer("y ~ xk + trt + (1 | id)", data=d)
    with warnings.catch_warnings():
        warnings.simplefilter("error", gl.ScaleWarning)
        gl.glmer("y ~ scale(xk) + trt + (1 | id)", data=d)      # the cure named in the message

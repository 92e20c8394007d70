"""Prior weights against lme4 1.1-31 (tests/lme4/r/weights.R -> tests/lme4/weights_cases.json).

* The log-likelihood's constant: with ``cbind(k, n - k)`` and ``weights = w`` R counts
  ``w log choose(n, k)`` (its ``binomial()$aic`` takes m = n trials), so logLik, AIC, BIC and the
  deviance differ from ``log choose(w n, w k)`` by a constant (19 on the QA data, 281 on a larger
  set) while the estimates do not.
* A row of weight 0 has y = 0 in R's fit (``binomial()$initialize``): its response and working
  residuals are those of y = 0.
Tolerances: tests/tolerances.py (LOGLIK_ABS, FIXEF_IN_SE, PRED_ABS, as for the other references).
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import glmmlite as gl
import tolerances as tol
from conftest import load_csv, load_json

CASES = load_json("weights_cases.json")


@pytest.fixture(scope="module")
def data():
    d = load_csv("weights_data.csv")
    d["prop"] = d["k"] / d["n"]            # exact, as R's column (the CSV rounds it to 15 digits)
    return d


def fit(data, case):
    c = CASES[case]
    w = c["weights"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gl.SingularFitWarning)      # the zero-weights case, as in R
        return gl.glmer(c["formula"], data=data, weights=w if isinstance(w, str) else None, nAGQ=c["nAGQ"])


@pytest.mark.parametrize("case", list(CASES))
def test_loglik_aic_bic_deviance_vs_lme4(data, case):
    m, r = fit(data, case), CASES[case]
    assert m.loglik == pytest.approx(r["logLik"], abs=tol.LOGLIK_ABS)
    assert m.aic == pytest.approx(r["AIC"], abs=2 * tol.LOGLIK_ABS)
    assert m.bic == pytest.approx(r["BIC"], abs=2 * tol.LOGLIK_ABS)
    assert m.deviance == pytest.approx(r["deviance_summary"], abs=2 * tol.LOGLIK_ABS)
    gap = np.abs(m.fixef.to_numpy() - np.array(list(r["fixef"].values())))
    assert np.all(gap <= tol.FIXEF_IN_SE * m.coef_table()["Std. Error"].to_numpy())


def test_weights_move_only_the_constant(data):
    """w log choose(n, k) against log choose(w n, w k): the same estimates, another logLik."""
    m = fit(data, "cbind_weights")
    from scipy.special import gammaln

    def lchoose(a, b):
        return gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1)
    other = np.sum(lchoose(data.w * data.n, data.w * data.k)) - np.sum(data.w * lchoose(data.n, data.k))
    assert other > 10                                   # the two constants do differ on these data
    assert m.loglik == pytest.approx(CASES["cbind_weights"]["logLik"], abs=tol.LOGLIK_ABS)


@pytest.mark.parametrize("kind", ["response", "working", "pearson", "deviance"])
def test_zero_weight_rows_residuals_vs_lme4(data, kind):
    m, r = fit(data, "proportion_zero_weights"), CASES["proportion_zero_weights"]
    zero = data["w0"].to_numpy() == 0
    assert zero.sum() >= 5 and (data["prop"][zero] > 0).any()    # some weight-0 rows have y > 0
    np.testing.assert_allclose(m.residuals(kind).to_numpy(), r[f"resid_{kind}"], rtol=0, atol=tol.PRED_ABS)

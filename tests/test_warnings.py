"""Issue 6: the fit's warnings, worded for a student.

Each warning is checked for its class (a :class:`glmmlite.GlmmliteWarning`) and for a
message that says what happened, what it means and what to try, in words a student
can act on: a singular fit (a random-effect SD of exactly 0), a convergence failure
(the gradient, and what to try) and complete separation (huge coefficients).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmmlite as gl
import glmmlite.fit as fit_module
import glmmlite.model as model_module
import tolerances as tol
from glmmlite.errors import (
    ConvergenceWarning, GlmmliteWarning, MissingValuesWarning, SeparationWarning, SingularFitWarning,
)


def fit_recording(formula, data, **kw):
    """Fit and return (model, list of recorded warnings)."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        m = gl.glmer(formula, data=data, **kw)
    return m, rec


def only(rec, cls):
    got = [w for w in rec if issubclass(w.category, cls)]
    assert got, f"no {cls.__name__}; got {[w.category.__name__ for w in rec]}"
    for w in got:
        assert issubclass(w.category, GlmmliteWarning) and issubclass(w.category, UserWarning)
    return got


@pytest.fixture(scope="module")
def article() -> pd.DataFrame:
    return gl.simulate_article_data(seed=1, stream="r")


@pytest.fixture(scope="module")
def no_between_group() -> pd.DataFrame:
    """Ten groups with the same 0/1 pattern: no between-group variation, so SD = 0 exactly."""
    g = np.repeat(np.arange(1, 11), 6)
    return pd.DataFrame({
        "y": np.tile([0, 1, 1, 0, 0, 1], 10),
        "x": np.tile(["a", "a", "a", "b", "b", "b"], 10),
        "g": g,
    })


@pytest.fixture(scope="module")
def separated(no_between_group) -> pd.DataFrame:
    """Every row with x = 'a' has y = 1: complete separation of that level."""
    d = no_between_group.copy()
    d["y"] = np.where(d["x"] == "a", 1, np.random.default_rng(1).integers(0, 2, len(d)))
    return d


# ----------------------------------------------------------------------------- no warning
def test_well_behaved_fit_is_silent(article):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = gl.glmer("y ~ trt * sex + (1|id)", data=article)
    assert not m.is_singular() and m.converged and m.messages == []


# ----------------------------------------------------------------------------- singular fit
def test_singular_fit_no_between_group_variation(no_between_group):
    m, rec = fit_recording("y ~ x + (1|g)", no_between_group)
    (w,) = only(rec, SingularFitWarning)
    assert m.theta[0] == 0.0 and m.is_singular()
    assert m.varcorr()["Std.Dev."].iloc[0] == 0.0
    msg = str(w.message)
    # lme4's words, so students can look them up ...
    assert "boundary (singular) fit" in msg and "isSingular" in msg
    # ... what it means ...
    assert "variance is estimated as (nearly) zero" in msg
    assert "more than these data can support" in msg
    # ... and what to consider
    assert "removing the term" in msg and "simpler model" in msg
    assert "theta = [0.]" in msg
    # the fixed effects are still those of the plain logistic regression: log-odds 2:1 and 1:2
    np.testing.assert_allclose(m.fixef.to_numpy(), [np.log(2), -2 * np.log(2)], atol=1e-6)


def test_singular_fit_is_the_only_warning(no_between_group):
    _, rec = fit_recording("y ~ 1 + (1|g)", no_between_group)
    assert [w.category for w in rec] == [SingularFitWarning]


def test_near_singular_article_fit_does_not_warn(article):
    """The article's SD is small (0.042) but not on the boundary: no warning (as lme4)."""
    m, rec = fit_recording("y ~ trt * sex + (1|id)", article)
    assert 0.01 < m.theta[0] < 0.1
    assert not [w for w in rec if issubclass(w.category, SingularFitWarning)]


# ----------------------------------------------------------------------------- convergence
def test_convergence_warning_when_optimizer_stops_early(article, monkeypatch):
    """Stop the optimizer after one step: the gradient is far from 0."""
    real = model_module.minimize_deviance

    def one_step(*args, **kwargs):
        kwargs["maxiter"] = 1
        return real(*args, **kwargs)

    monkeypatch.setattr(model_module, "minimize_deviance", one_step)
    m, rec = fit_recording("y ~ trt * sex + (1|id)", article)
    got = only(rec, ConvergenceWarning)
    assert not m.converged
    grad_msgs = [str(w.message) for w in got if "max|grad|" in str(w.message)]
    assert len(grad_msgs) == 1
    msg = grad_msgs[0]
    assert "failed to converge" in msg and "tol = 0.002" in msg
    assert "the deviance still slopes" in msg                         # what it means
    assert "rescaling numeric predictors" in msg                      # what to try
    assert "simplifying the random effects" in msg and "separation" in msg
    assert m.messages and all(str(w.message) in m.messages for w in got)


def test_convergence_warning_on_badly_scaled_predictor(article):
    """A real case: a numeric predictor around a million with a tiny effect per unit."""
    d = article.assign(x=article["day"] * 1000.0 + 1e6)
    m, rec = fit_recording("y ~ trt + x + (1|id)", d)
    msgs = [str(w.message) for w in only(rec, ConvergenceWarning)]
    # the optimizer reaches the optimum (the same deviance as on the rescaled predictor), but
    # the curvature cannot be measured at this scale: the warning says to rescale
    assert msgs and any("centre and scale them" in s for s in msgs)
    # rescaling, as the message suggests, removes the warning
    d2 = d.assign(x=(d["x"] - d["x"].mean()) / d["x"].std())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m2 = gl.glmer("y ~ trt + x + (1|id)", data=d2)
    assert abs(m.deviance - m2.deviance) <= tol.DEVIANCE_SAME


def test_degenerate_hessian_message():
    msgs = fit_module._check_convergence(True, np.zeros(2), np.array([[1.0, 0.0], [0.0, -1.0]]), False)
    assert len(msgs) == 1
    assert "negative eigenvalue" in msgs[0] and "not at a minimum" in msgs[0] and "too complex" in msgs[0]


def test_no_convergence_check_for_singular_fits():
    """As lme4, the gradient check is skipped for singular fits that the optimizer finished;
    an optimizer that stopped early with a large gradient is still reported."""
    assert fit_module._check_convergence(True, np.array([1.0, 1.0]), np.eye(2), True) == []
    msgs = fit_module._check_convergence(False, np.array([1.0, 0.0]), np.eye(2), True, ["theta[1]", "x"])
    assert len(msgs) == 1 and "theta[1]" in msgs[0]


# ----------------------------------------------------------------------------- separation
def test_separation_warning_names_the_coefficients(separated):
    m, rec = fit_recording("y ~ x + (1|g)", separated)
    (w,) = only(rec, SeparationWarning)
    msg = str(w.message)
    assert "huge coefficient(s) (Intercept), xb" in msg
    assert "|estimate| times the predictor's range in the data > 15 on the logit scale" in msg
    assert "separated" in msg and "all 1s in one group" in msg          # what it means
    assert "not trustworthy" in msg and "table of the response" in msg  # what to do
    assert abs(m.fixef["(Intercept)"]) > 15


def test_separation_only_on_the_logit_scale(separated):
    _, rec = fit_recording("y ~ x + (1|g)", separated, family=gl.binomial("probit"))
    assert not [w for w in rec if issubclass(w.category, SeparationWarning)]


# ----------------------------------------------------------------------------- where warnings point
def test_data_warnings_point_at_the_users_line(article):
    d = article.copy()
    d.loc[3, "sex"] = np.nan
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        gl.glmer("y ~ trt + sex + (1|id)", data=d)
    (w,) = only(rec, MissingValuesWarning)
    assert w.filename == __file__


def test_fit_warnings_point_at_the_users_line(no_between_group):
    _, rec = fit_recording("y ~ x + (1|g)", no_between_group)
    (w,) = only(rec, SingularFitWarning)
    assert w.filename == __file__


SEPARATED_LEVEL = pd.DataFrame({   # found by tests/test_hypothesis.py: level 'hi' has only 0s
    "y": [1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0],
    "x": [-0.757, 0.593, -1.392, 1.085, -0.186, 0.676, 1.065, 1.923, 0.213, 0.694, -0.848, -1.362,
          2.391, -3.163, 0.061],
    "a": ["lo", "mid", "lo", "lo", "hi", "lo", "lo", "lo", "lo", "mid", "mid", "hi", "hi", "lo", "lo"],
    "g": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4],
})


def test_separated_level_fits_with_a_warning():
    m, rec = fit_recording("y ~ x + a + (1|g)", SEPARATED_LEVEL)
    only(rec, SeparationWarning)
    assert np.all(np.isfinite(m.beta))


# ----------------------------------------------------------------------------- separation on a unit-free scale (QA)
def _dose(article):
    return article.assign(dose=np.where(article.trt == "treat", 0.05, 0) + 0.001 * article.day)


def test_large_coefficient_of_a_small_unit_predictor_is_not_separation(article):
    """dose in [0.001, 0.064]: its coefficient is 29.7 (lme4 1.1-31: 29.72, no warning), yet it
    moves the logit by under 2 over the data; in other units the same fit gave no warning."""
    m, rec = fit_recording("y ~ dose + (1|id)", _dose(article))
    assert abs(m.fixef["dose"] - 29.72) < 0.01
    assert not [w for w in rec if issubclass(w.category, SeparationWarning)]
    m2, rec2 = fit_recording("y ~ dose + (1|id)", _dose(article).assign(dose=lambda x: x.dose * 1000))
    assert not [w for w in rec2 if issubclass(w.category, SeparationWarning)]
    assert abs(m2.fixef["dose"] * 1000 - m.fixef["dose"]) < 1e-3


def test_rescaled_predictor_is_not_separation(article):
    """day * 1e-8 has a coefficient near -1e5: huge, but the same effect as day's."""
    d = article.assign(x=article.day * 1e-8)
    _, rec = fit_recording("y ~ trt + x + (1|id)", d)
    assert not [w for w in rec if issubclass(w.category, SeparationWarning)]


def test_effect_spans_are_unit_free():
    from glmmlite.model import effect_spans
    X = np.column_stack([np.ones(4), [0.0, 1.0, 0.0, 1.0], [1e-8, 2e-8, 3e-8, 5e-8]])
    np.testing.assert_allclose(effect_spans(X, np.array([-20.0, 16.0, 1e8])), [20.0, 16.0, 4.0])


def test_repeated_random_term_warns(article):
    m, rec = fit_recording("y ~ trt + (1|id) + (1|id)", article)
    (w,) = [w for w in rec if "only the sum of their variances" in str(w.message)]
    assert issubclass(w.category, GlmmliteWarning) and "(1 | id) and (1 | id)" in str(w.message)
    _, rec = fit_recording("y ~ trt + (1|id)", article)
    assert not [w for w in rec if "only the sum of their variances" in str(w.message)]

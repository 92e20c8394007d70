"""Issue 6: wrong arguments to ``glmer`` and to the methods of a fitted model.

Every check asserts the exception class (a :class:`glmmlite.GlmmliteError`, hence a
``ValueError``) and that the message names the offending value or column, so a student
can see what to change.  Formula and data checks are in ``test_input_errors.py``.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmmlite as gl
from glmmlite.errors import ArgumentError, FamilyError, GlmmliteError, NewDataError


@pytest.fixture(scope="module")
def d() -> pd.DataFrame:
    return gl.simulate_article_data(seed=1, stream="r")


@pytest.fixture(scope="module")
def m(d):
    return gl.glmer("y ~ trt * sex + (1|id)", data=d, family="binomial")


def check(exc, fn, *fragments) -> str:
    """Call ``fn``; it must raise ``exc`` (a GlmmliteError) whose message contains every fragment."""
    with pytest.raises(exc) as ei:
        fn()
    err = ei.value
    assert type(err) is exc, f"expected exactly {exc.__name__}, got {type(err).__name__}"
    assert isinstance(err, GlmmliteError) and isinstance(err, ValueError)
    msg = str(err)
    for frag in fragments:
        assert frag in msg, f"{frag!r} not in message: {msg}"
    return msg


# ----------------------------------------------------------------------------- family and link
def test_family_poisson(d):
    msg = check(FamilyError, lambda: gl.glmer("y ~ trt + (1|id)", d, family="poisson"), "'poisson'")
    assert "binomial" in msg


def test_family_link_name_given_as_family(d):
    check(FamilyError, lambda: gl.glmer("y ~ trt + (1|id)", d, family="probit"),
          "'probit'", "gl.binomial(link='probit')")


def test_unknown_link():
    check(FamilyError, lambda: gl.binomial(link="log"), "'log'", "'logit'", "'probit'", "'cloglog'")


def test_family_wrong_type(d):
    check(FamilyError, lambda: gl.glmer("y ~ trt + (1|id)", d, family=3), "int")


def test_family_as_class_not_instance(d):
    check(FamilyError, lambda: gl.glmer("y ~ trt + (1|id)", d, family=gl.Binomial), "type")


def test_link_unhashable():
    check(FamilyError, lambda: gl.binomial(link=["logit"]), "['logit']")


@pytest.mark.parametrize("family", ["binomial", " Binomial ", gl.binomial, gl.binomial("logit")])
def test_family_spellings_accepted(d, family):
    m = gl.glmer("y ~ trt + (1|id)", d, family=family)
    assert m.family.link == "logit"


# ----------------------------------------------------------------------------- nAGQ
@pytest.mark.parametrize("bad", [-1, 2.5, "2", True, None])
def test_nagq_not_a_positive_whole_number(d, bad):
    check(ArgumentError, lambda: gl.glmer("y ~ trt + (1|id)", d, nAGQ=bad), "nAGQ", repr(bad))


def test_nagq_0_says_what_it_is_and_what_to_use(d):
    """lme4 fits nAGQ = 0; glmmlite says why it does not and points to nAGQ = 1."""
    check(ArgumentError, lambda: gl.glmer("y ~ trt + (1|id)", d, nAGQ=0), "nAGQ = 0", "nAGQ = 1", "PIRLS")


def test_nagq_too_many_points(d):
    check(ArgumentError, lambda: gl.glmer("y ~ trt + (1|id)", d, nAGQ=101), "nAGQ = 101")


def test_nagq_with_vector_random_term(d):
    check(ArgumentError, lambda: gl.glmer("y ~ trt + (day|id)", d, nAGQ=2),
          "nAGQ = 2", "day | id", "nAGQ = 1")


def test_nagq_with_two_random_terms(d):
    check(ArgumentError, lambda: gl.glmer("y ~ trt + (1|id) + (1|day)", d, nAGQ=2),
          "nAGQ = 2", "2 term(s)", "| id", "| day")


# ----------------------------------------------------------------------------- predict
def test_predict_newdata_missing_column(m):
    nd = pd.DataFrame({"trt": ["treat"], "id": [1]})
    check(NewDataError, lambda: m.predict(nd), "'sex'", "'trt', 'id'")


def test_predict_newdata_misspelled_column(m):
    nd = pd.DataFrame({"trt": ["treat"], "sexx": ["male"], "id": [1]})
    check(NewDataError, lambda: m.predict(nd), "'sex'", "'sexx'")


def test_predict_newdata_missing_grouping_column(m):
    nd = pd.DataFrame({"trt": ["treat"], "sex": ["male"]})
    check(NewDataError, lambda: m.predict(nd), "'id'")
    # ... which is not needed at the population level
    assert np.isfinite(m.predict(nd, re_form="~0")).all()


def test_predict_newdata_unseen_group_level(m):
    nd = pd.DataFrame({"trt": ["treat"], "sex": ["male"], "id": [9999]})
    check(NewDataError, lambda: m.predict(nd), "'9999'", "'id'", "allow_new_levels=True")


def test_predict_newdata_unseen_fixed_factor_level(m):
    nd = pd.DataFrame({"trt": ["placebo"], "sex": ["male"], "id": [1]})
    check(NewDataError, lambda: m.predict(nd), "'placebo'", "'trt'", "'control', 'treat'")


def test_predict_newdata_wrong_case_level(m):
    nd = pd.DataFrame({"trt": ["treat"], "sex": ["Male"], "id": [1]})
    check(NewDataError, lambda: m.predict(nd), "'Male'", "'sex'", "'female', 'male'")


def test_predict_allow_new_levels_is_population_level(m):
    nd = pd.DataFrame({"trt": ["treat", "treat", "control"], "sex": ["male", "male", "female"],
                       "id": [9999, 1, -5]})
    both = m.predict(nd, allow_new_levels=True)
    pop = m.predict(nd, re_form="~0")
    # new levels 9999 and -5: random effect 0, i.e. exactly the population-level prediction
    assert both.iloc[0] == pop.iloc[0] and both.iloc[2] == pop.iloc[2]
    # a known level keeps its conditional mode
    b1 = m.ranef()["id"].loc["1", "(Intercept)"]  # levels are strings, as R factor levels
    assert both.iloc[1] == pytest.approx(pop.iloc[1] + b1, abs=1e-12)
    assert b1 != 0
    resp = m.predict(nd, type="response", allow_new_levels=True)
    np.testing.assert_allclose(resp, 1 / (1 + np.exp(-both)), rtol=1e-12)


@pytest.mark.parametrize("bad", [[1, 2, 3], (1, 2), "trt"])
def test_predict_newdata_not_a_dataframe(m, bad):
    check(NewDataError, lambda: m.predict(bad), "DataFrame", type(bad).__name__)


def test_predict_newdata_dict_as_glmer_data(m):
    """Issue 13, 8: a dict of columns is accepted as newdata, as glmer accepts it as data."""
    nd = {"trt": ["treat"], "sex": ["male"], "id": [1]}
    assert np.allclose(m.predict(nd).to_numpy(), m.predict(pd.DataFrame(nd)).to_numpy())
    check(NewDataError, lambda: m.predict({"trt": ["treat", "control"], "sex": ["male"], "id": [1]}), "dict")


def test_predict_bad_type(m):
    check(ArgumentError, lambda: m.predict(type="bogus"), "'bogus'", "'link'", "'response'")


@pytest.mark.parametrize("bad", ["~(1|nope)", "~ (1 | sex)", "~1", 0, True])
def test_predict_bad_re_form(m, bad):
    check(ArgumentError, lambda: m.predict(re_form=bad), repr(bad), "'~0'")


# ----------------------------------------------------------------------------- simulate
@pytest.mark.parametrize("bad", [0, -1, 2.5, "3", True, np.int64(0)])
def test_simulate_bad_nsim(m, bad):
    check(ArgumentError, lambda: m.simulate(nsim=bad, seed=1), "nsim", repr(bad))


@pytest.mark.parametrize("bad", ["x", 1.5, [1, 2]])
def test_simulate_bad_seed(m, bad):
    check(ArgumentError, lambda: m.simulate(nsim=1, seed=bad), "seed", repr(bad))


def test_simulate_good_arguments(m):
    a = m.simulate(nsim=np.int64(2), seed=5)
    b = m.simulate(nsim=2, seed=np.random.default_rng(5))
    assert list(a.columns) == ["sim_1", "sim_2"]
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("bad", [0, 2.5])
def test_bootstrap_bad_nsim(m, bad):
    check(ArgumentError, lambda: gl.bootstrap(m, nsim=bad), "nsim", repr(bad))


# ----------------------------------------------------------------------------- confint
@pytest.mark.parametrize("bad", [1.5, 0, 1, -0.5, np.nan, True])
def test_confint_bad_level(m, bad):
    check(ArgumentError, lambda: m.confint(level=bad, method="Wald"), "level", repr(bad))


def test_confint_level_not_a_number(m):
    check(ArgumentError, lambda: m.confint(level="high", method="Wald"), "level", "'high'")


def test_confint_unknown_parm_lists_valid_names(m):
    msg = check(ArgumentError, lambda: m.confint(parm="nope", method="Wald"), "'nope'")
    for name in m.param_names_sdcor():
        assert repr(name) in msg


def test_confint_unknown_parm_in_list(m):
    check(ArgumentError, lambda: m.confint(parm=["trttreat", "trt"], method="Wald"), "'trt'", "'trttreat'")


def test_confint_parm_index_out_of_range(m):
    check(ArgumentError, lambda: m.confint(parm=17, method="Wald"), "17", "5 parameters")


@pytest.mark.parametrize("bad", [[], True])
def test_confint_parm_empty_or_bool(m, bad):
    check(ArgumentError, lambda: m.confint(parm=bad, method="Wald"), "parm", "'trttreat'")


def test_confint_parm_float(m):
    check(ArgumentError, lambda: m.confint(parm=1.5, method="Wald"), "1.5")


@pytest.mark.parametrize("bad", ["bogus", "", None])
def test_confint_bad_method(m, bad):
    check(ArgumentError, lambda: m.confint(method=bad), repr(bad), "'profile'", "'Wald'", "'boot'")


def test_profile_unknown_parm(m):
    check(ArgumentError, lambda: m.profile(parm="nope"), "'nope'", "'sd_(Intercept)|id'")


# ----------------------------------------------------------------------------- residuals, refit
@pytest.mark.parametrize("bad", ["bogus", None, "Pearson"])
def test_residuals_bad_type(m, bad):
    check(ArgumentError, lambda: m.residuals(type=bad), repr(bad), "'deviance'", "'pearson'")


def test_refit_wrong_length(m):
    check(ArgumentError, lambda: m.refit(np.zeros(3)), "3500", "got 3")


@pytest.mark.parametrize("bad", [2.0, "a"])
def test_refit_bad_response_values(m, bad):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(gl.ResponseError, lambda: m.refit(np.full(m.nobs, bad, dtype=object)), repr(bad).strip("'"))


# ----------------------------------------------------------------------------- QA: not a fitted model
FIT_FUNCTIONS = ["confint", "profile", "bootMer", "bootstrap", "tidy", "icc", "emmeans", "predict_se", "population_average",
                 "probabilities", "typical_probability", "simulate_residuals", "coef_by_group", "plot_ranef",
                 "ranef_intervals", "power", "simulate_design", "sd_confint", "plot_simulated",
                 "simulated_proportions", "drop1"]


@pytest.mark.parametrize("name", FIT_FUNCTIONS)
@pytest.mark.parametrize("bad", [None, "m", pd.DataFrame({"y": [0, 1]})])
def test_functions_of_a_fit_refuse_other_objects(name, bad):
    args = ("trttreat",) if name == "power" else ()
    shown = "bootstrap" if name == "bootMer" else name       # bootMer is bootstrap's R name
    msg = check(ArgumentError, lambda: getattr(gl, name)(bad, *args), f"{shown}()", "fitted model", "gl.glmer")
    if isinstance(bad, str):
        assert "not its name as a string" in msg
    if isinstance(bad, pd.DataFrame):
        assert "pandas.DataFrame" in msg


def test_every_public_function_of_a_fit_is_checked():
    """Each public function whose first parameter is ``m`` goes through argcheck.takes_fit."""
    import inspect
    names = [n for n in gl.__all__ if inspect.isfunction(getattr(gl, n))
             and next(iter(inspect.signature(getattr(gl, n)).parameters), None) == "m"]
    assert set(names) == set(FIT_FUNCTIONS)


def test_unfitted_model_hint(m):
    check(ArgumentError, lambda: gl.confint(m.model), ".fit() first")


def test_plot_profile_needs_a_profile(m):
    check(ArgumentError, lambda: gl.plot_profile(None), "plot_profile()", "likelihood profile")
    check(ArgumentError, lambda: gl.plot_profile(m), "plot_profile()", "GlmerResult")


def test_profile_unknown_keyword(m):
    check(ArgumentError, lambda: m.profile(parm="trttreat", bogus=1), "'bogus'", "alphamax", "maxpts")
    check(ArgumentError, lambda: gl.profile(m, bogus=1), "profile()", "'bogus'", "devtol")


def test_control_unknown_keyword():
    check(ArgumentError, lambda: gl.GlmerControl(bogus=1), "GlmerControl()", "'bogus'", "grad_tol", "maxiter")
    check(ArgumentError, lambda: gl.GlmerControl().replace(maxiterr=3), "'maxiterr'", "maxiter")
    assert gl.GlmerControl(maxiter=3).replace(grad_tol=1e-3).maxiter == 3


def test_glmer_lme4_arguments_say_what_they_are_here():
    d = gl.simulate_article_data(seed=1)
    check(ArgumentError, lambda: gl.glmer("y ~ trt + (1|id)", d, REML=False), "REML", "maximum likelihood")
    check(ArgumentError, lambda: gl.glmer("y ~ trt + (1|id)", d, subset="trt == 'treat'"), "subset",
          "select the rows first")
    check(ArgumentError, lambda: gl.glmer("y ~ trt + (1|id)", d, na_action="na.omit"), "na_action", "na.omit")
    check(ArgumentError, lambda: gl.glmer("y ~ trt + (1|id)", d, bogus=1), "glmer()", "'bogus'", "nAGQ", "control")


def test_control_lme4_settings_say_what_they_are_here():
    """glmerControl's arguments, the first thing an lme4 user tries after a convergence warning."""
    check(ArgumentError, lambda: gl.GlmerControl(optimizer="bobyqa"), "optimizer", "one optimizer", "maxiter=")
    check(ArgumentError, lambda: gl.GlmerControl(optCtrl={"maxfun": 1e5}), "optCtrl", "maxiter=")
    check(ArgumentError, lambda: gl.GlmerControl(calc_derivs=False), "calc.derivs", "check_conv=False")
    check(ArgumentError, lambda: gl.GlmerControl().replace(tolPwrss=1e-10), "tolPwrss", "PIRLS")


@pytest.mark.parametrize("bad", ["a", -1, 0, np.nan, True])
def test_is_singular_bad_tol(m, bad):
    check(ArgumentError, lambda: m.is_singular(tol=bad), "tol", repr(bad))
    assert m.is_singular(tol=1e-4) is False


# ----------------------------------------------------------------------------- QA: strict True/False and levels
@pytest.mark.parametrize("call, name", [
    (lambda m, d: m.predict(d.head(3), se_fit="yes"), "se_fit"),
    (lambda m, d: m.ranef(cond_var="yes"), "cond_var"),
    (lambda m, d: m.icc(boot="x"), "boot"),         # took as True, it started 200 bootstrap refits
    (lambda m, d: m.tidy(conf_int="no"), "conf_int"),
    (lambda m, d: m.simulate_residuals(nsim=2, conditional="no"), "conditional"),
    (lambda m, d: gl.predict_se(m, allow_new_levels=1), "allow_new_levels"),
    (lambda m, d: gl.GlmerControl(check_conv="no"), "GlmerControl(check_conv=...)"),
])
def test_flags_must_be_true_or_false(m, d, call, name):
    check(ArgumentError, lambda: call(m, d), f"{name} must be True or False")


@pytest.mark.parametrize("bad", ["0.95", True, 95, np.nan, None])
def test_confint_level_must_be_a_number_in_0_1(m, bad):
    check(ArgumentError, lambda: m.confint(level=bad, method="Wald"), "level", repr(bad))
    check(ArgumentError, lambda: m.predict(se_fit=True, level=bad), "level", repr(bad))


def test_numpy_flags_and_levels_still_accepted(m, d):
    assert len(m.predict(d.head(3), se_fit=np.bool_(False))) == 3
    assert m.confint(level=np.float64(0.9), method="Wald").shape == (5, 2)


# ----------------------------------------------------------------------------- emmeans (QA findings)
@pytest.mark.parametrize("bad", [None, 3, ["trt", 2], {"trt": 1}])
def test_emmeans_specs_not_factor_names(m, bad):
    check(ArgumentError, lambda: m.emmeans(bad), "specs must be a factor name or a list of factor names", repr(bad))


def test_emmeans_by_not_factor_names(m):
    check(ArgumentError, lambda: m.emmeans("trt", by=3), "by must be", "3")


def test_emmeans_unknown_keyword_lists_accepted(m):
    check(ArgumentError, lambda: m.emmeans("trt", bogus=2), "emmeans()", "'bogus'", "by, type, level", "offset")
    check(ArgumentError, lambda: gl.emmeans(m, "trt", adjust="holm"), "'adjust'")


def test_confint_unknown_keyword_message_unchanged(m):
    check(ArgumentError, lambda: m.confint(bogus=1, method="Wald"),
          "confint(method='Wald') got unexpected keyword argument(s) 'bogus'")


@pytest.mark.parametrize("specs,by", [("trt", "trt"), ("~ trt | trt", None), (["trt", "sex"], ["sex"])])
def test_emmeans_factor_in_specs_and_by(m, specs, by):
    check(ArgumentError, lambda: m.emmeans(specs, by=by), "in both specs and by", "emmeans('trt', by='sex')")


def test_emmeans_factor_twice(m):
    check(ArgumentError, lambda: m.emmeans(["trt", "trt"]), "more than once", "'trt'")


@pytest.mark.parametrize("specs,fix", [("pairwise ~ trt", "m.emmeans('trt').pairs()"),
                                       ("revpairwise ~ trt | sex", ".pairs(reverse=True)"),
                                       ("trt.vs.ctrl ~ trt", ".contrast(")])
def test_emmeans_r_contrast_formula_points_to_pairs(m, specs, fix):
    check(ArgumentError, lambda: m.emmeans(specs), repr(specs), fix)


@pytest.mark.parametrize("bad", ["x", 1, None, "True"])
def test_pairs_reverse_must_be_bool(m, bad):
    check(ArgumentError, lambda: m.emmeans("trt").pairs(reverse=bad), "reverse must be True or False", repr(bad))


@pytest.mark.parametrize("kw", [{"bias_adj": 1}, {"population": "yes"}])
def test_emmeans_flags_must_be_bool(m, kw):
    (name, bad), = kw.items()
    check(ArgumentError, lambda: m.emmeans("trt", **kw), f"{name} must be True or False", repr(bad))


def test_emmeans_bool_numpy_accepted(m):
    a = m.emmeans("trt").pairs(reverse=np.bool_(True))
    assert a["contrast"].iloc[0] == "treat / control"


@pytest.mark.parametrize("bad", ["tukey-kramer", None, "Holm"])
def test_pairs_unknown_adjust(m, bad):
    check(ArgumentError, lambda: m.emmeans("trt").pairs(adjust=bad), repr(bad), "'tukey'", "'sidak'", "'holm'")


@pytest.mark.parametrize("bad,frag", [(["a"], "p must be p values"), ([[0.1], [0.2, 0.3]], "p must be p values"),
                                      ([[0.1, 0.2]], "one-dimensional"), ([1.5, 0.2], "between 0 and 1"),
                                      ([True, False], "p must be p values")])
def test_p_adjust_bad_p(bad, frag):
    check(ArgumentError, lambda: gl.p_adjust(bad, "holm"), frag)


def test_p_adjust_bad_method():
    check(ArgumentError, lambda: gl.p_adjust([0.1], "tukey"), "'tukey'", "'holm'")


@pytest.mark.parametrize("kw,frag", [({"offset": "a"}, "offset must be one finite number"),
                                     ({"offset": np.nan}, "offset must be"), ({"at": 3}, "at must be a dict")])
def test_emmeans_bad_offset_and_at(m, kw, frag):
    check(ArgumentError, lambda: m.emmeans("trt", **kw), frag)

"""Predictions with intervals and emmeans-style marginal means / contrasts against R (issue 11).

Reference: tests/lme4/after_fit_emmeans.json, written by tests/lme4/r/after_fit_emmeans.R
(lme4 1.1-31, emmeans 1.8.4-1).  lme4 1.1-31 has no ``se.fit``, so the script computes the
delta-method SEs from ``vcov(m)`` (and, conditional on the random effects, adds the conditional
variance of the mode from ``ranef(m, condVar = TRUE)``).  Tolerances: tests/tolerances.py, H3 block.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmmlite as gl
import tolerances as tol
from conftest import load_csv
from after_fit_fixtures import R, m, gm  # noqa: F401  (pytest fixtures)


def close(a, b, rel=tol.AFTER_FIT_REL):
    a, b = np.asarray(a, float), np.asarray(b, float)
    np.testing.assert_allclose(a, b, rtol=rel, atol=0)


def close_p(p, pr, z):
    p, pr, z = (np.asarray(v, float) for v in (p, pr, z))
    rel = np.maximum(tol.AFTER_FIT_P_REL_MIN, z ** 2 * tol.AFTER_FIT_REL)
    assert np.all(np.abs(p - pr) <= rel * pr), (p, pr)


def newdata(R):
    nd = pd.DataFrame(R["predict"]["newdata"])
    nd["id"] = nd["id"].astype(int)
    return nd


# ------------------------------------------------------------------ predictions
@pytest.mark.parametrize("re_form,key", [("~0", "pop"), (None, "cond"), ("~(1|id)", "cond"), ("~ (1 | id)", "cond")])
def test_predict_se_response_vs_R(m, R, re_form, key):
    p = m.predict(newdata(R), type="response", re_form=re_form, se_fit=True)
    r = R["predict"][key]
    close(p["fit"], r["prob"])
    close(p["se_fit"], r["se_prob"])
    close(p["lower"], r["lower"])
    close(p["upper"], r["upper"])


@pytest.mark.parametrize("re_form,key", [("~0", "pop"), (None, "cond")])
def test_predict_se_link_vs_R(m, R, re_form, key):
    p = m.predict_interval(newdata(R), type="link", re_form=re_form)
    r = R["predict"][key]
    close(p["fit"], r["eta"])
    close(p["se_fit"], r["se"])
    z = 1.959963984540054
    np.testing.assert_allclose(p["lower"], p["fit"] - z * p["se_fit"], rtol=tol.FORMULA_RTOL)


def test_predict_se_fitted_rows_and_level(m):
    p90 = m.predict_interval(type="response", level=0.90)
    p95 = m.predict_interval(type="response")
    assert len(p95) == m.nobs
    np.testing.assert_allclose(p95["fit"], m.fitted(), rtol=tol.FORMULA_RTOL)
    assert np.all(p90["lower"] > p95["lower"]) and np.all(p90["upper"] < p95["upper"])
    assert np.all((p95["lower"] > 0) & (p95["upper"] < 1))


def test_predict_boot_brackets_delta(m, R):
    nd = newdata(R)
    b = m.predict_interval(nd, re_form="~0", method="boot", nsim=40, seed=3, progress=False)
    d = m.predict_interval(nd, re_form="~0")
    np.testing.assert_allclose(b["fit"], d["fit"], rtol=tol.FORMULA_RTOL)
    # 40 refits: the bootstrap SE estimates the delta SE within about 1/sqrt(2 * 40) = 11% (x3)
    assert np.all(np.abs(b["se_fit"] / d["se_fit"] - 1) < 0.35)
    assert np.all((b["lower"] < d["fit"]) & (d["fit"] < b["upper"]))


@pytest.mark.parametrize("bad", ["~(1|school)", "~(1|id) + (1|class)", "~ x", 3])
def test_re_form_naming_no_term(m, R, bad):
    with pytest.raises(gl.ArgumentError, match="re_form"):
        m.predict(newdata(R), type="response", re_form=bad, se_fit=True)


# ------------------------------------------------------------------ marginal means
@pytest.mark.parametrize("key,specs,kw", [("emm_cells", "~ trt * sex", {}), ("emm_by", "~ trt | sex", {}),
                                          ("emm_trt", "trt", {}), ("emm_bias", ["trt", "sex"], {"bias_adj": True})])
def test_emmeans_response_vs_R(m, R, key, specs, kw):
    s = m.emmeans(specs, **kw).summary()
    r = pd.DataFrame(R[key])
    for c in ("trt", "sex"):
        if c in r:
            assert list(s[c]) == list(r[c])
    for c in ("prob", "SE", "asymp.LCL", "asymp.UCL"):
        close(s[c], r[c])


def test_emmeans_link_vs_R(m, R):
    s = gl.emmeans(m, "~trt*sex", type="link").summary()
    r = pd.DataFrame(R["emm_link"])
    for c in ("emmean", "SE", "asymp.LCL", "asymp.UCL"):
        close(s[c], r[c])


def test_emmeans_cbpp_bias_adj_vs_R(gm, R):
    for key, kw in (("emm", {}), ("emm_bias", {"bias_adj": True})):
        s = gm.emmeans("period", **kw).summary()
        r = pd.DataFrame(R["cbpp"][key])
        for c in ("prob", "SE", "asymp.LCL", "asymp.UCL"):
            close(s[c], r[c])


# ------------------------------------------------------------------ contrasts
CONTRASTS = [
    ("pairs_by_none", "~trt|sex", "response", dict(adjust="none")),
    ("pairs_by_rev", "~trt|sex", "response", dict(adjust="none", reverse=True)),
    ("pairs_cells_none", "~trt*sex", "response", dict(adjust="none")),
    ("pairs_cells_holm", "~trt*sex", "response", dict(adjust="holm")),
    ("pairs_cells_bonf", "~trt*sex", "response", dict(adjust="bonferroni")),
    ("pairs_link_holm", "~trt*sex", "link", dict(adjust="holm")),
    ("diff_by", "~trt|sex", "response", dict(adjust="none", scale="difference")),
    ("diff_cells_bonf", "~trt*sex", "response", dict(adjust="bonferroni", scale="difference")),
]


@pytest.mark.parametrize("key,specs,type_,kw", CONTRASTS, ids=[c[0] for c in CONTRASTS])
def test_pairs_vs_R(m, R, key, specs, type_, kw):
    t = m.emmeans(specs, type=type_).pairs(**kw)
    r = pd.DataFrame(R[key])
    if "sex" in r:   # R's merge() sorts by-groups; match on (contrast, sex)
        r = r.set_index(["contrast", "sex"]).loc[list(zip(t["contrast"], t["sex"]))].reset_index()
    assert list(t["contrast"]) == list(r["contrast"])
    est = "odds.ratio" if "odds.ratio" in r else "estimate"
    for c in (est, "SE", "z.ratio", "asymp.LCL", "asymp.UCL"):
        close(t[c], r[c])
    close_p(t["p.value"], r["p.value"], r["z.ratio"])


def test_pairs_cbpp_numeric_levels_holm(gm, R):
    t = gm.emmeans("period").pairs(adjust="holm")
    r = pd.DataFrame(R["cbpp"]["pairs_holm"])
    assert list(t["contrast"]) == list(r["contrast"])   # "period1 / period2", as emmeans labels them
    for c in ("odds.ratio", "SE", "z.ratio", "asymp.LCL", "asymp.UCL"):
        close(t[c], r[c])
    close_p(t["p.value"], r["p.value"], r["z.ratio"])


def test_p_adjust_formulas_on_R_values(R):
    """Our Holm / Bonferroni applied to R's unadjusted p values give R's adjusted ones exactly."""
    p = np.asarray(R["pairs_cells_none"]["p.value"], float)
    np.testing.assert_allclose(gl.p_adjust(p, "holm"), R["pairs_cells_holm"]["p.value"], rtol=1e-12)
    np.testing.assert_allclose(gl.p_adjust(p, "bonferroni"), R["pairs_cells_bonf"]["p.value"], rtol=1e-12)
    q = np.array([0.01, 0.04, 0.03, 0.5])
    np.testing.assert_allclose(gl.p_adjust(q, "holm"), [0.04, 0.09, 0.09, 0.5])


def test_compare_any_two_cells_equals_pairs(m):
    e = m.emmeans("~trt*sex")
    c = e.compare({"trt": "treat", "sex": "male"}, {"trt": "control", "sex": "male"})
    p = m.emmeans("trt", by="sex").pairs(reverse=True)
    men = p[p["sex"] == "male"].iloc[0]
    assert c["contrast"].iloc[0] == "treat male / control male"
    for col in ("odds.ratio", "SE", "asymp.LCL", "asymp.UCL"):
        assert c[col].iloc[0] == pytest.approx(men[col], rel=1e-12)
    # the odds ratio among men is exp(trttreat + trttreat:sexmale)
    assert c["odds.ratio"].iloc[0] == pytest.approx(np.exp(m.fixef["trttreat"] + m.fixef["trttreat:sexmale"]), rel=1e-12)
    d = e.compare({"trt": "treat", "sex": "male"}, {"trt": "control", "sex": "male"}, scale="difference")
    pr = e.summary().set_index(["trt", "sex"])["prob"]
    assert d["estimate"].iloc[0] == pytest.approx(pr["treat", "male"] - pr["control", "male"], rel=1e-12)


def test_custom_contrast_weights(m):
    e = m.emmeans("trt", by="sex", type="link")
    t = e.contrast({"treat - control": [-1, 1]})
    assert list(t["sex"]) == ["female", "male"]
    assert t["estimate"].iloc[0] == pytest.approx(m.fixef["trttreat"], rel=1e-12)


@pytest.mark.parametrize("call,what", [
    (lambda e: e.compare({"trt": "placebo", "sex": "male"}, {"trt": "control", "sex": "male"}), "placebo"),
    (lambda e: e.compare({"trt": "treat", "sex": "men"}, {"trt": "control", "sex": "male"}), "men"),
    (lambda e: e.compare({"dose": "1", "sex": "male"}, {"trt": "control", "sex": "male"}), "dose"),
    (lambda e: e.pairs(adjust="mvt"), "mvt"),
])
def test_contrast_bad_input(m, call, what):
    e = m.emmeans("~trt*sex")
    with pytest.raises(gl.ArgumentError, match=what):
        call(e)


@pytest.mark.parametrize("kw,what", [({"specs": "dose"}, "dose"), ({"specs": "trt", "at": {"sex": ["other"]}}, "other"),
                                     ({"specs": "trt", "type": "prob"}, "prob")])
def test_emmeans_bad_input(m, kw, what):
    with pytest.raises(gl.ArgumentError, match=what):
        gl.emmeans(m, **kw)


def test_at_restricts_levels(m):
    s = m.emmeans("trt", at={"sex": ["male"]}).summary()
    full = m.emmeans("~trt*sex").summary()
    np.testing.assert_allclose(s["prob"], full[full["sex"] == "male"]["prob"], rtol=1e-12)


# ------------------------------------------------------------------ an empty cell (QA, session 6)
@pytest.fixture(scope="module")
def empty_cell():
    """The article's data without treated men, plus an additive factor z: y ~ trt * sex + z
    drops trttreat:sexmale, so the treated men's cell cannot be estimated (emmeans: nonEst)."""
    d = load_csv("article_data.csv")
    d = d[~((d.trt == "treat") & (d.sex == "male"))].copy()
    d["z"] = np.where(d["day"] % 2 == 0, "even", "odd")
    with pytest.warns(gl.RankDeficiencyWarning, match="trttreat:sexmale"):
        full = gl.glmer("y ~ trt * sex + z + (1|id)", data=d)
    additive = gl.glmer("y ~ trt + sex + z + (1|id)", data=d)
    return full, additive


def test_emmeans_empty_cell_is_not_estimable(empty_cell):
    full, additive = empty_cell
    with pytest.warns(gl.RankDeficiencyWarning, match="treat male not estimable"):
        s = full.emmeans("trt", by="sex").summary()
    nonest = (s["trt"] == "treat") & (s["sex"] == "male")
    assert s.loc[nonest, ["prob", "SE", "asymp.LCL", "asymp.UCL"]].isna().all(axis=None)
    # the other cells are estimates: the dropped column is 0 there, so they are the additive model's
    ref = additive.emmeans("trt", by="sex").summary()
    np.testing.assert_allclose(s.loc[~nonest, ["prob", "SE"]], ref.loc[~nonest, ["prob", "SE"]], rtol=1e-6)
    with pytest.warns(gl.RankDeficiencyWarning):
        p = full.emmeans("trt", by="sex").pairs()
    assert np.isnan(p.loc[p["sex"] == "male", "odds.ratio"]).all()
    assert np.isfinite(p.loc[p["sex"] == "female", "odds.ratio"]).all()


def test_emmeans_contrast_of_two_nonestimable_cells_can_be_estimable(empty_cell):
    """z even vs odd among treated men: both cells need the dropped interaction, their difference
    does not (it is z's coefficient)."""
    full, _ = empty_cell
    with pytest.warns(gl.RankDeficiencyWarning):
        e = full.emmeans("z", by=["trt", "sex"], type="link")
    assert np.isnan(e.summary()["emmean"]).sum() == 2
    t = e.pairs()
    row = t[(t["trt"] == "treat") & (t["sex"] == "male")]
    assert row["estimate"].iloc[0] == pytest.approx(-full.fixef["zodd"], rel=1e-10)
    assert np.isfinite(row["SE"].iloc[0])
    # on the probability scale there is no such cancelling
    with pytest.warns(gl.RankDeficiencyWarning):
        diff = full.emmeans("z", by=["trt", "sex"]).pairs(scale="difference")
    assert np.isnan(diff.query("trt == 'treat' and sex == 'male'")["estimate"]).all()


def test_emmeans_full_rank_model_has_every_cell(m):
    e = m.emmeans("trt", by="sex")
    assert e.estimable.all() and np.isfinite(e.summary()["prob"]).all()


def test_p_adjust_leaves_nan_out_of_the_family():
    """R: p.adjust(c(0.01, NA, 0.04, 0.03), "holm") is 0.03 NA 0.06 0.06 (a non-estimable
    contrast's NaN does not count among the tests)."""
    np.testing.assert_allclose(gl.p_adjust([0.01, np.nan, 0.04, 0.03], "holm"), [0.03, np.nan, 0.06, 0.06])
    np.testing.assert_allclose(gl.p_adjust([0.01, np.nan, 0.04], "bonferroni"), [0.02, np.nan, 0.08])


def test_p_adjust_with_n_as_r():
    """R: p.adjust(c(0.01, NA, 0.04, 0.03), "holm", n = 6) is 0.06 NA 0.16 0.15."""
    np.testing.assert_allclose(gl.p_adjust([0.01, np.nan, 0.04, 0.03], "holm", n=6), [0.06, np.nan, 0.16, 0.15])
    with pytest.raises(gl.ArgumentError, match="n must be"):
        gl.p_adjust([0.01, 0.02], "holm", n=1)


def test_nonestimable_contrasts_count_in_the_family(empty_cell):
    """emmeans: 'bonferroni method for 6 tests' for the 6 pairs of 4 cells, 3 of them nonEst
    (the empty cell's): each estimable p value is 6 times its unadjusted one."""
    full, _ = empty_cell
    with pytest.warns(gl.RankDeficiencyWarning):
        e = full.emmeans(["trt", "sex"])
    raw = e.pairs(adjust="none")["p.value"].to_numpy()
    bonf = e.pairs(adjust="bonferroni")["p.value"].to_numpy()
    assert np.isnan(raw).sum() == 3
    np.testing.assert_allclose(bonf, np.minimum(1.0, 6 * raw), rtol=1e-12)

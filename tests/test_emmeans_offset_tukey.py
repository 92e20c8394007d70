"""emmeans with an offset, and pairs()' Tukey adjustment, against R (QA findings on glmmlite.emm).

Reference: tests/lme4/emmeans_offset_tukey.json, written by tests/lme4/r/emmeans_offset_tukey.R
(lme4 1.1-31, emmeans 1.8.4-1) from tests/lme4/emmeans_offset_data.csv (drawn by that script)
and cbpp.csv.  emmeans adds the mean over the fitted rows of the model's offset to every cell
(formula ``offset()`` and glmer's ``offset=`` alike); contrasts do not depend on it except
differences of probabilities.  Tukey: studentized range with df = Inf, within each by group.
Tolerances: tests/tolerances.py (AFTER_FIT_* as in test_after_fit_emmeans.py, TUKEY_*).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmmlite as gl
import tolerances as tol
from conftest import load_csv, load_json
from glmmlite.emm_adjust import adjust_family, ptukey_upper

FORMULA = "cbind(y, n - y) ~ f * h + x + (1|g)"


@pytest.fixture(scope="module")
def R():
    return load_json("emmeans_offset_tukey.json")


@pytest.fixture(scope="module")
def d():
    return load_csv("emmeans_offset_data.csv")


@pytest.fixture(scope="module")
def mo(d):
    return gl.glmer("cbind(y, n - y) ~ f * h + x + offset(log(expo)) + (1|g)", data=d)


@pytest.fixture(scope="module")
def mo_arg(d):
    return gl.glmer(FORMULA, data=d, offset=np.log(d["expo"]))


@pytest.fixture(scope="module")
def gm():
    cb = load_csv("cbpp.csv")
    cb["period"] = cb["period"].astype(str)
    return gl.glmer("cbind(incidence, size - incidence) ~ period + (1|herd)", data=cb)


def close(a, b, rel=tol.AFTER_FIT_REL):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=rel, atol=0)


def close_p(p, pr, z):
    p, pr, z = (np.asarray(v, float) for v in (p, pr, z))
    rel = np.maximum(tol.AFTER_FIT_P_REL_MIN, z ** 2 * tol.AFTER_FIT_REL)
    assert np.all(np.abs(p - pr) <= rel * pr), (p, pr)


def r_table(R, key, t, by=()):
    """R's merged pairs()/confint() table in the order of our table ``t``."""
    r = pd.DataFrame(R[key])
    keys = ["contrast", *by]
    r = r.set_index(keys).loc[list(zip(*[t[k].astype(str) for k in keys]))] if by else r.set_index("contrast").loc[t["contrast"]]
    return r.reset_index()


def check_contrasts(t, r):
    assert list(t["contrast"]) == list(r["contrast"])
    est = "odds.ratio" if "odds.ratio" in r else "estimate"
    for c in (est, "SE", "z.ratio", "asymp.LCL", "asymp.UCL"):
        close(t[c], r[c])
    close_p(t["p.value"], r["p.value"], r["z.ratio"])


# ------------------------------------------------------------------ offsets
def test_offset_is_the_mean_offset(mo, mo_arg, d, R):
    mean_log = float(np.mean(np.log(d["expo"])))
    assert mean_log == pytest.approx(R["mean_offset"]["grid_offset"], rel=1e-14)    # emmeans' .offset.
    assert R["mean_offset"]["grid_offset"] != pytest.approx(R["mean_offset"]["log_mean_expo"])
    for m in (mo, mo_arg):
        e = m.emmeans("f", type="link")
        assert e.offset == pytest.approx(mean_log, rel=1e-14)
        np.testing.assert_allclose(e.summary()["emmean"], e.L @ m.beta + mean_log, rtol=tol.FORMULA_RTOL)


@pytest.mark.parametrize("key,model,kw", [
    ("emm_f_link", "mo", {"type": "link"}), ("emm_f_resp", "mo", {}), ("emm_fh_resp", "mo", {"by": "h"}),
    ("emm_f_at_x", "mo", {"type": "link", "at": {"x": 1}}),
    ("emm_f_offset0", "mo", {"type": "link", "offset": 0}),
    ("emm_f_offset1", "mo", {"type": "link", "offset": float(np.log(2))}),
    ("emm_arg_link", "mo_arg", {"type": "link"}), ("emm_arg_resp", "mo_arg", {})])
def test_offset_emmeans_vs_R(request, R, key, model, kw):
    m = request.getfixturevalue(model)
    s = m.emmeans("f", **kw).summary()
    r = pd.DataFrame(R[key])
    for c in ("f", "h"):
        if c in r:
            assert list(s[c]) == list(r[c])
    est = "emmean" if "emmean" in r else "prob"
    for c in (est, "SE", "asymp.LCL", "asymp.UCL"):
        close(s[c], r[c])


def test_offset_formula_and_argument_together_vs_R(d, R):
    m = gl.glmer("cbind(y, n - y) ~ f + h + x + offset(log(expo)) + (1|g)", data=d, offset="shift")
    e = m.emmeans("h", type="link")
    assert e.offset == pytest.approx(R["mean_offset"]["grid_offset_both"], rel=1e-13)
    r = pd.DataFrame(R["emm_both_link"])
    for c in ("emmean", "SE", "asymp.LCL", "asymp.UCL"):
        close(e.summary()[c], r[c])


def test_offset_variable_in_at_is_refused(mo, R):
    # emmeans ignores at = list(expo = 2) (its .offset. stays the mean): say so instead
    assert R["emm_f_at_expo"]["emmean"] == R["emm_f_link"]["emmean"]
    with pytest.raises(gl.ArgumentError, match="'expo' enters only the offset.*offset="):
        mo.emmeans("f", at={"expo": 2})


def test_offset_cancels_in_contrasts(mo, mo_arg, d, R):
    plain = gl.glmer(FORMULA, data=d)
    a = mo.emmeans("f", type="link").pairs()
    b = mo_arg.emmeans("f", type="link").pairs()
    c = mo.emmeans("f", type="link", offset=0).pairs()
    np.testing.assert_allclose(a["estimate"], b["estimate"], rtol=1e-6)    # two fits of the same model
    pd.testing.assert_frame_equal(a, c)                                     # the offset's value cancels
    e = mo.emmeans("f", type="link")
    np.testing.assert_allclose(a["estimate"], [e.L[i] @ mo.beta - e.L[j] @ mo.beta for i, j in ((0, 1), (0, 2), (1, 2))],
                               rtol=tol.FORMULA_RTOL)
    # in R too: the formula and argument forms give the same contrasts
    np.testing.assert_allclose(R["pairs_f_link"]["estimate"], R["pairs_arg_link"]["estimate"], rtol=1e-9)
    # but without the offset the model is another one
    assert not np.allclose(plain.emmeans("f", type="link").pairs()["estimate"], a["estimate"], rtol=1e-3)


# ------------------------------------------------------------------ Tukey
TUKEY = [
    ("pairs_f_link", "f", {"type": "link"}, {}, ()),                          # 3 means
    ("pairs_f_resp", "f", {}, {}, ()),
    ("pairs_f_by_h", "f", {"by": "h"}, {}, ("h",)),                            # 3 means in each of 4 groups
    ("pairs_h_by_f", "h", {"by": "f", "type": "link"}, {}, ("f",)),            # 4 means in each of 3 groups
    ("pairs_h_rev", "h", {"type": "link"}, {"reverse": True}, ()),             # 4 means
    ("pairs_fh", ["f", "h"], {"type": "link"}, {}, ()),                        # 12 means
    ("diff_f_by_h", "f", {"by": "h"}, {"scale": "difference"}, ("h",)),        # probabilities: the offset counts
    ("pairs_f_sidak", "f", {"type": "link"}, {"adjust": "sidak"}, ()),
]


@pytest.mark.parametrize("key,specs,ekw,pkw,by", TUKEY, ids=[c[0] for c in TUKEY])
def test_tukey_pairs_vs_R(mo, R, key, specs, ekw, pkw, by):
    t = mo.emmeans(specs, **ekw).pairs(**pkw)
    assert t.attrs["adjust"] == pkw.get("adjust", "tukey")
    check_contrasts(t, r_table(R, key, t, by))


@pytest.mark.parametrize("key,call", [("pairs_resp", lambda gm: gm.emmeans("period").pairs()),
                                      ("pairs_link", lambda gm: gm.emmeans("period", type="link").pairs()),
                                      ("revpairs", lambda gm: gm.emmeans("period").contrast("revpairwise"))])
def test_tukey_cbpp_four_periods_vs_R(gm, R, key, call):
    t = call(gm)
    check_contrasts(t, r_table({key: R["cbpp"][key]}, key, t))


CW = {"p1_vs_p2": [1, -1, 0, 0], "early_vs_late": [0.5, 0.5, -0.5, -0.5]}


def test_custom_contrasts_default_none_and_tukey_becomes_sidak(gm, R):
    e = gm.emmeans("period")
    assert R["cbpp"]["adjust_custom_default"] == "none"
    t = e.contrast(CW)
    assert t.attrs["adjust"] == "none"
    check_contrasts(t, r_table({"k": R["cbpp"]["custom_default"]}, "k", t))
    assert "changed to \"sidak\"" in R["cbpp"]["custom_tukey_note"]      # emmeans says so in a note
    with pytest.warns(gl.GlmmliteWarning, match='"tukey" was changed to "sidak"'):
        s = e.contrast(CW, adjust="tukey")
    assert s.attrs["adjust"] == "sidak"
    check_contrasts(s, r_table({"k": R["cbpp"]["custom_tukey"]}, "k", s))


def test_compare_one_pair_is_unadjusted(gm):
    e = gm.emmeans("period", type="link")
    c = e.compare({"period": "1"}, {"period": "2"})
    p = e.pairs(adjust="none").iloc[0]
    assert c.attrs["adjust"] == "none"
    assert c["p.value"].iloc[0] == pytest.approx(p["p.value"], rel=1e-12)
    assert e.pairs().iloc[0]["p.value"] > p["p.value"]        # Tukey for 4 means adjusts


def test_tukey_with_two_means_is_unadjusted(mo):
    e = mo.emmeans("f", type="link", at={"f": ["a", "b"]})
    np.testing.assert_allclose(e.pairs()["p.value"], e.pairs(adjust="none")["p.value"], rtol=1e-12)
    np.testing.assert_allclose(e.pairs()["asymp.LCL"], e.pairs(adjust="none")["asymp.LCL"], rtol=1e-9)


def test_ptukey_and_qtukey_on_R_values(R):
    """The distribution alone, on R's own z ratios and tables: the p values and critical
    values of R's ptukey / qtukey (df = Inf)."""
    q = np.asarray(R["ptukey"]["q"], float)
    for k, upper in zip(R["ptukey"]["k"], R["ptukey"]["upper"]):
        p = np.array([ptukey_upper(v, k) for v in q])
        np.testing.assert_allclose(p, upper, rtol=tol.TUKEY_P_REL)
    lv = R["qtukey"]["level"]
    for k, qs in zip(R["qtukey"]["k"], R["qtukey"]["q"]):
        for level, qr in zip(lv, qs):
            crit = adjust_family(np.array([1.0]), "tukey", level, k)[1]
            assert crit * np.sqrt(2) == pytest.approx(qr, rel=tol.TUKEY_Q_REL)
    # the pairs tables: our Tukey p values from R's z ratios, and R's interval half-widths
    for key, k in (("pairs_f_link", 3), ("pairs_h_rev", 4), ("pairs_fh", 12)):
        r = pd.DataFrame(R[key])
        p, crit = adjust_family(r["z.ratio"].to_numpy(float), "tukey", 0.95, k)
        ok = r["p.value"] > 1e-7
        np.testing.assert_allclose(p[ok], r["p.value"][ok], rtol=tol.TUKEY_P_REL)
        np.testing.assert_allclose((r["estimate"] - r["asymp.LCL"]) / r["SE"], crit, rtol=tol.TUKEY_Q_REL)


def test_ptukey_far_tail():
    """Where 1 - P(Q <= q) cancels (R's and scipy's), the integral keeps its digits: with two
    means it is the normal tail 2 Phi(-z) exactly."""
    from scipy import special
    for z in (3.0, 8.0, 12.0, 30.0):
        assert ptukey_upper(np.sqrt(2) * z, 2) == pytest.approx(2 * special.ndtr(-z), rel=1e-12)
    # more means: between the unadjusted and the Bonferroni p value
    z = 10.0
    p = ptukey_upper(np.sqrt(2) * z, 4)
    assert 2 * special.ndtr(-z) < p < 6 * 2 * special.ndtr(-z)
    assert ptukey_upper(0.0, 3) == 1.0 and ptukey_upper(np.inf, 3) == 0.0


def test_holm_and_bonferroni_unchanged_by_default_change(gm):
    """The explicit adjustments still give what they gave (R values in test_after_fit_emmeans.py)."""
    e = gm.emmeans("period")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for adj in ("holm", "bonferroni", "none", "sidak", "tukey"):
            assert e.pairs(adjust=adj).attrs["adjust"] == adj

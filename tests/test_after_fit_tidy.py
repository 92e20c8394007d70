"""coef(m) per group, caterpillar plots, tidy tables, statsmodels aliases and the ICC (issue 11,
items 5-6), against R (tests/lme4/after_fit_emmeans.json: coef(m), coef(summary(m)), Wald
intervals, ranef(condVar = TRUE) and sd^2 / (sd^2 + pi^2/3) computed in R; broom.mixed and
performance are not in Debian 12, so their formulas are computed from lme4's objects)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmmlite as gl
import tolerances as tol
from after_fit_fixtures import R, m, gm  # noqa: F401  (pytest fixtures)


def test_coef_per_group_vs_R(m, R):
    c = m.coef()["id"]
    r = R["coef_id"]
    assert list(c.columns) == r["names"]
    assert r["level"] == R["ranef_id"]["level"]
    got = c.loc[r["level"]].to_numpy()
    want = np.asarray(r["values"], float)
    # fixed effects within FIXEF_IN_SE of their SE; the intercepts add the modes, which may
    # differ by RANEF_IN_CONDSD of their conditional SD
    se = m.bse.to_numpy()[None, :]
    condsd = np.asarray(R["ranef_id"]["condsd"])[:, None] * (np.arange(4) == 0)[None, :]
    assert np.all(np.abs(got - want) <= tol.FIXEF_IN_SE * se + tol.RANEF_IN_CONDSD * condsd)


def test_coef_is_fixef_plus_ranef(gm):
    c = gm.coef()["herd"]
    re = gm.ranef()["herd"]["(Intercept)"]
    np.testing.assert_allclose(c["(Intercept)"], gm.fixef["(Intercept)"] + re, rtol=tol.FORMULA_RTOL)
    np.testing.assert_allclose(c["period2"], gm.fixef["period2"], rtol=tol.FORMULA_RTOL)


def test_ranef_intervals_vs_R(m, R):
    t = gl.ranef_intervals(m)
    r = R["ranef_id"]
    sub = t.set_index("level").loc[r["level"]]
    np.testing.assert_allclose(sub["condsd"], r["condsd"], rtol=tol.AFTER_FIT_REL)
    assert np.all(np.abs(sub["condval"] - r["condval"]) <= tol.RANEF_IN_CONDSD * np.asarray(r["condsd"]))
    np.testing.assert_allclose(sub["upper"] - sub["condval"], 1.959963984540054 * sub["condsd"], rtol=1e-12)


def test_caterpillar_250_groups(m):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig = m.plot_ranef()
    ax = fig.axes[0]
    assert len(ax.collections) == 2              # one set of interval lines, one of points
    pts = ax.collections[1].get_offsets()
    assert len(pts) == 250
    assert np.all(np.diff(np.asarray(pts)[:, 0]) >= 0)   # ordered
    assert len(ax.get_yticklabels()) < 20          # ranks, not 250 overlapping level names
    assert "250" in ax.get_ylabel()
    plt.close(fig)
    fig = gl.plot_ranef(m, label=True)
    assert len(fig.axes[0].get_yticklabels()) == 250
    plt.close(fig)
    with pytest.raises(gl.ArgumentError, match="school"):
        m.plot_ranef(group="school")


def test_tidy_fixed_vs_R(m, R):
    t = m.tidy(effects="fixed", conf_int=True)
    r = R["tidy_fixed"]
    assert list(t.columns) == ["effect", "group", "term", "estimate", "std.error", "statistic", "p.value",
                               "conf.low", "conf.high"]
    assert list(t["term"]) == r["term"]
    np.testing.assert_allclose(t["std.error"], r["std.error"], rtol=tol.AFTER_FIT_REL)
    se = np.asarray(r["std.error"])
    assert np.all(np.abs(t["estimate"] - r["estimate"]) <= tol.FIXEF_IN_SE * se)
    wald = np.asarray(r["wald"], float)
    assert np.all(np.abs(t[["conf.low", "conf.high"]].to_numpy() - wald) <= tol.FIXEF_IN_SE * se[:, None] * 1.5)
    e = m.tidy(effects="fixed", conf_int=True, exponentiate=True)
    np.testing.assert_allclose(e[["conf.low", "conf.high"]], np.asarray(r["exp_wald"]), rtol=tol.AFTER_FIT_REL)
    np.testing.assert_allclose(e["std.error"], np.exp(t["estimate"]) * t["std.error"], rtol=1e-12)


def test_tidy_default_and_ran_pars(m):
    t = m.tidy()
    assert list(t["effect"]) == ["fixed"] * 4 + ["ran_pars"]
    rp = t.iloc[-1]
    assert rp["group"] == "id" and rp["term"] == "sd__(Intercept)"
    assert rp["estimate"] == pytest.approx(float(m.varcorr()["Std.Dev."].iloc[0]), rel=1e-12)
    v = m.tidy(effects=["ran_vals"], conf_int=True)
    assert len(v) == 250 and {"level", "conf.low"} <= set(v.columns)
    c = m.tidy(effects="ran_coefs")
    assert len(c) == 250 * 4
    with pytest.raises(gl.ArgumentError, match="ran_slopes"):
        m.tidy(effects="ran_slopes")


def test_tidy_profile_ran_pars(gm):
    t = gm.tidy(conf_int=True, conf_method="profile")
    ci = gm.confint()
    rp = t[t["effect"] == "ran_pars"].iloc[0]
    assert rp["conf.low"] == pytest.approx(ci.iloc[0, 0]) and rp["conf.high"] == pytest.approx(ci.iloc[0, 1])


def test_statsmodels_aliases(m):
    ct = m.coef_table()
    pd.testing.assert_series_equal(m.params, m.fixef.rename("params"))
    np.testing.assert_array_equal(m.bse, ct["Std. Error"])
    np.testing.assert_array_equal(m.pvalues, ct["Pr(>|z|)"])
    np.testing.assert_array_equal(m.tvalues, ct["z value"])
    ci = m.conf_int()
    assert list(ci.columns) == [0, 1]
    w = m.confint(method="Wald").loc[list(m.fixef.index)]
    np.testing.assert_allclose(ci.to_numpy(), w.to_numpy(), rtol=1e-10)
    assert (m.conf_int(0.1)[1] < ci[1]).all()
    with pytest.raises(gl.ArgumentError, match="alpha"):
        m.conf_int(1.5)


def test_icc_vs_R(m, gm, R):
    sd = float(m.theta[0])
    assert m.icc()["icc"] == pytest.approx(sd ** 2 / (sd ** 2 + np.pi ** 2 / 3), rel=1e-12)
    # against R's value from lme4's SD: the SD may differ by SD_ABS / SD_REL
    assert abs(m.icc()["icc"] - R["icc"]) <= 2 * sd * tol.SD_ABS / (np.pi ** 2 / 3)
    b = gm.icc(boot=True, nsim=30, seed=1, progress=False)
    assert b["lower"].iloc[0] < b["icc"].iloc[0] < b["upper"].iloc[0]
    assert 0 <= b["lower"].iloc[0] and b["upper"].iloc[0] < 1

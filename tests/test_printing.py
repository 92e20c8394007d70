"""R's printed layout: every block of lme4's output rebuilt from the JSON numbers.

The targets are the exact texts R 4.2.2 / lme4 1.1-31 printed
(``seed_summaries.txt``, ``cbpp_summaries.txt``, the ``printed`` field of
``seed_anova_m2_m.json``); the inputs are the numbers in the fit JSON files.
Lines are compared exactly, trailing spaces included.

Not rebuildable from the JSON (compared for everything else): the scaled
residuals and the correlation matrix of the ``nAGQ = 25`` summaries -- the
``nAGQ25`` objects hold neither the residual quantiles nor ``vcov``.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from conftest import REF, load_json
from glmmlite import html_print, lme4_print, lme4_tables, rformat, rprint


# ------------------------------------------------------------------ reference text
def _sections(name: str) -> dict[str, list[str]]:
    """The reference file cut at its '##### ' headers -> {header: lines}."""
    out: dict[str, list[str]] = {}
    cur = None
    for line in (REF / name).read_text(encoding="utf-8").split("\n"):
        if line.startswith("##### "):
            cur = line[6:]
            out[cur] = []
        elif cur is not None:
            out[cur].append(line)
    for k, v in out.items():  # drop the blank separator lines at the end
        while v and v[-1] == "":
            v.pop()
    return out


SEED = _sections("seed_summaries.txt")
CBPP = _sections("cbpp_summaries.txt")


def _find(sections: dict[str, list[str]], start: str) -> list[str]:
    keys = [k for k in sections if k.startswith(start)]
    assert len(keys) == 1, (start, list(sections))
    return sections[keys[0]]


def assert_lines(got: str | list[str], want: list[str]) -> None:
    """Exact line-by-line comparison with a readable diff on failure."""
    got_l = got.split("\n") if isinstance(got, str) else list(got)
    for i, (g, w) in enumerate(zip(got_l, want)):
        assert g == w, f"line {i + 1} differs:\n got: {g!r}\nwant: {w!r}"
    assert len(got_l) == len(want), f"{len(got_l)} lines, want {len(want)}:\n" + "\n".join(got_l)


# ------------------------------------------------------------------ JSON -> arguments
def _varcorr(vc: dict) -> pd.DataFrame:
    return pd.DataFrame({k: vc[k] for k in ("grp", "var1", "var2", "vcov", "sdcor")})


def _coef_table(fit: dict) -> pd.DataFrame:
    ct = fit["coef_table"]
    return pd.DataFrame({"Estimate": ct["estimate"], "Std. Error": ct["std_error"],
                         "z value": ct["z_value"], "Pr(>|z|)": ct["p_value"]}, index=ct["term"])


def _matrix(m: dict) -> pd.DataFrame:
    return pd.DataFrame(m["values"], index=m["rownames"], columns=m["colnames"])


def _kwargs(fit: dict, data_name: str, weights_name: str | None = None) -> dict:
    """format_summary's arguments from a fit JSON (Laplace fit)."""
    return dict(
        nAGQ=fit["nAGQ"], family=fit["family"], link=fit["link"], formula=fit["formula"],
        data_name=data_name, weights_name=weights_name,
        aic=fit["AIC"], bic=fit["BIC"], loglik=fit["logLik"], deviance=fit["deviance_summary"],
        df_resid=fit["df_resid"], resid_quantiles=list(fit["scaled_resid_quantiles"].values()),
        varcorr=_varcorr(fit["varcorr"]), nobs=fit["nobs"], ngroups=fit["ngrps"],
        coef_table=_coef_table(fit), corr=_matrix(fit["corr_fixef"]),
        messages=fit["optimizer"]["lme4_conv_messages"], singular=fit["isSingular"],
        optimizer=fit["optimizer"]["name"], conv_code=fit["optimizer"]["conv_code"],
        optimizer_warnings=fit["optimizer"]["optimizer_warnings"],
    )


def _agq_kwargs(fit: dict, data_name: str) -> dict:
    """The nAGQ = 25 refit: z = est/SE and p = 2 pnorm(-|z|), as summary() computes them."""
    a = fit["nAGQ25"]
    est = np.array(list(a["fixef"].values()))
    se = np.array(list(a["se"].values()))
    z = est / se
    ct = pd.DataFrame({"Estimate": est, "Std. Error": se, "z value": z,
                       "Pr(>|z|)": 2 * stats.norm.sf(np.abs(z))}, index=list(a["fixef"]))
    kw = _kwargs(fit, data_name)
    kw.update(nAGQ=a["nAGQ"], aic=a["AIC"], bic=a["BIC"], loglik=a["logLik"],
              deviance=a["deviance_summary"], varcorr=_varcorr(a["varcorr"]), coef_table=ct,
              corr=None, singular=a["isSingular"], messages=a["optimizer"]["lme4_conv_messages"])
    return kw


SUMMARIES = [
    ("seed_m.json", SEED, "summary(m) ", "d", None),
    ("seed_m2.json", SEED, "summary(m2)", "d", None),
    ("seed_m_y2.json", SEED, "summary(m_y2)", "d", None),
    ("cbpp_cbind.json", CBPP, "summary(glmer(cbind", "cbpp", None),
    ("cbpp_weights.json", CBPP, "summary(glmer(incidence/size", "cbpp", "size"),
]


# ------------------------------------------------------------------ whole summaries
@pytest.mark.parametrize("fname, sections, header, data_name, weights", SUMMARIES,
                         ids=[s[0] for s in SUMMARIES])
def test_summary_matches_lme4(fname, sections, header, data_name, weights):
    fit = load_json(fname)
    text = lme4_print.format_summary(**_kwargs(fit, data_name, weights))
    assert_lines(text, _find(sections, header))


@pytest.mark.parametrize("fname, sections, header, data_name", [
    ("seed_m.json", SEED, "summary(m, nAGQ = 25)", "d"),
    ("cbpp_cbind.json", CBPP, "summary(cbind form, nAGQ = 25)", "cbpp"),
])
def test_summary_nagq25_matches_lme4(fname, sections, header, data_name):
    """Everything but the residual quantiles and the correlation matrix (not in the JSON)."""
    want = _find(sections, header)
    cut = want.index("Correlation of Fixed Effects:")
    want = want[:cut - 1]                       # drop the correlation block and its blank line
    res = want.index("Scaled residuals: ")
    del want[res + 2]                            # the quantile values
    got = lme4_print.format_summary(**_agq_kwargs(load_json(fname), data_name)).split("\n")
    assert got[res + 2].lstrip().startswith("-")  # placeholder (Laplace) quantiles line
    del got[res + 2]
    assert_lines(got, want)


# ------------------------------------------------------------------ the blocks one by one
def test_blocks_seed_m():
    fit = load_json("seed_m.json")
    want = _find(SEED, "summary(m) ")
    assert_lines(lme4_print.format_title(1), want[0:2])
    assert_lines(lme4_print.format_call(family="binomial", link="logit", formula=fit["formula"], data_name="d"),
                 want[2:5])
    assert_lines(lme4_print.format_fit_stats(fit["AIC"], fit["BIC"], fit["logLik"], fit["deviance_summary"],
                                    fit["df_resid"]), want[6:8])
    assert_lines(lme4_print.format_scaled_residuals(fit["scaled_resid_quantiles"]), want[9:12])
    assert_lines(lme4_print.format_varcorr(_varcorr(fit["varcorr"])), want[13:16])
    assert_lines(lme4_print.format_ngroups(fit["nobs"], fit["ngrps"]), want[16:17])
    assert_lines(lme4_print.format_coef_table(_coef_table(fit)), want[19:26])
    assert_lines(lme4_print.format_corr_fixef(_matrix(fit["corr_fixef"])), want[27:32])


def test_anova_matches_lme4():
    an = load_json("seed_anova_m2_m.json")
    text = lme4_tables.format_anova(models=an["models"], formulas=an["formulas"], data_name="d",
                          npar=an["npar"], aic=an["AIC"], bic=an["BIC"], loglik=an["logLik"],
                          deviance=an["deviance"], chisq=an["Chisq"], df=an["Df"],
                          p_value=an["p_value"])
    assert text == an["printed"]
    assert_lines(text, _find(SEED, "anova(m2, m)"))


@pytest.mark.parametrize("fname, sections, header", [
    ("seed_m.json", SEED, "confint(m, oldNames"),
    ("cbpp_cbind.json", CBPP, "confint(cbind form"),
])
def test_confint_matches_r(fname, sections, header):
    ci = _matrix(load_json(fname)["confint_profile_95"])
    assert_lines(lme4_tables.format_confint(ci), _find(sections, header))


# ------------------------------------------------------------------ R's number formatting
@pytest.mark.parametrize("x, digits, nsmall, want", [
    # format(c(4234.0, 4264.8), digits = 4): 4 significant digits each, no decimals needed
    ([4234.0, 4264.8], 4, 0, ["4234", "4265"]),
    # format(c(0.0018, 0.04242192), digits = 4): the common format keeps 4 digits of the smaller
    ([0.0018, 0.04242192], 4, 0, ["0.00180", "0.04242"]),
    # format(c(-1.5, 10, 123.25)) with digits 7
    ([-1.5, 10, 123.25], 7, 0, [" -1.50", " 10.00", "123.25"]),
    # fixed would be wider than scientific: format(1e-10) -> "1e-10"; format(123456789)
    ([1e-10], 7, 0, ["1e-10"]),
    ([123456789.0], 7, 0, ["123456789"]),
    ([1234567891.0], 7, 0, ["1234567891"]),
    ([0.1 + 0.2], 7, 0, ["0.3"]),
    ([1e5], 7, 0, ["1e+05"]),
    ([100000, 123456], 7, 0, ["100000", "123456"]),
    ([3.14159, math.nan], 3, 0, ["3.14", "  NA"]),
    # format(round(c(1, -0.61, 0.4), 3), nsmall = 3)
    ([1.0, -0.61, 0.4], 7, 3, [" 1.000", "-0.610", " 0.400"]),
    # 9996 with 3 digits stays fixed (format.c's roundingwidens)
    ([9996.0], 3, 0, ["9996"]),
    ([0.0], 7, 0, ["0"]),
    ([-0.0], 7, 0, ["0"]),
    ([1.0, math.inf, -math.inf], 7, 0, ["   1", " Inf", "-Inf"]),
])
def test_r_format(x, digits, nsmall, want):
    assert rformat.r_format(x, digits=digits, nsmall=nsmall) == want


def test_r_round_is_r4():
    assert rformat.r_round(0.15, 1) == 0.1          # 0.15 is 0.1499999...
    assert rformat.r_round(2.5) == 2.0 and rformat.r_round(3.5) == 4.0 and rformat.r_round(-0.5) == -0.0
    assert rformat.r_round(2.675, 2) == 2.67
    assert rformat.r_round(0.125, 2) == 0.12        # exact tie -> even
    assert rformat.r_round(-2143.1472584844364, 1) == -2143.1
    assert rformat.r_round(-2143.1472584844364, 1.669) == -2143.15   # digits -> floor(d + 0.5)
    assert rformat.r_round(1234.5678, -2) == 1200.0


def test_zapsmall_r42():
    # R 4.2: round(x, max(0, digits - log10(mx))) -- no ceiling
    assert rformat.zapsmall([-2143.1472584844364, -2112.0139728356353], 5) == [-2143.15, -2112.01]
    assert rformat.zapsmall([1.0, 1e-20], 7) == [1.0, 0.0]
    z = rformat.zapsmall([math.nan, 2.0], 7)
    assert math.isnan(z[0]) and z[1] == 2.0


def test_format_pval():
    pv = [1.4665972829494977e-13, 1.2270206747670303e-77, 0.0009785869963491339, 1.79e-16]
    assert rformat.format_pval(pv, digits=3) == ["1.47e-13", "< 2e-16", "0.000979", "< 2e-16"]
    assert rformat.format_pval([0.5, 0.04, math.nan], digits=3) == ["0.50", "0.04", "NA"]
    assert rformat.format_pval([1e-20], digits=4) == ["< 2.2e-16"]   # eps with digits - 2
    assert rformat.format_pval([1e-20], digits=3) == ["<2e-16"]      # 1 digit, all tiny: no space
    assert rformat.format_pval([2.99974087022699e-15], digits=4) == ["3e-15"]


def test_abbreviate():
    names = ["(Intercept)", "trttreat", "sexmale", "trttreat:sexmale", "period2"]
    assert rprint.abbreviate(names, 6) == ["(Intr)", "trttrt", "sexmal", "trttr:", "perid2"]
    assert rprint.abbreviate(names, 11) == ["(Intercept)", "trttreat", "sexmale", "trttrt:sxml", "period2"]
    # colliding abbreviations get longer until unique
    ab = rprint.abbreviate(["period2", "period3"], 4)
    assert ab[0] != ab[1] and all(len(a) <= 7 for a in ab)


def test_varcorr_vector_term_layout():
    """A correlated (1 + x | g) term: Corr column in lme4's layout."""
    vc = pd.DataFrame({"grp": ["g", "g", "g"], "var1": ["(Intercept)", "x", "(Intercept)"],
                       "var2": [None, None, "x"], "vcov": [np.nan] * 3, "sdcor": [24.74, 5.922, 0.066]})
    lines = lme4_print.format_varcorr(vc)
    assert lines == ["Random effects:",
                     " Groups Name        Variance Std.Dev. Corr",
                     " g      (Intercept) 612.07   24.740       ",
                     "        x            35.07    5.922   0.07"]
    # the same from the wide layout (one row per effect, Corr = correlation with earlier rows)
    wide = pd.DataFrame({"Groups": ["g", "g"], "Name": ["(Intercept)", "x"],
                         "Variance": [0, 0], "Std.Dev.": [24.74, 5.922], "Corr": [np.nan, 0.066]})
    assert lme4_print.format_varcorr(wide) == lines


def test_singular_and_messages_at_the_end():
    fit = load_json("seed_m.json")
    kw = _kwargs(fit, "d")
    kw.update(singular=True, n_dropped_na=2, fit_messages=["fixed-effect model matrix is rank deficient"])
    lines = lme4_print.format_summary(**kw).split("\n")
    assert lines[-3:] == ["fixed-effect model matrix is rank deficient",
                          "optimizer (Nelder_Mead) convergence code: 0 (OK)",
                          "boundary (singular) fit: see help('isSingular')"]
    assert "  (2 observations deleted due to missingness)" in lines
    i = lines.index("  (2 observations deleted due to missingness)")
    assert lines[i - 1].startswith("Number of obs: 3500")
    # nothing printed when all is well
    assert lme4_print.format_conv_messages() == []


def test_no_stars_no_legend():
    ct = pd.DataFrame({"Estimate": [0.1, 0.2], "Std. Error": [0.5, 0.5], "z value": [0.2, 0.4],
                       "Pr(>|z|)": [0.84, 0.69]}, index=["(Intercept)", "x"])
    lines = lme4_print.format_coef_table(ct)
    assert lines == ["            Estimate Std. Error z value Pr(>|z|)",
                     "(Intercept)      0.1        0.5     0.2     0.84",
                     "x                0.2        0.5     0.4     0.69"]


def test_wide_matrix_wraps_at_80_columns():
    p = 14
    names = [f"x{i}" for i in range(p)]
    corr = pd.DataFrame(np.eye(p) * 0.5 + 0.5, index=names, columns=names)
    lines = lme4_print.format_corr_fixef(corr)
    assert max(len(s) for s in lines) <= 80
    assert sum(1 for s in lines if s.startswith("   ")) == 2   # two header lines = two blocks


# ------------------------------------------------------------------ HTML
def test_summary_html_has_the_same_numbers():
    fit = load_json("seed_m.json")
    h = html_print.summary_html(**_kwargs(fit, "d"))
    assert h.startswith("<div") and h.endswith("</div>")
    for s in ["4234.0", "4264.8", "-2112.0", "3495", "-2.2277", "0.4485", "0.0018", "0.04242",
              "-0.50413", "0.06822", "18.652", "1.47e-13", "&lt; 2e-16", "0.000979", "***",
              "(Intr)", "trttrt:sxml", "-0.736", "Number of obs: 3500, groups: id, 250",
              "Laplace Approximation", "y ~ trt * sex + (1 | id)"]:
        assert s in h, s
    assert "<link" not in h and "stylesheet" not in h


def test_anova_and_confint_html():
    an = load_json("seed_anova_m2_m.json")
    h = html_print.anova_html(models=an["models"], formulas=an["formulas"], data_name="d", npar=an["npar"],
                     aic=an["AIC"], bic=an["BIC"], loglik=an["logLik"], deviance=an["deviance"],
                     chisq=an["Chisq"], df=an["Df"], p_value=an["p_value"])
    for s in ["-2143.2", "62.267", "3e-15", "***", "m2: y ~ trt + sex + (1 | id)"]:
        assert s in h, s
    ci = _matrix(load_json("seed_m.json")["confint_profile_95"])
    h = html_print.confint_html(ci)
    for s in ["0.0000000", "0.2660006", "-1.5551862", "sd_(Intercept)|id", "97.5 %"]:
        assert s in h, s


def test_table_html_escapes():
    h = html_print.table_html(pd.DataFrame({"a<b": ["<1"]}, index=["x&y"]))
    assert "a&lt;b" in h and "&lt;1" in h and "x&amp;y" in h


def test_anova_from_a_table_object():
    """format_anova(table): a DataFrame (+ heading) as glmmlite.inference.anova's AnovaTable holds it."""
    an = load_json("seed_anova_m2_m.json")
    df = pd.DataFrame({"npar": an["npar"], "AIC": an["AIC"], "BIC": an["BIC"], "logLik": an["logLik"],
                       "deviance": an["deviance"], "Chisq": an["Chisq"], "Df": an["Df"],
                       "Pr(>Chisq)": an["p_value"]}, index=an["models"]).astype(float)

    class Tab:
        table = df
        heading = ["Data: d", "Models:"] + [f"{m}: {f}" for m, f in zip(an["models"], an["formulas"])]

    assert lme4_tables.format_anova(Tab()) == an["printed"]
    assert lme4_tables.format_anova(df, formulas=an["formulas"], data_name="d") == an["printed"]
    assert "62.267" in html_print.anova_html(Tab())

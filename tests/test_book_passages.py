"""The numbers quoted by the book's corrected passages (issue 12) are the right numbers.

Every number in the book's prose is glued from executed code, so a passage can only be wrong
if the code computes the wrong thing or the words around the number say something the number
does not support.  These tests read each passage from the *built* HTML page (what a reader
sees), pull the printed numbers out with a regular expression, and compare them with an
independent computation: from lme4's own output (tests/lme4/*.json), from the raw data, or
by brute-force numerical integration with scipy.  A printed number may differ from the
recomputed one by half a unit in its last printed digit plus PASSAGE_ABS (see
tests/tolerances.py).

The book is built once per session by conftest.py's `book_html` fixture (or BOOK_HTML).
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, optimize, stats
from scipy.special import expit

from conftest import load_csv, load_json
from test_book import ROOT
from tolerances import PASSAGE_ABS, PASSAGE_REL

pytestmark = pytest.mark.book

NUM = r"(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)"


# ----------------------------------------------------------------------------- helpers
def page_text(html_dir: Path, chapter: str) -> str:
    """The visible text of a chapter's main content, whitespace collapsed."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((html_dir / "book" / f"{chapter}.html").read_text(), "html.parser")
    main = soup.find("main") or soup
    for tag in main.find_all(["script", "style"]):
        tag.decompose()
    text = main.get_text("")
    text = text.replace("\u2212", "-").replace("\u00a0", " ").replace("\u2019", "'")
    text = text.replace("\u201c", "\"").replace("\u201d", "\"")
    return re.sub(r"\s+", " ", text)


def quoted(text: str, pattern: str) -> list[str]:
    """The numbers a passage quotes (the regex groups), as printed."""
    m = re.search(pattern, text)
    assert m, f"passage not found on the page: {pattern!r}"
    return list(m.groups())


def close(printed: str, value: float, extra: float = 0.0) -> None:
    """`printed` (a number as shown, maybe with a %) is `value` rounded."""
    s = printed.rstrip("%")
    decimals = len(s.split(".")[1]) if "." in s and "e" not in s else 0
    allowed = 0.5 * 10.0 ** -decimals + PASSAGE_ABS + PASSAGE_REL * abs(value) + extra
    if "e" in s:
        allowed = abs(float(s)) * 0.051 + PASSAGE_ABS
    assert abs(float(s) - value) <= allowed, f"page says {printed}, recomputed {value:.6g}"


def article_design() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = load_csv("article_data.csv")
    treat = (d["trt"] == "treat").to_numpy(float)
    male = (d["sex"] == "male").to_numpy(float)
    X = np.column_stack([np.ones(len(d)), treat, male, treat * male])
    return X, d["y"].to_numpy(float), d["id"].to_numpy()


def lme4_m() -> dict:
    return load_json("article_m.json")


def matrix(block: dict) -> np.ndarray:
    return np.asarray(block["values"], float)


def population_average_quad(eta: float, sd: float) -> float:
    """E[expit(eta + sd Z)], Z ~ N(0, 1), by adaptive quadrature (not Gauss-Hermite)."""
    f = lambda z: expit(eta + sd * z) * stats.norm.pdf(z)  # noqa: E731
    return integrate.quad(f, -12, 12, epsabs=1e-12)[0]


def logistic_loglik_fit(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """A plain logistic regression by direct maximisation (BFGS), SEs from the information."""
    def nll(b):
        eta = X @ b
        return -(y @ eta - np.logaddexp(0, eta).sum())

    res = optimize.minimize(nll, np.zeros(X.shape[1]), method="BFGS", options={"gtol": 1e-10})
    p = expit(X @ res.x)
    info = X.T @ (X * (p * (1 - p))[:, None])
    return res.x, np.sqrt(np.diag(np.linalg.inv(info))), -res.fun


@pytest.fixture(scope="module")
def pages(book_html):
    """Text of a built chapter page (conftest.py's ``book_html``: the session's one build)."""
    return lambda chapter: page_text(book_html, chapter)


# ----------------------------------------------------------------------------- chapter 1
def test_ch1_random_effect_shifts_log_odds(pages):
    text = pages("01-why-binomial-glmm")
    assert re.search(r"random effect per student: a student-specific shift of the log-odds", text)
    assert "shift of that probability" not in text
    # the roadmap names every chapter and the closing page
    for n in range(2, 14):
        assert re.search(rf"\b{n}\. ", text), f"roadmap does not name chapter {n}"
    assert "Summary and further reading" in text


# ----------------------------------------------------------------------------- chapter 3
def test_ch3_deviance_and_residual_passages(pages):
    text = pages("03-fit-model")
    r = lme4_m()
    dev, dev_fn = quoted(text, rf"deviance = {NUM} is -2 × logLik.*?here {NUM} \(")
    close(dev, -2 * r["logLik"])
    close(dev_fn, r["deviance_fn"])          # R's deviance(m): not -2 logLik
    assert abs(r["deviance_fn"] + 2 * r["logLik"]) > 1, "the passage's point needs them to differ"
    assert re.search(r"reports its Laplace approximation .*? not the exact value", text)

    q = r["scaled_resid_quantiles"]
    med, share = quoted(text, rf"the median is {NUM}, and its sign says little more than whether "
                              rf"over half of the rows are 1s \({NUM}% of them are\)")
    close(med, q["Median"])
    y = load_csv("article_data.csv")["y"]
    close(share, 100 * y.mean())
    assert (q["Median"] > 0) == (y.mean() > 0.5)
    rmin, pmin, rmax, pmax = quoted(
        text, rf"the smallest residual, {NUM}, is a 0 where the model gave a probability of {NUM}, "
              rf"and the largest, {NUM}, a 1 where it gave {NUM}")
    close(rmin, q["Min"])
    close(rmax, q["Max"])
    # a 0 with fitted p has residual -sqrt(p/(1-p)); a 1 has sqrt((1-p)/p)
    p0 = optimize.brentq(lambda p: -math.sqrt(p / (1 - p)) - q["Min"], 1e-9, 1 - 1e-9)
    p1 = optimize.brentq(lambda p: math.sqrt((1 - p) / p) - q["Max"], 1e-9, 1 - 1e-9)
    close(pmin, p0)
    close(pmax, p1)
    assert "roughly symmetric quartiles" not in text.lower()


# ----------------------------------------------------------------------------- chapter 4
def test_ch4_typical_and_population_average(pages):
    text = pages("04-log-odds-to-probabilities")
    r = lme4_m()
    b = np.array(list(r["fixef"].values()))
    V = matrix(r["vcov"])
    sd = list(r["theta"].values())[0]
    X, _, _ = article_design()
    cells = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [1, 0, 1, 0], [1, 1, 1, 1]], float)
    typical = expit(cells @ b)
    pop = np.array([population_average_quad(e, sd) for e in cells @ b])
    sd_txt, gap, p_fc, lo, hi = quoted(
        text, rf"With an estimated SD of only {NUM}, the typical and the average student differ by "
              rf"at most {NUM}, .*? A control woman's probability is {NUM}, with a 95% interval "
              rf"from {NUM} to {NUM}")
    close(sd_txt, sd)
    close(gap, np.abs(pop - typical).max(), extra=2e-5)
    close(p_fc, typical[0])
    # delta method on the logit scale: the interval of logit(p) is b0 -/+ 1.96 se(b0)
    se0 = math.sqrt(V[0, 0])
    close(lo, expit(b[0] - stats.norm.ppf(0.975) * se0))
    close(hi, expit(b[0] + stats.norm.ppf(0.975) * se0))
    assert pop[1] < typical[1] and pop[2] > typical[2], "averaging pulls towards 0.5"


# ----------------------------------------------------------------------------- chapter 5
def test_ch5_odds_ratio_interval_and_risk_ratio(pages):
    text = pages("05-odds-ratios")
    r = lme4_m()
    lo, hi = quoted(text, rf"The interval runs from {NUM} to {NUM}: the data are consistent")
    (r_lo, r_hi), = r["exp_confint_trttreat"]["values"]
    close(lo, r_lo, extra=0.01 * (r_hi - r_lo))      # CI ends: CI_IN_WIDTH of test_profile
    close(hi, r_hi, extra=0.01 * (r_hi - r_lo))
    assert "certainly" not in text
    b = r["fixef"]
    pc, pt, rr = quoted(text, rf"here the probability rises from {NUM} to {NUM} \(chapter 4\), "
                              rf"a factor of {NUM}")
    close(pc, expit(b["(Intercept)"]))
    close(pt, expit(b["(Intercept)"] + b["trttreat"]))
    close(rr, expit(b["(Intercept)"] + b["trttreat"]) / expit(b["(Intercept)"]))
    assert re.search(r"The odds of an event are its probability divided by", text)
    # the treated woman's probability with its delta-method interval (logit scale)
    p, lo, hi = quoted(text, rf"A treated woman's probability is {NUM} \(95% interval {NUM} "
                             rf"to {NUM}\)")
    x = np.array([1.0, 1.0, 0.0, 0.0])
    eta = x @ np.array(list(b.values()))
    se = math.sqrt(x @ matrix(r["vcov"]) @ x)
    close(p, expit(eta))
    close(lo, expit(eta - stats.norm.ppf(0.975) * se))
    close(hi, expit(eta + stats.norm.ppf(0.975) * se))


# ----------------------------------------------------------------------------- chapter 6
def test_ch6_boundary_passages(pages):
    text = pages("06-random-effect")
    r = lme4_m()
    X, y, _ = article_design()
    b_glm, se_glm, ll_glm = logistic_loglik_fit(X, y)
    lrt = 2 * (r["logLik"] - ll_glm)
    (zeta0,) = quoted(text, rf"At SD = 0 the profile stops at .{{1,12}}? = {NUM}")
    close(zeta0, -math.sqrt(max(lrt, 0.0)), extra=5e-3)
    stat, p_mix = quoted(text, rf"The statistic is {NUM}, and even the corrected p-value, {NUM},")
    close(stat, lrt, extra=2e-3)
    close(p_mix, 0.5 * stats.chi2.sf(lrt, 1), extra=5e-3)

    lo, hi = quoted(text, rf"ratios of the standard errors lie between {NUM} and {NUM}")
    ratio = np.array(list(r["se"].values())) / se_glm
    close(lo, ratio.min(), extra=2e-3)
    close(hi, ratio.max(), extra=2e-3)

    # the calibration study's numbers are those of benchmarks/calibration_results.md
    report = (ROOT / "benchmarks" / "calibration_results.md").read_text()
    sections = report.split("## Random-intercept SD = ")[1:]
    def sd_row(section):
        row = next(l for l in section.splitlines() if l.startswith("| `sd_"))
        return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip().strip("|"))]
    small, big = sections[0], sections[1]
    sd_s, singular, zero_lower, cover_s, sd_b, cover_b = quoted(
        text, rf"With a true SD of {NUM}, {NUM}% of the \d+ fits were singular .*? started at exactly "
              rf"0 in {NUM}% of them.*? covered the truth in {NUM}% of the data sets, more than the "
              rf"nominal 95%. With a true SD of {NUM} the coverage was {NUM}%")
    assert float(sd_s) == float(small.split()[0]) and float(sd_b) == float(big.split()[0])
    assert float(singular) == float(re.search(r"singular fits .*?\(([\d.]+)%\)", small).group(1))
    assert float(zero_lower) == float(re.search(r"lower end exactly 0 in ([\d.]+)%", small).group(1))
    assert float(cover_s) == float(sd_row(small)[2].split()[0]) > 95
    assert float(cover_b) == float(sd_row(big)[2].split()[0]) < 95   # "a little short of 95%"

    # the caterpillar plot's caption says the intervals cross 0: lme4's modes and condVars
    (n_cover,) = quoted(text, rf"{NUM} of the 250 intervals contain 0")
    modes = np.asarray(r["ranef"]["id"]["values"]["(Intercept)"], float)
    cond_sd = np.sqrt(np.ravel(np.asarray(r["ranef"]["id"]["condVar"], float)))
    assert int(n_cover) == int((np.abs(modes) < 1.96 * cond_sd).sum()) == 250


def test_ch6_large_sd_logistic_regression_too_small(pages):
    # the SEs of the two models are on different scales; the passage compares z statistics
    text = pages("06-random-effect")
    lo, hi = quoted(text, rf"the ratio of the SEs, here {NUM} to {NUM}, mixes this change of scale")
    assert 1 < float(lo) <= float(hi)
    lo, hi = quoted(text, rf"the logistic regression's are larger by a factor of {NUM} to {NUM}")
    assert 1 < float(lo) <= float(hi)
    p_glm, p_glmm = quoted(text, rf"for sexmale, p = {NUM} against {NUM} in the GLMM")
    assert float(p_glm) < 0.05 < float(p_glmm)


# ----------------------------------------------------------------------------- chapter 8
def test_ch8_spread_check(pages):
    text = pages("08-check-by-simulation")
    d = load_csv("article_data.csv")
    counts = d.groupby("id")["y"].sum()
    obs, lo, hi = quoted(text, rf"The observed SD of the counts, {NUM} days, lies inside the range of "
                               rf"the simulated SDs \({NUM} to {NUM}")
    close(obs, counts.std())
    assert float(lo) <= float(obs) <= float(hi)
    big_obs, big_hi = quoted(text, rf"Now the observed SD, {NUM}, is far above anything the model "
                                   rf"produces \(at most {NUM}")
    assert float(big_obs) > float(big_hi)
    ks, disp = quoted(text, rf"test of uniformity \(p = {NUM}\).*?\(p = {NUM}\), finds a problem")
    assert float(ks) > 0.05 and float(disp) > 0.05


# ----------------------------------------------------------------------------- chapter 10
def test_ch10_laplace_departs_for_one_student(pages):
    text = pages("10-how-the-fit-works")
    student, days, pct = quoted(text, rf"For student {NUM} \({NUM} vegetable days out of 14\) the "
                                      rf"Laplace approximation of the integral is {NUM}% too small")
    r = lme4_m()
    X, y, ids = article_design()
    eta = X @ np.array(list(r["fixef"].values()))
    sel = ids == int(student)
    assert int(y[sel].sum()) == int(days)
    s = 2.0

    def log_h(u):
        e = eta[sel] + u
        return (y[sel] @ e - np.logaddexp(0, e).sum()) + stats.norm.logpdf(u, 0, s)

    mode = optimize.minimize_scalar(lambda u: -log_h(u), bounds=(-15, 15), method="bounded",
                                    options={"xatol": 1e-10}).x
    peak = log_h(mode)
    exact = integrate.quad(lambda u: math.exp(log_h(u) - peak), -25, 25, points=[mode],
                           epsabs=1e-13, limit=200)[0]
    p = expit(eta[sel] + mode)
    curvature = p @ (1 - p) + 1 / s**2
    laplace = math.sqrt(2 * math.pi / curvature)
    close(pct, 100 * (1 - laplace / exact), extra=0.05)


# ----------------------------------------------------------------------------- chapter 12
def test_ch12_typical_herd_and_population_average(pages):
    text = pages("12-exercises-cbpp")
    r = load_json("cbpp_cbind.json")
    b0 = r["fixef"]["(Intercept)"]
    sd = list(r["theta"].values())[0]
    cb = load_csv("cbpp.csv")
    p1 = cb[cb["period"] == 1]
    typical, pop, lo, hi = quoted(
        text, rf"In period 1 a typical herd has a probability of {NUM}, while the population "
              rf"average is {NUM} \(95% interval {NUM} to {NUM}\)\.")
    (obs,) = quoted(text, rf"In period 1 the pooled proportion, {NUM}, is near the population "
                          rf"average")
    close(typical, expit(b0))
    pa = population_average_quad(b0, sd)
    close(pop, pa)
    close(obs, p1["incidence"].sum() / p1["size"].sum())
    # delta method with the SD held fixed, on the logit of the average
    slope = integrate.quad(lambda z: expit(b0 + sd * z) * (1 - expit(b0 + sd * z))
                           * stats.norm.pdf(z), -12, 12)[0]
    se = slope * math.sqrt(matrix(r["vcov"])[0, 0]) / (pa * (1 - pa))
    logit = math.log(pa / (1 - pa))
    close(lo, expit(logit - stats.norm.ppf(0.975) * se))
    close(hi, expit(logit + stats.norm.ppf(0.975) * se))
    odds, typ2 = quoted(text, rf"of the intercept, {NUM}, is not an odds ratio but the baseline odds "
                              rf"of a new infection in period 1 for a typical herd \(a probability of "
                              rf"{NUM}\)")
    close(odds, math.exp(b0))
    close(typ2, expit(b0))


# ----------------------------------------------------------------------------- chapter 13
def test_ch13_singular_pointer(pages):
    text = pages("13-common-mistakes")
    assert re.search(r"The article's own fit is not singular", text)
    assert not lme4_m()["isSingular"]

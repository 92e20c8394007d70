"""The printed summary of a real fit against lme4's printed text, word by word."""
from __future__ import annotations

import re

import pytest

import tolerances as tol
from conftest import REF
from test_fit_reference import fitted

NUM = re.compile(r"^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$")


def blocks(filename: str) -> dict[str, str]:
    out, name, lines = {}, None, []
    for line in (REF / filename).read_text().splitlines():
        if line.startswith("#####"):
            if name:
                out[name] = "\n".join(lines).strip("\n")
            name, lines = line, []
        else:
            lines.append(line)
    out[name] = "\n".join(lines).strip("\n")
    return out


def unit(token: str) -> float:
    """One unit in the last printed digit of a number as printed (1.47e-13 -> 1e-15)."""
    mant, _, exp = token.lower().partition("e")
    decimals = len(mant.split(".")[1]) if "." in mant else 0
    return 10.0 ** (-decimals + (int(exp) if exp else 0))


def _allowed(y: str) -> float:
    return max(tol.PRINTED_LAST_DIGITS * unit(y), tol.PRINTED_REL * abs(float(y)))


def p_value_words(text: str) -> dict[int, int]:
    """Word index of each Pr(>|z|) entry of the "Fixed effects:" table -> that of its row's z value."""
    out, k, state = {}, 0, None
    for line in text.split("\n"):
        words = line.split()
        if line.startswith("Fixed effects:"):
            state = "header"
        elif state == "header":
            state = "rows"
        elif state == "rows":
            if not words or line.startswith("---"):
                state = None
            else:
                nums = [i for i, w in enumerate(words) if NUM.match(w)]
                if len(nums) >= 4:
                    out[k + nums[3]] = k + nums[2]
        k += len(words)
    return out


def _z_range(p: str) -> tuple[float, float]:
    """The z = qnorm(p/2, lower = FALSE) of every p that prints as ``p``."""
    from scipy import stats
    v, u = float(p), unit(p) / 2
    return float(stats.norm.isf(min(v + u, 1.0) / 2)), float(stats.norm.isf(max(v - u, 1e-300) / 2))


def assert_same_print(ours: str, theirs: str, p_via_z: bool = False) -> None:
    """Word by word; a printed number within PRINTED_LAST_DIGITS / PRINTED_REL of lme4's.  With
    ``p_via_z``, a p value of the fixed-effects table is compared through its z (tolerances.py,
    PRINTED_P_VIA_Z): each printed p must be the p of a z within the z column's tolerance."""
    a, b = ours.split(), theirs.split()
    assert len(a) == len(b), f"different number of words:\n{ours}\n---\n{theirs}"
    pz = p_value_words(theirs) if p_via_z else {}
    for i, (x, y) in enumerate(zip(a, b)):
        if i in pz and NUM.match(x) and NUM.match(y) and x != y:
            (lo_a, hi_a), (lo_b, hi_b) = _z_range(x), _z_range(y)
            gap = max(0.0, max(lo_a, lo_b) - min(hi_a, hi_b))
            assert gap <= _allowed(b[pz[i]].lstrip("-")) * (1 + 1e-9), f"p {x} vs lme4 {y} (z {b[pz[i]]})"
        elif NUM.match(y) and NUM.match(x):
            assert abs(float(x) - float(y)) <= _allowed(y) * (1 + 1e-9), f"{x} vs lme4 {y}"
        else:
            assert x == y, f"{x!r} vs lme4 {y!r}"


CASES = [
    ("seed_m", "seed_summaries.txt", "##### summary(m)  -- y ~ trt * sex + (1 | id)"),
    ("seed_m2", "seed_summaries.txt", "##### summary(m2) -- y ~ trt + sex + (1 | id)"),
    ("seed_m_y2", "seed_summaries.txt", "##### summary(m_y2) -- y2 ~ trt * sex + (1 | id)"),
    ("seed_m_agq25", "seed_summaries.txt", "##### summary(m, nAGQ = 25)"),
    ("cbpp_cbind", "cbpp_summaries.txt",
     "##### summary(glmer(cbind(incidence, size - incidence) ~ period + (1 | herd)))"),
    ("cbpp_weights", "cbpp_summaries.txt",
     "##### summary(glmer(incidence/size ~ period + (1 | herd), weights = size))"),
    ("cbpp_cbind_agq25", "cbpp_summaries.txt", "##### summary(cbind form, nAGQ = 25)"),
]


@pytest.mark.parametrize("name,file,header", CASES)
def test_printed_summary_matches_lme4(name, file, header):
    m, _ = fitted(name)
    m.data_name = "d" if file.startswith("seed") else "cbpp"
    theirs = blocks(file)[header]
    assert_same_print(str(m.summary()), theirs)


def test_summary_html_has_the_numbers():
    m, _ = fitted("seed_m")
    html = m.summary()._repr_html_()
    assert "<table" in html and "trttreat:sexmale" in html and "4234.0" in html


# ------------------------------------------------------------------ issue 13
def _iid_data(seed: int = 1):
    """0/1 responses with no group effect: the fit is singular (SD estimated as 0)."""
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({"g": np.repeat(np.arange(30), 10), "x": rng.normal(size=300)})
    d["y"] = (rng.random(300) < 0.5).astype(int)
    d["x2"] = 2 * d["x"]
    return d


def _fit(formula, d):
    import warnings

    import glmmlite as gl
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gl.glmer(formula, data=d)


class _WithOptinfo:
    """A fit seen through a different optimizer record (lme4's optinfo)."""

    def __init__(self, m, optinfo, converged=True):
        self._m, self.optinfo, self.converged = m, optinfo, converged

    def __getattr__(self, name):
        return getattr(self._m, name)


def test_optimizer_line_names_glmmlites_optimizer():
    """Issue 13, 2: the optimizer line reads the fit's optimizer record, not 'Nelder_Mead'."""
    m = _fit("y ~ x + (1|g)", _iid_data())
    assert m.is_singular()
    lines = str(m.summary()).split("\n")
    assert lines[-2:] == ["optimizer (BFGS) convergence code: 0 (OK)",
                          "boundary (singular) fit: see help('isSingular')"]


def test_optimizer_line_shows_a_failed_convergence():
    """Issue 13, 2: code 1 and the optimizer's message when it stopped without converging."""
    from types import SimpleNamespace

    from glmmlite.summary import Summary
    m = _fit("y ~ x + (1|g)", _iid_data())
    info = SimpleNamespace(optimizer="BFGS", conv_code=1, message="Desired error not necessarily achieved")
    lines = str(Summary(_WithOptinfo(m, info, converged=False))).split("\n")
    assert "optimizer (BFGS) convergence code: 1 (Desired error not necessarily achieved)" in lines
    # a result without the record: its `converged` flag gives the code
    lines = str(Summary(_WithOptinfo(m, None, converged=False))).split("\n")
    assert any(s.startswith("optimizer (BFGS) convergence code: 1 (") for s in lines)


def test_rank_deficient_fit_prints_lme4s_fit_warnings():
    """Issue 13, 4: lme4's 'fit warnings:' block, after the correlations, before the optimizer line."""
    m = _fit("y ~ x + x2 + (1|g)", _iid_data())
    assert list(m.fixef.index) == ["(Intercept)", "x"]
    lines = str(m.summary()).split("\n")
    i = lines.index("fit warnings:")
    assert lines[i - 3] == "Correlation of Fixed Effects:" and lines[i - 1].startswith("x ")
    assert lines[i + 1] == "fixed-effect model matrix is rank deficient so dropping 1 column / coefficient"
    assert lines[i + 2].startswith("optimizer (BFGS) convergence code: 0")
    assert "fit warnings:" in m.summary()._repr_html_()
    assert "fit warnings:" not in str(_fit("y ~ x + (1|g)", _iid_data()).summary())


@pytest.mark.parametrize("name,file,header", CASES[:1] + CASES[4:5])
def test_summary_without_correlation(name, file, header):
    """summary(m, corr = FALSE): lme4's text without the correlation block (and its blank line)."""
    m, _ = fitted(name)
    m.data_name = "d" if file.startswith("seed") else "cbpp"
    full = str(m.summary()).split("\n")
    short = str(m.summary(corr=False)).split("\n")
    cut = full.index("Correlation of Fixed Effects:")
    end = cut + 1
    while end < len(full) and full[end] and not full[end].startswith(("fit warnings", "optimizer")):
        end += 1
    assert short == full[:cut - 1] + full[end:]
    theirs = blocks(file)[header].split("\n")
    k = theirs.index("Correlation of Fixed Effects:")
    assert_same_print("\n".join(short), "\n".join(theirs[:k - 1]))
    assert "Correlation of Fixed Effects" not in m.summary(corr=False)._repr_html_()
    with pytest.raises(Exception, match="corr"):
        m.summary(corr="no")

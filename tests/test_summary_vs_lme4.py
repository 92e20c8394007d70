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


def assert_same_print(ours: str, theirs: str) -> None:
    a, b = ours.split(), theirs.split()
    assert len(a) == len(b), f"different number of words:\n{ours}\n---\n{theirs}"
    for x, y in zip(a, b):
        if NUM.match(y) and NUM.match(x):
            allowed = max(tol.PRINTED_LAST_DIGITS * unit(y), tol.PRINTED_REL * abs(float(y)))
            assert abs(float(x) - float(y)) <= allowed * (1 + 1e-9), f"{x} vs lme4 {y}"
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

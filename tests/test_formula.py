"""Step 1: parsing lme4 formulas (R's terms.formula expansion, lme4's findbars)."""
from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glmmlite.errors import FormulaError, GlmmliteError
from glmmlite.formula import deparse, parse_expression, parse_formula


def fixed_labels(text: str) -> list[str]:
    return parse_formula(text).fixed.labels


def random_terms(text: str) -> list[tuple[str, str]]:
    return [(r.text, r.group_label) for r in parse_formula(text).random]


# ----------------------------------------------------------------------------- fixed part
@pytest.mark.parametrize("formula, labels, intercept", [
    ("y ~ trt * sex + (1 | id)", ["trt", "sex", "trt:sex"], True),
    ("y ~ trt + sex + (1|id)", ["trt", "sex"], True),
    ("y ~ a:b + a + (1|g)", ["a", "a:b"], True),              # sorted by degree
    ("y ~ b + a:b + (1|g)", ["b", "b:a"], True),              # variable order = appearance
    ("y ~ a*b*c + (1|g)", ["a", "b", "c", "a:b", "a:c", "b:c", "a:b:c"], True),
    ("y ~ (a + b + c)^2 + (1|g)", ["a", "b", "c", "a:b", "a:c", "b:c"], True),
    ("y ~ (a + b)**2 + (1|g)", ["a", "b", "a:b"], True),
    ("y ~ a*b - a + (1|g)", ["b", "a:b"], True),
    ("y ~ a/b + (1|g)", ["a", "a:b"], True),
    ("y ~ (a + b)/c + (1|g)", ["a", "b", "a:b:c"], True),
    ("y ~ b %in% a + (1|g)", ["b:a"], True),
    ("y ~ a + a + a:a + (1|g)", ["a"], True),
    ("y ~ -1 + x + (1|g)", ["x"], False),
    ("y ~ 0 + x + (1|g)", ["x"], False),
    ("y ~ x - 1 + (1|g)", ["x"], False),
    ("y ~ x + 0 + (1|g)", ["x"], False),
    ("y ~ 1 + (1|g)", [], True),
    ("y ~ (1|g)", [], True),
    ("y ~ (1|g) - 1", [], False),
    ("y ~ x + (1|g) + z", ["x", "z"], True),
])
def test_fixed_terms(formula, labels, intercept):
    f = parse_formula(formula)
    assert f.fixed.labels == labels
    assert f.fixed.intercept is intercept


def test_functions_and_backticks():
    f = parse_formula("y ~ log(dose) + I(x^2) + factor(period) + `my var` + (1|g)")
    assert f.fixed.labels == ["log(dose)", "I(x^2)", "factor(period)", "`my var`"]
    assert f.column_names() == ["y", "dose", "x", "period", "my var", "g"]


def test_offset_in_formula():
    f = parse_formula("y ~ x + offset(log(n)) + (1|g)")
    assert f.fixed.labels == ["x"]
    assert [deparse(o) for o in f.offsets] == ["log(n)"]
    assert "n" in f.column_names()


# ----------------------------------------------------------------------------- response
def test_response_forms():
    assert parse_formula("cbind(incidence, size - incidence) ~ period + (1 | herd)").response_label \
        == "cbind(incidence, size - incidence)"
    assert parse_formula("incidence/size ~ period + (1|herd)").response_label == "incidence/size"
    assert parse_formula("y ~ x + (1|g)").response_label == "y"


def test_cbind_needs_two_arguments():
    with pytest.raises(FormulaError, match="cbind"):
        parse_formula("cbind(a) ~ x + (1|g)")
    with pytest.raises(FormulaError, match="cbind"):
        parse_formula("cbind(a, b, c) ~ x + (1|g)")


# ----------------------------------------------------------------------------- random part
@pytest.mark.parametrize("formula, expected", [
    ("y ~ x + (1|g)", [("1 | g", "g")]),
    ("y ~ x + (x|g)", [("x | g", "g")]),
    ("y ~ x + (0 + x|g)", [("0 + x | g", "g")]),
    ("y ~ x + (1 + x|g)", [("1 + x | g", "g")]),
    # lme4's expandDoubleVerts: (x||g) = (1|g) + (0 + x|g)
    ("y ~ x + (x + z||g)", [("1 | g", "g"), ("0 + x | g", "g"), ("0 + z | g", "g")]),
    ("y ~ x + (0 + x||g)", [("0 + x | g", "g")]),
    # lme4's findbars/expandSlash: g1/g2 -> g2:g1, g1 (in this order)
    ("y ~ x + (1|g1/g2)", [("1 | g2:g1", "g2:g1"), ("1 | g1", "g1")]),
    # ... labelled as R deparses makeInteraction's calls (lme4 1.1-31's findbars: "1 | c:(b:a)")
    ("y ~ x + (1|a/b/c)", [("1 | c:(b:a)", "c:(b:a)"), ("1 | b:a", "b:a"), ("1 | a", "a")]),
    ("y ~ x + (1|a/b/c/d)", [("1 | d:(c:(b:a))", "d:(c:(b:a))"), ("1 | c:(b:a)", "c:(b:a)"),
                             ("1 | b:a", "b:a"), ("1 | a", "a")]),
    ("y ~ x + (1|g1:g2)", [("1 | g1:g2", "g1:g2")]),
    ("y ~ x + (1|a) + (1|b) + (x|c)", [("1 | a", "a"), ("1 | b", "b"), ("x | c", "c")]),
    ("y ~ (1|a) + x", [("1 | a", "a")]),
    ("y ~ x + ((1|g))", [("1 | g", "g")]),
])
def test_random_terms(formula, expected):
    assert random_terms(formula) == expected


def test_random_lhs_terms():
    r = parse_formula("y ~ 1 + (trt * x | g)").random[0]
    assert r.lhs.intercept
    assert r.lhs.labels == ["trt", "x", "trt:x"]
    assert r.group == ("g",)
    r = parse_formula("y ~ (0 + x | g)").random[0]
    assert not r.lhs.intercept and r.lhs.labels == ["x"]


def test_nested_grouping_columns():
    rs = parse_formula("y ~ (1 | herd/obs)").random
    assert [r.group for r in rs] == [("obs", "herd"), ("herd",)]


# ----------------------------------------------------------------------------- errors
def _err(formula: str) -> str:
    with pytest.raises(FormulaError) as ei:
        parse_formula(formula)
    return str(ei.value)


def test_unbalanced_open_paren_points_at_it():
    msg = _err("y ~ x + (1|g")
    assert "never closed" in msg and "character 9" in msg


def test_unbalanced_close_paren():
    msg = _err("y ~ x) + (1|g)")
    assert "')'" in msg and "character 6" in msg


def test_missing_tilde():
    assert "no '~'" in _err("y + x + (1|g)")


def test_missing_response():
    assert "no response" in _err("~ x + (1|g)")


def test_empty_right_side():
    msg = _err("y ~ ")
    assert "after '~'" in msg


def test_empty_grouping_factor():
    msg = _err("y ~ x + (1|)")
    assert "grouping factor" in msg and "character 12" in msg


def test_empty_formula():
    assert "empty" in _err("   ")


def test_no_random_effects():
    msg = _err("y ~ trt * sex")
    assert "No random effects terms specified in formula" in msg
    assert "GLM" in msg


def test_bar_outside_parentheses():
    assert "parentheses" in _err("y ~ x + 1 | g")


def test_bar_inside_interaction():
    assert "top level" in _err("y ~ x:(1|g)")


def test_bad_grouping_factor():
    assert "g + h" in _err("y ~ x + (1 | g + h)")


def test_number_as_term():
    assert "only 0 and 1" in _err("y ~ x + 2 + (1|g)")


def test_two_tildes():
    assert "more than one '~'" in _err("y ~ x ~ z + (1|g)")


def test_missing_operator():
    msg = _err("y ~ x z + (1|g)")
    assert "'z'" in msg


def test_unknown_function():
    msg = _err("y ~ x + foo(x) + (1|g)")
    assert "foo()" in msg and "not supported" in msg


def test_unexpected_character():
    msg = _err("y ~ x + $ + (1|g)")
    assert "'$'" in msg


def test_formula_not_a_string():
    with pytest.raises(FormulaError, match="string"):
        parse_formula(42)


@pytest.mark.parametrize("formula", [
    "__import__('os').system('touch {marker}') ~ x + (1|g)",
    "y ~ x + (1|g) + exec('open(\"{marker}\", \"w\")')",
    "y ~ x + eval(1) + (1|g)",
    "y ~ x + __import__(os) + (1|g)",
    "y ~ x + (1|g); import os",
    "y ~ x + [c for c in ()] + (1|g)",
    "y ~ x + {{1: 2}} + (1|g)",
])
def test_formulas_are_never_evaluated(formula, tmp_path):
    marker = tmp_path / "evaluated"
    text = formula.format(marker=marker)
    with pytest.raises(GlmmliteError):
        parse_formula(text)
    assert not marker.exists()


def test_formula_with_injection_never_runs_code(tmp_path, monkeypatch):
    """Building a model frame from an injected formula fails cleanly and runs nothing.

    (``x.__class__`` is a legal R-style name, so it is reported as an unknown column.)
    """
    import pandas as pd

    from glmmlite.modelframe import build_model_frame

    called = []
    monkeypatch.setattr(os, "system", lambda *a: called.append(a) or 0)
    df = pd.DataFrame({"y": [0, 1, 0, 1], "x": [1.0, 2, 3, 4], "g": [1, 1, 2, 2]})
    for text in ["__import__('os').system('echo hi') ~ x + (1|g)",
                 "y ~ x + (1|g) + exec('1')",
                 "y ~ x + (1|g) + x.__class__"]:
        with pytest.raises(GlmmliteError):
            build_model_frame(text, df)
    assert called == []


# ----------------------------------------------------------------------------- deparse
@pytest.mark.parametrize("text, out", [
    ("cbind(incidence,size-incidence)", "cbind(incidence, size - incidence)"),
    ("incidence / size", "incidence/size"),
    ("I(x ^ 2)", "I(x^2)"),
    ("a:b", "a:b"),
    ("a*b", "a * b"),
    ("`my var`", "`my var`"),
    ("-x", "-x"),
    ("1.50", "1.5"),
])
def test_deparse(text, out):
    assert deparse(parse_expression(text)) == out


# ----------------------------------------------------------------------------- robustness
_ALPHABET = st.sampled_from(list("yxgab01 ~+-*/:^|()(,.`'\"$%") + ["||", "cbind", "log", "I", "offset"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_ALPHABET, max_size=25).map("".join))
def test_arbitrary_text_gives_formula_error_or_a_formula(text):
    """Any text either parses or raises FormulaError; never another exception."""
    try:
        f = parse_formula(text)
    except FormulaError:
        return
    assert f.random  # a parsed formula always has a random term


_VARS = st.sampled_from(["a", "b", "c", "d"])


@st.composite
def _fixed_expr(draw, depth=0):
    if depth > 2 or draw(st.booleans()):
        return draw(_VARS)
    op = draw(st.sampled_from(["+", "*", ":", "/"]))
    return f"({draw(_fixed_expr(depth + 1))} {op} {draw(_fixed_expr(depth + 1))})"


@settings(max_examples=200, deadline=None)
@given(_fixed_expr())
def test_terms_sorted_by_degree_without_repeats(expr):
    f = parse_formula(f"y ~ {expr} + (1|g)")
    degrees = [len(t) for t in f.fixed.terms]
    assert degrees == sorted(degrees)
    assert len({frozenset(t) for t in f.fixed.terms}) == len(f.fixed.terms)
    order = {v: i for i, v in enumerate(f.fixed.variables)}
    for t in f.fixed.terms:  # variables within a term in order of appearance
        assert [order[v] for v in t] == sorted(order[v] for v in t)


# ----------------------------------------------------------------------------- unary plus (QA)
@pytest.mark.parametrize("formula, labels, terms", [
    # R 4.2.2: terms(y ~ trt + + x) has labels trt, x; lme4 fits y ~ trt + + (1|id) as y ~ trt + (1|id)
    ("y ~ trt + + (1|id)", ["trt"], [("1|id", "id")]),
    ("y ~ + trt + (1|id)", ["trt"], [("1|id", "id")]),
    ("y ~ trt + +(1|id) + + sex", ["trt", "sex"], [("1|id", "id")]),
    ("y ~ + (1|id)", [], [("1|id", "id")]),                  # lme4's findbars(y ~ + (1|id)): 1 | id
])
def test_unary_plus_is_the_identity(formula, labels, terms):
    assert fixed_labels(formula) == labels
    assert [(t.replace(" ", ""), g) for t, g in random_terms(formula)] == terms


def test_subtracted_random_term_after_plus_is_named():
    with pytest.raises(FormulaError, match="cannot be subtracted"):
        parse_formula("y ~ trt + - (1|id)")

"""Issue 6: property-based tests (hypothesis) of ``gl.glmer`` on random small data.

Properties
----------
* any generated data frame + formula either fits or raises a :class:`glmmlite.GlmmliteError`;
  the only warnings are glmmlite's own (:class:`glmmlite.GlmmliteWarning` subclasses): no
  numpy ``RuntimeWarning`` (overflow, divide by zero, invalid value), no other exception;
* fitting the same data twice gives identical numbers (in the same test, to share the fit);
* shuffling the rows changes no estimate;
* relabelling the levels of the grouping factor changes no estimate;
* a hostile formula string (``__import__``, ``exec(``, ``;``, quotes, backticks, unicode, ...)
  fits or raises FormulaError/DataError, and nothing in it is ever executed;
* issue 13: columns of any type (floats, ints, int64 ids above 2**53, uint64, booleans, labels,
  categoricals, numbers with a stray ``"."``, dates, time differences, lists, all-NaN, ...), any
  formula over them (``+ * :``, ``log() I() factor() offset()``, every random-term shape), any
  response kind, weights (arrays, Series by index, zeros, 1e-9), offsets and nAGQ, with every
  method of the fit run: only glmmlite's errors and warnings ever come out (a quarter of the
  profile's examples: each runs ~25 methods).

How many examples
-----------------
The number of examples per test comes from a hypothesis settings profile chosen by the
environment variable ``GLMMLITE_HYPOTHESIS_PROFILE``:

* ``ci`` (the default): 200 examples per test, derandomized (the same examples on every
  run, so CI does not flake); about a minute in all on two cores;
* ``thorough``: 1000 examples per test with fresh random examples on every run (several
  minutes), e.g. before a release::

      GLMMLITE_HYPOTHESIS_PROFILE=thorough python -m pytest tests/test_hypothesis.py

The profiles are applied to the tests of this file only (``@PROFILE``); the global
hypothesis settings, which other test files use, are not changed.
"""
from __future__ import annotations

import builtins
import os
import warnings
from contextlib import ExitStack
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, note, reject, settings
from hypothesis import strategies as st

import glmmlite as gl
import tolerances as tol
from glmmlite.errors import (
    ConvergenceWarning, DataError, FormulaError, GlmmliteError, GlmmliteWarning, SeparationWarning,
)
from tolerances import FIXEF_IN_SE, SD_ABS

# ----------------------------------------------------------------------------- profiles
_COMMON = dict(deadline=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.filter_too_much])
settings.register_profile("ci", max_examples=200, derandomize=True, **_COMMON)
settings.register_profile("thorough", max_examples=1000, **_COMMON)

PROFILE_NAME = os.environ.get("GLMMLITE_HYPOTHESIS_PROFILE", "ci")
if PROFILE_NAME not in ("ci", "thorough"):
    raise RuntimeError(f"GLMMLITE_HYPOTHESIS_PROFILE must be 'ci' or 'thorough', not {PROFILE_NAME!r}")
PROFILE = settings.get_profile(PROFILE_NAME)

# Re-fitting the same data in another row order or with other level labels changes only the
# order of floating-point sums, so the optimum moves by rounding noise only; it is judged
# against the optimizer's stopping rule, not against lme4's.
DEVIANCE_SAME = tol.DEVIANCE_SAME
FIXEF_SAME_IN_SE = FIXEF_IN_SE
THETA_SAME = SD_ABS


# ----------------------------------------------------------------------------- strategies
# (formula, weight): the fast path (one scalar term) most of the time
FAST_FORMULAS = [
    ("y ~ 1 + (1|g)", 8),
    ("y ~ x + (1|g)", 12),
    ("y ~ a + (1|g)", 8),
    ("y ~ x + a + (1|g)", 6),
    ("y ~ x * a + (1|g)", 4),
    ("cbind(k, n - k) ~ x + (1|g)", 4),
    ("k/n ~ a + (1|g)", 4),             # with weights = "n"
]
# the general path (finite-difference gradients): 5-20 times slower, so only now and then
# (about 6% of the examples)
SLOW_FORMULAS = [
    ("y ~ x + (x|g)", 1),               # vector term
    ("y ~ a + (1|g) + (1|h)", 1),       # crossed terms
    ("y ~ a + (1|g/h)", 1),             # nested terms
]


@st.composite
def frames(draw, hostile: bool = True):
    """A small data frame: 4-12 groups x 2-6 rows, columns y, x, a, g, h, k, n."""
    n_groups = draw(st.integers(4, 12))
    sizes = draw(st.lists(st.integers(2, 6), min_size=n_groups, max_size=n_groups))
    n = sum(sizes)
    g = np.repeat(np.arange(1, n_groups + 1), sizes)

    p = draw(st.floats(0.05, 0.95))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    sd_g = draw(st.sampled_from([0.0, 0.5, 1.5]))
    eta = np.log(p / (1 - p)) + sd_g * rng.standard_normal(n_groups)[g - 1]
    x_scale = draw(st.sampled_from([1.0, 1.0, 1.0, 100.0]))
    x = np.round(rng.standard_normal(n) * x_scale, 3)
    beta_x = draw(st.sampled_from([0.0, 1.0]))
    eta = eta + beta_x * x / x_scale
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    a = rng.choice(["lo", "mid", "hi"][: draw(st.integers(2, 3))], size=n)
    h = rng.choice(["u", "v"], size=n)
    nn = rng.integers(1, 6, size=n)
    k = rng.binomial(nn, 1 / (1 + np.exp(-eta)))
    d = pd.DataFrame({"y": y, "x": x, "a": a, "g": g, "h": h, "k": k, "n": nn})

    if hostile:
        kind = draw(st.sampled_from(["plain"] * 12 + ["bool", "strings", "one_two", "constant", "nan_x",
                                                     "nan_y", "inf_x", "one_level_a", "one_group",
                                                     "all_ones_level", "nan_g", "huge_x"]))
        note(f"hostile kind: {kind}")
        if kind == "bool":
            d["y"] = d["y"].astype(bool)
        elif kind == "strings":
            d["y"] = np.where(d["y"] == 1, "yes", "no")
        elif kind == "one_two":
            d["y"] = d["y"] + 1
        elif kind == "constant":
            d["y"] = draw(st.sampled_from([0, 1]))
        elif kind == "nan_x":
            d.loc[d.index[: draw(st.integers(1, n))], "x"] = np.nan
        elif kind == "nan_y":
            d["y"] = d["y"].astype(float)
            d.loc[d.index[draw(st.integers(0, n - 1))], "y"] = np.nan
        elif kind == "inf_x":
            d.loc[d.index[0], "x"] = np.inf
        elif kind == "one_level_a":
            d["a"] = "lo"
        elif kind == "one_group":
            d["g"] = 1
        elif kind == "all_ones_level":
            d.loc[d["a"] == "lo", "y"] = 1
        elif kind == "huge_x":          # badly scaled: slow fits, so only now and then
            d["x"] = d["x"] * 1e6 / x_scale + 1e6
        elif kind == "nan_g":
            d["g"] = d["g"].astype(float)
            d.loc[d.index[0], "g"] = np.nan
    return d


@st.composite
def models(draw, hostile: bool = True, slow: tuple[str, ...] = tuple(f for f, _ in SLOW_FORMULAS)):
    """(formula, data, keyword arguments); ``slow``: which slow formula shapes may be drawn."""
    choices = FAST_FORMULAS + [(f, w) for f, w in SLOW_FORMULAS if f in slow]
    formula = draw(st.sampled_from([f for f, w in choices for _ in range(w)]))
    d = draw(frames(hostile=hostile))
    note(f"formula: {formula}")
    note(f"data:\n{d.to_string()}")
    kw = {"weights": "n"} if formula.startswith("k/n") else {}
    return formula, d, kw


def fit_checked(formula: str, d: pd.DataFrame, **kw):
    """Fit, asserting that only glmmlite errors and warnings come out; None if it raised."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        try:
            m = gl.glmer(formula, data=d, **kw)
        except GlmmliteError as e:
            note(f"raised {type(e).__name__}: {e}")
            m = None
    bad = [w for w in rec if not issubclass(w.category, GlmmliteWarning)]
    assert not bad, "non-glmmlite warnings: " + "; ".join(
        f"{w.category.__name__} at {w.filename}:{w.lineno}: {w.message}" for w in bad)
    return m, [w.category for w in rec]


def well_defined(cats) -> bool:
    """Estimates are defined by the data only when the fit converged without separation."""
    return not any(issubclass(c, (ConvergenceWarning, SeparationWarning)) for c in cats)


def assert_same_estimates(m1, m2):
    """Same deviance, fixed effects (within a fraction of their SE) and theta."""
    assert abs(m1.deviance - m2.deviance) <= DEVIANCE_SAME
    se = np.sqrt(np.diag(m1.vcov().to_numpy()))
    se = np.where(np.isfinite(se), se, 1.0)
    np.testing.assert_array_less(np.abs(m1.beta - m2.beta), FIXEF_SAME_IN_SE * se + 1e-8)
    np.testing.assert_allclose(m1.theta, m2.theta, atol=THETA_SAME, rtol=0)
    assert list(m1.fixef.index) == list(m2.fixef.index)


# ----------------------------------------------------------------------------- (a) + (b)
@PROFILE
@given(models())
def test_fits_or_raises_glmmlite_error_and_refits_identically(model):
    """(a) only glmmlite's errors and warnings; (b) a second fit gives identical numbers."""
    formula, d, kw = model
    m, cats = fit_checked(formula, d, **kw)
    if m is None:
        return
    assert np.isfinite(m.deviance)
    assert np.all(np.isfinite(m.beta)) and np.all(np.isfinite(m.theta))
    assert m.nobs <= len(d)
    assert list(m.fixef.index) == list(m.frame.fixef_names)
    m2, cats2 = fit_checked(formula, d.copy(), **kw)
    assert cats2 == cats
    np.testing.assert_array_equal(m.beta, m2.beta)
    np.testing.assert_array_equal(m.theta, m2.theta)
    assert m.deviance == m2.deviance
    np.testing.assert_array_equal(m.vcov().to_numpy(), m2.vcov().to_numpy())


# ----------------------------------------------------------------------------- (c) row order
@PROFILE
@given(models(hostile=False, slow=()), st.randoms(use_true_random=False))
def test_shuffling_rows_changes_no_estimate(model, rnd):
    formula, d, kw = model
    m1, cats = fit_checked(formula, d, **kw)
    assume(m1 is not None and well_defined(cats))
    order = list(range(len(d)))
    rnd.shuffle(order)
    m2, cats2 = fit_checked(formula, d.iloc[order], **kw)
    assert m2 is not None
    assert_same_estimates(m1, m2)
    # the fitted values follow their rows
    np.testing.assert_allclose(m2.fitted().loc[d.index].to_numpy(), m1.fitted().to_numpy(), atol=1e-4)


# ----------------------------------------------------------------------------- (d) level labels
@PROFILE
@given(models(hostile=False, slow=()), st.randoms(use_true_random=False))
def test_relabelling_group_levels_changes_no_estimate(model, rnd):
    formula, d, kw = model
    m1, cats = fit_checked(formula, d, **kw)
    assume(m1 is not None and well_defined(cats))
    levels = sorted(d["g"].unique())
    new = [f"s{i:03d}" for i in range(len(levels))]
    rnd.shuffle(new)                     # the sort order of the new labels is another one
    d2 = d.assign(g=d["g"].map(dict(zip(levels, new))))
    m2, _ = fit_checked(formula, d2, **kw)
    assert m2 is not None
    assert_same_estimates(m1, m2)
    assert m1.ngroups == m2.ngroups


# ----------------------------------------------------------------------------- hostile formulas
TOKENS = [
    "y", "x", "a", "g", "k", "n", "~", "+", "-", "*", "/", ":", "^", "|", "||", "%in%", "(", ")",
    "1", "0", ",", ".", "(1|g)", "(x|g)", "log(", "I(", "cbind(", "offset(", "factor(", "exp(",
    "__import__", "__import__('os')", "exec(", "eval(", "compile(", "os.system('touch /tmp/pwned')",
    "open(", "lambda", "import", ";", "`", "`x`", "'", '"', "\\", "#", "$", "@", "!", "[", "]", "{",
    "}", "\n", "\t", "é", "²", "∑", "ß", "\u00a0", "\x00", "ｙ", "1e309", "-1e5", "..", "__class__",
    ".__dict__", "x$y", "%%", "%o%", "=", "==", "<-", "->", "?", "&", "&&",
]


@st.composite
def hostile_formulas(draw):
    parts = draw(st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=3)), min_size=1, max_size=12))
    sep = draw(st.sampled_from(["", " "]))
    return sep.join(parts)


class _Executed(Exception):
    pass


def _forbidden(name):
    def fn(*args, **kwargs):
        raise _Executed(f"{name} called with {args!r:.200}")
    return fn


def _open_guard(real_open):
    """``open`` for reading the kernel's files under /proc only: the fit reads /proc/loadavg
    (glmmlite.blas_threads) and threadpoolctl /proc/self/maps when a model has a dense part
    (e.g. "(1|g) + (1|g)"); anything else a formula made open is an execution."""
    def fn(file, mode="r", *args, **kwargs):
        if isinstance(file, str) and file.startswith("/proc/") and mode in ("r", "rb"):
            return real_open(file, mode, *args, **kwargs)
        raise _Executed(f"open called with {file!r:.200}, {mode!r}")
    return fn


@pytest.fixture(scope="module")
def small_frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    g = np.repeat(np.arange(1, 9), 5)
    return pd.DataFrame({"y": rng.integers(0, 2, 40), "x": rng.standard_normal(40),
                         "a": rng.choice(["p", "q"], 40), "g": g, "k": rng.integers(0, 3, 40),
                         "n": np.full(40, 3)})


@PROFILE
@given(formula=st.one_of(hostile_formulas(),
                         st.sampled_from(TOKENS).map(lambda t: f"y ~ x + (1|g) + {t}"),
                         st.sampled_from(TOKENS).map(lambda t: f"{t} ~ x + (1|g)")))
def test_hostile_formula_is_never_executed(small_frame, formula):
    note(f"formula: {formula!r}")
    with ExitStack() as stack:
        for name in ("eval", "exec", "compile", "breakpoint"):
            stack.enter_context(mock.patch.object(builtins, name, _forbidden(name)))
        stack.enter_context(mock.patch.object(builtins, "open", _open_guard(builtins.open)))
        stack.enter_context(mock.patch.object(os, "system", _forbidden("os.system")))
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            try:
                gl.glmer(formula, data=small_frame)
            except (FormulaError, DataError):
                pass
    bad = [w for w in rec if not issubclass(w.category, GlmmliteWarning)]
    assert not bad, [f"{w.category.__name__}: {w.message}" for w in bad]
    assert not os.path.exists("/tmp/pwned")


def test_profiles_registered():
    assert settings.get_profile("ci").max_examples == 200
    assert settings.get_profile("thorough").max_examples >= 1000
    assert PROFILE.max_examples >= 200 and PROFILE.deadline is None


# ----------------------------------------------------------------------------- (c) + (d), vector term
@settings(PROFILE)
@given(models(hostile=False, slow=()), st.randoms(use_true_random=False))
def test_vector_term_invariant_to_row_order_and_labels(model, rnd):
    """(c) and (d) for ``(x|g)`` (the blocked path with its analytic gradient)."""
    _, d, _ = model
    formula = "y ~ x + (x|g)"
    m1, cats = fit_checked(formula, d)
    assume(m1 is not None and well_defined(cats))
    order = list(range(len(d)))
    rnd.shuffle(order)
    levels = sorted(d["g"].unique())
    new = [f"s{i:03d}" for i in range(len(levels))]
    rnd.shuffle(new)
    d2 = d.iloc[order].assign(g=lambda f: f["g"].map(dict(zip(levels, new))))
    m2, _ = fit_checked(formula, d2)
    assert m2 is not None
    assert_same_estimates(m1, m2)


# ----------------------------------------------------------------------------- issue 13: anything at all
# Random column types, random formulas over them, weights, offsets and nAGQ; every method of
# the fit is run.  The property: nothing but glmmlite's errors (GlmmliteError) and warnings
# (GlmmliteWarning) ever comes out -- no raw pandas/numpy/LAPACK exception, no RuntimeWarning,
# no hang.  The example count is a quarter of the profile's (each example runs ~20 methods).
ANY_EXAMPLES = max(25, PROFILE.max_examples // 4)

COLUMN_KINDS = ["float", "float", "float", "int", "bigint", "bool", "labels", "labels", "categorical",
                "ordered", "stray", "numtext", "mixed", "datetime", "timedelta", "allnan", "constant",
                "nullable", "lists", "float15", "huge", "tiny", "object_float"]
GROUP_KINDS = ["int", "int", "labels", "bigint", "float15", "categorical", "bool", "nullable", "uint"]


def _column(kind: str, n: int, rng: np.random.Generator) -> pd.Series:
    if kind == "float":
        return pd.Series(np.round(rng.standard_normal(n), 3))
    if kind == "int":
        return pd.Series(rng.integers(0, 5, n))
    if kind == "bigint":
        return pd.Series((10 ** 18 + rng.integers(0, 4, n) * 7).astype(np.int64))
    if kind == "uint":
        return pd.Series(np.uint64(2 ** 63) + (rng.integers(0, 6, n) * 3).astype(np.uint64))
    if kind == "bool":
        return pd.Series(rng.random(n) < 0.5)
    if kind == "labels":
        return pd.Series(rng.choice(["lo", "mid", "Hi", "b"][: rng.integers(2, 5)], n))
    if kind == "categorical":
        return pd.Series(pd.Categorical(rng.choice(["p", "q", "r"], n), categories=["r", "q", "p", "unused"]))
    if kind == "ordered":
        return pd.Series(pd.Categorical(rng.choice(["s", "m", "l"], n), categories=["s", "m", "l"], ordered=True))
    if kind == "stray":
        s = pd.Series(np.round(rng.standard_normal(n), 2), dtype=object)
        s.iloc[rng.integers(0, n)] = rng.choice([".", "n/a", "NA ", "?"])
        return s
    if kind == "numtext":
        s = pd.Series(np.round(rng.standard_normal(n), 2).astype(str))
        s.iloc[0] = "."
        return s
    if kind == "mixed":
        return pd.Series([1, "a", 2.5, None, "b"] * (n // 5) + [1] * (n % 5), dtype=object)
    if kind == "datetime":
        return pd.Series(pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 4, n), unit="D"))
    if kind == "timedelta":
        return pd.Series(pd.to_timedelta(rng.integers(1, 9, n), unit="h"))
    if kind == "allnan":
        return pd.Series(np.full(n, np.nan))
    if kind == "constant":
        return pd.Series(np.full(n, 2.0))
    if kind == "nullable":
        s = pd.Series(rng.integers(0, 4, n), dtype="Int64")
        s.iloc[0] = pd.NA
        return s
    if kind == "lists":
        return pd.Series([[1, 2]] * n)
    if kind == "float15":
        return pd.Series(rng.choice([0.1 + 0.2, 0.3, 0.7, 1 / 3], n))
    if kind == "huge":
        return pd.Series(rng.standard_normal(n) * 1e12)
    if kind == "tiny":
        return pd.Series(rng.standard_normal(n) * 1e-12)
    if kind == "object_float":
        return pd.Series(list(np.round(rng.standard_normal(n), 2)), dtype=object)
    raise AssertionError(kind)


@st.composite
def any_models(draw):
    """(formula, data, keyword arguments) with columns of any type and any formula over them."""
    n_groups = draw(st.integers(3, 10))
    per = draw(st.integers(2, 6))
    n = n_groups * per
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    kinds = {c: draw(st.sampled_from(COLUMN_KINDS)) for c in ("u", "v", "w")}
    d = pd.DataFrame({c: _column(k, n, rng) for c, k in kinds.items()})
    gk = draw(st.sampled_from(GROUP_KINDS))
    codes = np.repeat(np.arange(n_groups), per)
    rng.shuffle(codes)
    g = _column({"int": "int", "labels": "labels"}.get(gk, gk), n, rng) if gk in ("bool",) else None
    if g is None:
        base = {"int": np.arange(1, n_groups + 1), "labels": np.array([f"id{i}" for i in range(n_groups)]),
                "bigint": 10 ** 17 + np.arange(n_groups, dtype=np.int64) * 3,
                "float15": np.array([0.1 * i + 0.2 for i in range(n_groups)]),
                "uint": np.uint64(2 ** 63) + np.arange(n_groups, dtype=np.uint64)}.get(gk)
        if gk == "categorical":
            g = pd.Series(pd.Categorical([f"c{i}" for i in codes]))
        elif gk == "nullable":
            g = pd.Series(codes, dtype="Int64")
        else:
            g = pd.Series(base[codes])
    d["g"] = g.to_numpy() if not isinstance(g.dtype, pd.CategoricalDtype) else g
    d["h"] = rng.choice(["e", "f", "k"], n)
    p = draw(st.floats(0.15, 0.85))
    d["y"] = (rng.random(n) < p).astype(int)
    d["m"] = rng.integers(0, 6, n) if draw(st.integers(0, 9)) == 0 else rng.integers(1, 6, n)
    d["s"] = rng.binomial(d["m"], p)
    ykind = draw(st.sampled_from(["y"] * 6 + ["bool", "text", "cbind", "cbind", "prop", "prop", "factor3"]))
    response = {"y": "y", "bool": "yb", "text": "yt", "cbind": "cbind(s, m - s)", "prop": "s/m",
                "factor3": "h"}[ykind]
    d["yb"] = d["y"].astype(bool)
    d["yt"] = np.where(d["y"] == 1, "yes", "no")

    def term(draw_):
        c = draw_(st.sampled_from(["u", "v", "w", "h"]))
        f = draw_(st.sampled_from(["", "", "", "log", "I", "factor", "exp", "sqrt", "offset"]))
        return c if not f else f"{f}({c})" if f != "I" else f"I({c}^2)"

    fixed = [term(draw) for _ in range(draw(st.integers(0, 3)))]
    ops = [draw(st.sampled_from([" + ", " + ", " * ", ":"])) for _ in fixed[1:]]
    rhs = fixed[0] if fixed else "1"
    for op, t in zip(ops, fixed[1:]):
        rhs += op + t
    rterm = draw(st.sampled_from(["(1|g)", "(1|g)", "(1|g)", "(u|g)", "(1|g) + (1|h)", "(1|g/h)",
                                  "(1|g:h)", "(0 + u|g)", "(u||g)", "(1|g) + (1|g)"]))
    formula = f"{response} ~ {rhs} + {rterm}"
    kw: dict = {}
    wk = draw(st.sampled_from(["none"] * 8 + ["ints", "series", "shuffled", "zeros", "column", "tiny"]))
    if ykind == "prop":
        wk = "column"
    if wk == "ints":
        kw["weights"] = rng.integers(1, 4, n).astype(float)
    elif wk == "series":
        kw["weights"] = pd.Series(rng.integers(1, 4, n), index=d.index + 100)
    elif wk == "shuffled":
        kw["weights"] = pd.Series(rng.integers(1, 4, n), index=d.index).sample(frac=1.0, random_state=1)
    elif wk == "zeros":
        kw["weights"] = np.where(np.arange(n) % 3 == 0, 0.0, 1.0)
    elif wk == "column":
        kw["weights"] = "m"
    elif wk == "tiny":
        kw["weights"] = np.full(n, 1e-9)
    ok = draw(st.sampled_from(["none", "none", "none", "small", "column", "big"]))
    if ok == "small":
        kw["offset"] = np.round(rng.standard_normal(n), 2)
    elif ok == "column":
        kw["offset"] = "u"
    elif ok == "big":
        kw["offset"] = np.full(n, 50.0)
    kw["nAGQ"] = draw(st.sampled_from([1, 1, 1, 1, 3, 7]))
    note(f"formula: {formula}; column kinds {kinds}, group {gk}, weights {wk}, offset {ok}, nAGQ {kw['nAGQ']}")
    note(f"data:\n{d.to_string()}")
    return formula, d, kw


def _run_methods(m, d):
    """Every method of a fit; each may raise only a GlmmliteError."""
    calls = [
        lambda: str(m.summary()), lambda: m.summary()._repr_html_(), lambda: repr(m), lambda: m.summary(corr=False),
        lambda: m.fixef, lambda: m.vcov(), lambda: m.vcov_rx(), lambda: m.coef_table(), lambda: m.varcorr(),
        lambda: m.ranef(), lambda: m.ranef(cond_var=True), lambda: m.fitted(),
        lambda: [m.residuals(t) for t in ("deviance", "pearson", "response", "working")],
        lambda: (m.loglik, m.aic, m.bic, m.deviance, m.df_resid, m.nobs, m.ngroups, m.is_singular()),
        lambda: m.predict(), lambda: m.predict(d, type="response"), lambda: m.predict(d.head(3), re_form="~0"),
        lambda: m.predict(d.assign(g=d["g"].iloc[::-1].to_numpy()), allow_new_levels=True),
        lambda: m.predict(d.to_dict("list")),
        lambda: m.refit(m.simulate(1, seed=1)), lambda: m.simulate(2, seed=2, use_u=True),
        lambda: m.confint(method="Wald"), lambda: gl.anova(m, m),
        lambda: setattr(m, "hessian_method", "exact") or m.vcov(),
    ]
    for call in calls:
        try:
            call()
        except GlmmliteError as e:
            note(f"method raised {type(e).__name__}: {e}")


@settings(PROFILE, max_examples=ANY_EXAMPLES)
@given(any_models())
def test_any_columns_formulas_weights_offsets_and_methods(model):
    formula, d, kw = model
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        try:
            m = gl.glmer(formula, data=d, **kw)
        except GlmmliteError as e:
            note(f"raised {type(e).__name__}: {e}")
            m = None
        if m is not None:
            assert np.isfinite(m.deviance)
            _run_methods(m, d)
    bad = [w for w in rec if not issubclass(w.category, GlmmliteWarning)]
    assert not bad, "non-glmmlite warnings: " + "; ".join(
        f"{w.category.__name__} at {w.filename}:{w.lineno}: {w.message}" for w in bad)

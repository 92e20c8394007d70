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
  fits or raises FormulaError/DataError, and nothing in it is ever executed.

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
        for name in ("eval", "exec", "compile", "open", "breakpoint"):
            stack.enter_context(mock.patch.object(builtins, name, _forbidden(name)))
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

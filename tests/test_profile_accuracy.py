"""Profile-interval ends against brute-force roots of the profiled deviance.

Each end of ``confint(m, method="profile")`` must be a root of zeta(x) = qnorm((1 -/+ level) / 2),
where zeta is computed here independently of glmmlite's profile: the deviance function with the
parameter fixed, minimized over all the others by scipy's L-BFGS-B to tight tolerances.  The
check brackets the root: zeta at ``end - d`` and ``end + d`` (d = PROFILE_END_IN_WIDTH times the
interval's width) must lie on either side of the target.  Before the ends were polished by
re-optimization the spline's values missed the root by up to 1.9e-3 of the width (article data
``y ~ trt + sex + (1|id)``, the SD's lower 95% end: 0.122500 against 0.123067).
"""
from __future__ import annotations

import math
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from conftest import load_csv, load_json
from tolerances import CI_IN_WIDTH, PROFILE_END_IN_WIDTH, PROFILE_POLISH_REFITS

import glmmlite as gl
from glmmlite.inference.profile import profile

MODELS = {
    # (data, formula); the first two have an SD near 0 whose lower end is 0
    "seed_m": ("seed_data.csv", "y ~ trt * sex + (1|id)"),
    "seed_m2": ("seed_data.csv", "y ~ trt + sex + (1|id)"),
    "article_m2": ("article_data.csv", "y ~ trt + sex + (1|id)"),
    "cbpp": ("cbpp.csv", "cbind(incidence, size - incidence) ~ period + (1|herd)"),
}


def _fit(key: str):
    data, formula = MODELS[key]
    d = load_csv(data)
    if key == "cbpp":
        d["period"] = d["period"].astype(str)
        d["herd"] = d["herd"].astype(str)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gl.glmer(formula, data=d, family="binomial")


@pytest.fixture(scope="module", params=list(MODELS))
def fitted(request):
    return request.param, _fit(request.param)


class BruteProfile:
    """zeta(x) of one scalar-term model, by tight L-BFGS-B over the other parameters."""

    def __init__(self, m):
        self.m = m
        self.dev = m._devfun                       # deviance of (theta, beta); one scalar term
        assert m.ntheta == 1 and self.dev.has_gradient
        self.x_hat = np.concatenate([m.theta, m.beta])
        self.base = self.profiled(None, None)

    def profiled(self, w, value):
        x0 = self.x_hat.copy()
        if w is not None:
            x0[w] = value
        free = np.array([i for i in range(x0.size) if i != w])
        bounds = [(0.0, None) if i == 0 else (None, None) for i in free]

        def fg(u):
            x = x0.copy()
            x[free] = u
            f, g = self.dev.value_and_grad(x)
            return f, np.asarray(g, float)[free]

        best = math.inf
        u = x0[free]
        for _ in range(2):                         # restart from the first run's end
            r = optimize.minimize(fg, u, jac=True, method="L-BFGS-B", bounds=bounds,
                                  options=dict(ftol=1e-15, gtol=1e-9, maxiter=5000, maxcor=20))
            if r.fun < best:
                best, u = float(r.fun), r.x
        return best

    def zeta(self, w, value):
        diff = max(self.profiled(w, value) - self.base, 0.0)
        return math.copysign(math.sqrt(diff), value - self.x_hat[w])


@pytest.mark.parametrize("level", [0.95, 0.90])
def test_profile_ends_are_roots_of_the_profiled_deviance(fitted, level):
    key, m = fitted
    bf = BruteProfile(m)
    ci = gl.confint(m, level=level, progress=False)
    zq = stats.norm.ppf((1 + level) / 2)
    names = m.param_names_sdcor()
    bad = []
    for name in ci.index:
        w = names.index(name)
        lo, hi = ci.loc[name]
        d = PROFILE_END_IN_WIDTH * (hi - lo)
        for end, target in ((lo, -zq), (hi, zq)):
            if w == 0 and end == 0.0:              # an SD whose profile does not reach the target
                if not bf.zeta(w, 0.0) > -zq:
                    bad.append((name, end, "zeta(0) reaches the target"))
                continue
            z_below, z_above = bf.zeta(w, end - d), bf.zeta(w, end + d)
            if not z_below < target < z_above:
                bad.append((name, end, z_below, target, z_above))
    assert not bad, (key, level, bad)


def test_polish_costs_few_refits_and_spline_ends_stay_available():
    m = _fit("seed_m2")
    zq = stats.norm.ppf(0.975)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pr = profile(m, cutoff=zq, delta=zq / 4, progress=False)   # what confint(m) computes
    n0 = pr.n_refits
    spline = pr.confint(polish=False)
    assert pr.n_refits == n0
    polished = pr.confint()
    n_ends = 2 * len(polished)
    assert pr.n_refits - n0 <= PROFILE_POLISH_REFITS * n_ends
    pd.testing.assert_frame_equal(pr.confint(), polished)          # cached: no more refits
    assert pr.n_refits - n0 <= PROFILE_POLISH_REFITS * n_ends
    # the SD's lower end is where the spline was off (1.08e-3 of the width): now it moves
    width = polished.iloc[0, 1] - polished.iloc[0, 0]
    assert abs(spline.iloc[0, 0] - polished.iloc[0, 0]) > 5e-4 * width
    # a pickled profile keeps its polished ends (the re-optimizer, a closure, is dropped)
    back = pickle.loads(pickle.dumps(pr))
    pd.testing.assert_frame_equal(back.confint(), polished)
    pd.testing.assert_frame_equal(back.confint(polish=False), spline)


def _frame(block: dict) -> pd.DataFrame:
    return pd.DataFrame(block["values"], index=block["rownames"], columns=block["colnames"], dtype=float)


@pytest.mark.parametrize("key", ["seed_m2", "article_m2"])
@pytest.mark.parametrize("level", [0.95, 0.90])
def test_polished_ends_match_lme4(key, level):
    ref = load_json("profile_accuracy.json")[key]
    R = _frame(ref["confint_95" if level == 0.95 else "confint_90"])
    ours = gl.confint(_fit(key), level=level, progress=False)
    assert list(ours.index) == list(R.index)
    width = (R.iloc[:, 1] - R.iloc[:, 0]).to_numpy()
    err = np.abs(ours.to_numpy() - R.to_numpy()) / width[:, None]
    assert np.all(err < CI_IN_WIDTH), pd.DataFrame(err, index=R.index, columns=R.columns)


def test_a_lower_deviance_found_while_polishing_is_reported():
    """A refit of the polishing step that beats the fit's deviance sets better_fit and warns,
    as one found while profiling does."""
    from glmmlite.inference.profile import _watched
    m = _fit("seed_m2")
    zq = stats.norm.ppf(0.975)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pr = profile(m, cutoff=zq, delta=zq / 4, progress=False)
    assert pr.better_fit is None
    name = pr.estimates.index[1]
    lower = {"deviance": pr.deviance - 0.01, "params": pr.estimates, "parameter": name}
    state = {"best": None}

    def refit(value, start):            # a re-optimization that lands below the fit's deviance
        state["best"] = lower
        return 0.0, start

    f = _watched(pr, state, pr.deviance, refit)
    with pytest.warns(gl.ConvergenceWarning, match="refining an interval end found a deviance"):
        f(0.0, pr.estimates.to_numpy())
    assert pr.better_fit is lower
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f(0.0, pr.estimates.to_numpy())     # the same point again: no second warning

"""Profiles and confidence intervals (issue 3): against lme4's references and an exact toy."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special, stats

from conftest import load_csv, load_json
from tolerances import CI_IN_WIDTH, DEVIANCE_ABOVE_LME4

import glmmlite as gl
import tolerances as tol
from glmmlite.errors import ArgumentError, ConvergenceWarning
from glmmlite.inference.bootstrap import BootResult, bootstrap, norm_inter
from glmmlite.inference.confint import confint
from glmmlite.inference.levels import level_colnames
from glmmlite.inference.parm import resolve_parm
from glmmlite.inference.profile import Profile, ProfileWarning, profile
from glmmlite.inference.splines import BackSpline

# zeta curves: ours read off our spline at lme4's focal values.  A CI end moves by
# (width / (2 * 1.96)) * dzeta, so CI_IN_WIDTH (1% of the width) allows dzeta up to
# 0.01 * 2 * 1.96 = 0.039; we ask for half of that.  Deviance differences of
# DEVIANCE_ABOVE_LME4 (1e-3) change zeta by 1e-3 / (2 |zeta|): < 0.002 beyond |zeta| = 0.25,
# so near the estimate we compare zeta^2 (= the deviance difference) instead.
ZETA_ABS = tol.ZETA_ABS
ZETA2_ABS = tol.ZETA2_ABS


def _frame(block: dict) -> pd.DataFrame:
    return pd.DataFrame(block["values"], index=block["rownames"], columns=block["colnames"], dtype=float)


# ----------------------------------------------------------------- toy model
class ToyLogistic:
    """Plain logistic regression with the duck-typed interface profile() needs (no variance
    parameters): its profile can be computed exactly by root finding."""

    def __init__(self, X: np.ndarray, y: np.ndarray, names: list[str]):
        self.X, self.y, self.names = X, y, names
        r = optimize.minimize(self._dev, np.zeros(X.shape[1]), jac=self._grad, method="BFGS",
                              options={"gtol": 1e-10})
        self.x = r.x
        self.deviance = self._dev(r.x)
        self.fixef = pd.Series(r.x, index=names)
        self.n_refits = 0

    def _dev(self, b):
        eta = self.X @ b
        return 2 * np.sum(np.logaddexp(0, eta) - self.y * eta)

    def _grad(self, b):
        return 2 * self.X.T @ (special.expit(self.X @ b) - self.y)

    def param_names_sdcor(self):
        return list(self.names)

    def params_sdcor(self):
        return self.x.copy()

    def param_lower_sdcor(self):
        return np.full(len(self.names), -np.inf)

    def devfun_sdcor(self, x):
        return self._dev(np.asarray(x, float))

    def vcov(self):
        mu = special.expit(self.X @ self.x)
        V = np.linalg.inv(self.X.T @ (self.X * (mu * (1 - mu))[:, None]))
        return pd.DataFrame(V, index=self.names, columns=self.names)

    def refit_fixed(self, index, value, start=None):
        self.n_refits += 1
        free = [i for i in range(len(self.x)) if i != index]
        s = (self.x if start is None else np.asarray(start, float)).copy()
        s[index] = value

        def f(z):
            b = s.copy()
            b[free] = z
            return self._dev(b), self._grad(b)[free]

        r = optimize.minimize(f, s[free], jac=True, method="BFGS", options={"gtol": 1e-9})
        b = s.copy()
        b[free] = r.x
        return float(r.fun), b

    def exact_ci(self, index: int, level: float) -> tuple[float, float]:
        zq = stats.norm.ppf((1 + level) / 2)
        se = np.sqrt(self.vcov().to_numpy()[index, index])
        est = self.x[index]

        def g(v):
            return np.sqrt(max(self.refit_fixed(index, v)[0] - self.deviance, 0)) - zq

        lo = optimize.brentq(g, est - 6 * se, est - 1e-6, xtol=1e-12)
        hi = optimize.brentq(g, est + 1e-6, est + 6 * se, xtol=1e-12)
        return lo, hi


@pytest.fixture(scope="module")
def toy() -> ToyLogistic:
    rng = np.random.default_rng(3)
    n = 300
    x1 = rng.normal(size=n)
    g = rng.integers(0, 2, n)
    X = np.column_stack([np.ones(n), x1, g])
    y = rng.binomial(1, special.expit(-0.3 + 0.8 * x1 - 0.6 * g)).astype(float)
    return ToyLogistic(X, y, ["(Intercept)", "x1", "g"])


# ------------------------------------------------------------ real fits
@pytest.fixture(scope="module")
def seed_m(seed_data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gl.glmer("y ~ trt * sex + (1|id)", data=seed_data, family="binomial", data_name="d")


@pytest.fixture(scope="module")
def cbpp_m(cbpp_data):
    d = cbpp_data.copy()
    d["period"] = d["period"].astype(str)
    return gl.glmer("cbind(incidence, size - incidence) ~ period + (1 | herd)", data=d, family="binomial")


@pytest.fixture(scope="module")
def seed_profile(seed_m) -> Profile:
    return profile(seed_m, progress=False)


@pytest.fixture(scope="module")
def cbpp_profile(cbpp_m) -> Profile:
    return profile(cbpp_m, progress=False)


# ------------------------------------------------------------ unit pieces
def test_level_colnames_like_r():
    assert level_colnames(0.95) == ["2.5 %", "97.5 %"]
    assert level_colnames(0.90) == ["5 %", "95 %"]
    assert level_colnames(0.99) == ["0.5 %", "99.5 %"]
    assert level_colnames(0.80) == ["10 %", "90 %"]
    assert level_colnames(0.975) == ["1.25 %", "98.75 %"]


def test_resolve_parm():
    names = ["sd_(Intercept)|id", "(Intercept)", "trttreat", "sexmale"]
    assert resolve_parm(None, names, 1) == [0, 1, 2, 3]
    assert resolve_parm("theta_", names, 1) == [0]
    assert resolve_parm("beta_", names, 1) == [1, 2, 3]
    assert resolve_parm(["sexmale", 0], names, 1) == [0, 3]
    assert resolve_parm(-1, names, 1) == [3]
    with pytest.raises(ArgumentError, match=r"'trtreat'.*valid names are .*'trttreat'"):
        resolve_parm("trtreat", names, 1)
    with pytest.raises(ArgumentError, match="out of range"):
        resolve_parm(7, names, 1)
    with pytest.raises(ArgumentError):
        resolve_parm([], names, 1)


def test_backspline_inverts_a_known_function():
    x = np.linspace(-2, 3, 15)
    z = np.sinh(x / 2) * 2          # monotone, curved
    from scipy.interpolate import CubicSpline

    cs = CubicSpline(x, z, bc_type="natural")
    bs = BackSpline(x, z, cs(x, 1))
    zq = np.linspace(z[0], z[-1], 50)
    np.testing.assert_allclose(bs(zq), 2 * np.arcsinh(zq / 2), atol=1e-2)  # quadratic end pieces (as R)
    np.testing.assert_allclose(bs(z), x, atol=1e-12)       # interpolates the knots
    assert np.isnan(bs(z[0] - 0.1)) and np.isnan(bs(z[-1] + 0.1))
    with pytest.raises(ValueError):
        BackSpline(x, -z, -cs(x, 1))


def test_norm_inter_like_boot():
    t = np.arange(1.0, 100.0)            # R = 99 replicates
    a = np.array([0.025, 0.975, 0.5])
    q = norm_inter(t, a)
    tk, tk1 = stats.norm.ppf(2 / 100), stats.norm.ppf(3 / 100)
    assert q[0] == pytest.approx(2 + (stats.norm.ppf(0.025) - tk) / (tk1 - tk))
    assert q[2] == 50.0                  # (R+1) * 0.5 = 50 exactly: the 50th order statistic
    assert norm_inter(np.arange(1.0, 10.0), np.array([0.01]))[0] == 1.0   # beyond the extremes


# ------------------------------------------------------------ exact toy
@pytest.mark.parametrize("level", [0.95, 0.90, 0.99])
def test_profile_ci_matches_exact_profile_on_toy(toy, level):
    ci = confint(toy, level=level, progress=False)
    for i, name in enumerate(toy.names):
        lo, hi = toy.exact_ci(i, level)
        width = hi - lo
        assert abs(ci.loc[name].iloc[0] - lo) < 1e-3 * width, name
        assert abs(ci.loc[name].iloc[1] - hi) < 1e-3 * width, name


@pytest.mark.filterwarnings("ignore::glmmlite.ProfileWarning")  # zeta clipped at 0: flat stretch
def test_profile_detects_lower_deviance(toy):
    class NotAtOptimum(ToyLogistic):
        def __init__(self, base):
            self.__dict__.update(base.__dict__)
            self.x = base.x + np.array([0.4, 0.0, 0.0])   # pretend the fit stopped early
            self.deviance = self._dev(self.x)

    bad = NotAtOptimum(toy)
    with pytest.warns(ConvergenceWarning, match="lower than the fit"):
        pr = profile(bad, "x1", progress=False)
    assert pr.better_fit is not None
    assert pr.better_fit["deviance"] < bad.deviance - 1e-3
    assert list(pr.better_fit["params"].index) == toy.names


def test_profile_frame_layout(seed_profile, seed_m):
    d = seed_profile.data
    names = seed_m.param_names_sdcor()
    assert list(d.columns) == [".zeta", *names, ".par", ".focal"]
    assert list(d[".par"].cat.categories) == names
    for name in names:
        sub = d[d[".par"] == name]
        np.testing.assert_array_equal(sub[".focal"].to_numpy(), sub[name].to_numpy())
        assert np.all(np.diff(sub[".focal"].to_numpy()) > 0)          # sorted, unique
        assert np.all(np.diff(sub[".zeta"].to_numpy()) > -1e-8)       # monotone
        at_est = sub[np.isclose(sub[".focal"], seed_profile.estimates[name], rtol=0, atol=1e-12)]
        assert len(at_est) == 1 and at_est[".zeta"].iloc[0] == 0.0
        # lme4 stops beyond sqrt(qchisq(0.99, 5)) = 3.88 on both sides (or at SD = 0)
        assert sub[".zeta"].max() > seed_profile.cutoff
    sd = d[d[".par"] == names[0]]
    assert sd[names[0]].min() == 0.0                                  # walked to the bound


# ------------------------------------------------------------ lme4 references
@pytest.mark.parametrize("model,ref", [("seed_m", "seed_m.json"), ("cbpp_m", "cbpp_cbind.json")])
@pytest.mark.parametrize("key,level", [("confint_profile_95", 0.95), ("confint_profile_90", 0.90)])
def test_profile_confint_matches_lme4(request, model, ref, key, level):
    m = request.getfixturevalue(model)
    R = _frame(load_json(ref)[key])
    ours = confint(m, level=level, progress=False)
    assert list(ours.index) == list(R.index)
    assert list(ours.columns) == list(R.columns)
    width = (R.iloc[:, 1] - R.iloc[:, 0]).to_numpy()
    err = np.abs(ours.to_numpy() - R.to_numpy()) / width[:, None]
    assert np.all(err < CI_IN_WIDTH), pd.DataFrame(err, index=R.index, columns=R.columns)
    for name in R.index:
        if R.loc[name].iloc[0] == 0.0:           # an SD whose profile reached 0: exactly 0
            assert ours.loc[name].iloc[0] == 0.0


def test_full_profile_confint_matches_lme4(seed_profile, cbpp_profile):
    for prof, ref in [(seed_profile, "seed_m.json"), (cbpp_profile, "cbpp_cbind.json")]:
        for key, level in [("confint_profile_95", 0.95), ("confint_profile_90", 0.90)]:
            R = _frame(load_json(ref)[key])
            ours = prof.confint(level=level)
            width = (R.iloc[:, 1] - R.iloc[:, 0]).to_numpy()
            assert np.all(np.abs(ours.to_numpy() - R.to_numpy()) < CI_IN_WIDTH * width[:, None])


def test_seed_sd_lower_end_is_exactly_zero(seed_m):
    ci = confint(seed_m, parm="theta_", progress=False)
    assert ci.iloc[0, 0] == 0.0
    assert ci.index.tolist() == ["sd_(Intercept)|id"]


def test_exp_profile_confint_fixef(seed_m):
    R = _frame(load_json("seed_m.json")["exp_confint_profile_95_fixef"])
    ours = np.exp(confint(seed_m, parm="beta_", progress=False))
    assert list(ours.index) == list(R.index)
    width = (R.iloc[:, 1] - R.iloc[:, 0]).to_numpy()
    assert np.all(np.abs(ours.to_numpy() - R.to_numpy()) < CI_IN_WIDTH * width[:, None])


@pytest.mark.parametrize("model,ref", [("seed_m", "seed_m.json"), ("cbpp_m", "cbpp_cbind.json")])
def test_wald_confint_matches_lme4(request, model, ref):
    m = request.getfixturevalue(model)
    R = _frame(load_json(ref)["confint_wald_95"])
    ours = confint(m, method="Wald")
    assert list(ours.index) == list(R.index) and list(ours.columns) == list(R.columns)
    assert ours.iloc[0].isna().all() and R.iloc[0].isna().all()       # no Wald interval for the SD
    width = (R.iloc[1:, 1] - R.iloc[1:, 0]).to_numpy()
    assert np.all(np.abs(ours.iloc[1:].to_numpy() - R.iloc[1:].to_numpy()) < CI_IN_WIDTH * width[:, None])


@pytest.mark.parametrize("prof_fixture,csv", [("seed_profile", "seed_m_profile.csv"),
                                              ("cbpp_profile", "cbpp_cbind_profile.csv")])
def test_zeta_curves_match_lme4(request, prof_fixture, csv):
    prof = request.getfixturevalue(prof_fixture)
    ref = load_csv(csv)
    ref_names = [c for c in ref.columns if c not in (".zeta", ".par", ".focal")]
    assert list(prof.estimates.index) == ref_names
    for name in ref_names:
        sub = ref[ref[".par"] == name]
        z_ref = sub[".zeta"].to_numpy()
        z = prof.zeta(name, sub[".focal"].to_numpy())
        inside = np.isfinite(z)
        assert inside.sum() >= len(sub) - 2, name        # we cover lme4's range but for its last step
        near = inside & (np.abs(z_ref) < 0.25)
        far = inside & ~near
        assert np.all(np.abs(z[far] - z_ref[far]) < ZETA_ABS), (name, np.abs(z[far] - z_ref[far]).max())
        assert np.all(np.abs(z[near] ** 2 - z_ref[near] ** 2) < ZETA2_ABS), name


def test_confint_parm_forms(seed_m):
    full = confint(seed_m, method="Wald")
    assert confint(seed_m, parm="trttreat", method="Wald").index.tolist() == ["trttreat"]
    assert confint(seed_m, parm=[2, "sexmale"], method="Wald").index.tolist() == ["trttreat", "sexmale"]
    pd.testing.assert_frame_equal(confint(seed_m, parm="beta_", method="Wald"), full.iloc[1:])
    with pytest.raises(ArgumentError, match=r"'trtreat'.*'trttreat'"):
        confint(seed_m, parm="trtreat")
    for bad in (0, 1, 1.5, -0.2, "high", None, float("nan")):
        with pytest.raises(ArgumentError, match="level"):
            confint(seed_m, level=bad, method="Wald")
    with pytest.raises(ArgumentError, match="method"):
        confint(seed_m, method="bootstrapped")
    assert list(confint(seed_m, method="wald", level=0.9).columns) == ["5 %", "95 %"]


def test_profile_reuse_and_subset(seed_m, seed_profile):
    ci = confint(seed_m, parm="beta_", profile=seed_profile)
    assert ci.index.tolist() == seed_m.param_names_sdcor()[1:]
    pr = profile(seed_m, "trttreat", progress=False)
    assert pr.parameters == ["trttreat"]
    with pytest.raises(ArgumentError, match="not profiled"):
        pr.confint("sexmale")


def test_unreached_fixed_effect_end_is_nan_with_warning(toy):
    pr = profile(toy, "x1", cutoff=1.0, delta=0.4, progress=False)  # stops far before 1.96
    with pytest.warns(ProfileWarning, match="did not reach"):
        ci = pr.confint(level=0.95)
    assert ci.isna().all(axis=None)


# (the speed of confint(m) is the benchmark's confint_seed case: benchmarks/fit.py)


# ------------------------------------------------------------ bootstrap
def test_bootstrap_confint_cbpp(cbpp_m):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = bootstrap(cbpp_m, nsim=25, seed=1, progress=False)
    assert isinstance(b, BootResult)
    assert b.t.shape == (25, 5) and list(b.t.columns) == cbpp_m.param_names_sdcor()
    assert b.n_failed == 0
    ci = b.confint(level=0.9)
    assert list(ci.columns) == ["5 %", "95 %"]
    assert np.all(ci.iloc[:, 0] <= ci.iloc[:, 1])
    est = pd.Series(cbpp_m.params_sdcor(), index=cbpp_m.param_names_sdcor())
    assert np.all((ci.iloc[1:, 0] < est.iloc[1:]) & (est.iloc[1:] < ci.iloc[1:, 1]))
    # reproducible
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b2 = bootstrap(cbpp_m, nsim=25, seed=1, progress=False)
    pd.testing.assert_frame_equal(b.t, b2.t)


def test_bootstrap_counts_failures_and_singular_fits(cbpp_m):
    class Flaky:
        """Delegates to the real model; every third refit fails, the others are 'singular'."""

        def __init__(self, m):
            self.m, self.k = m, 0

        def __getattr__(self, name):
            return getattr(self.m, name)

        def refit(self, y):
            self.k += 1
            if self.k % 3 == 0:
                raise RuntimeError("PIRLS diverged")
            fit = self.m.refit(y)
            fit.is_singular = lambda tol=1e-4: True
            return fit

    with pytest.warns(ConvergenceWarning, match="3 failed"):
        b = bootstrap(Flaky(cbpp_m), nsim=9, seed=2, progress=False)
    assert b.n_failed == 3 and b.n_singular == 6
    assert b.t.isna().all(axis=1).sum() == 3
    assert "PIRLS diverged" in b.errors[0]
    assert np.isfinite(b.confint().to_numpy()).all()


def test_confint_boot_method(cbpp_m):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ci = confint(cbpp_m, parm="beta_", method="boot", nsim=20, seed=5, progress=False)
    assert ci.index.tolist() == cbpp_m.param_names_sdcor()[1:]
    assert list(ci.columns) == ["2.5 %", "97.5 %"]


# ------------------------------------------------------------ progress
def test_progress_iter_and_bar(capsys):
    from glmmlite.progress import ProgressBar, progress_iter

    assert list(progress_iter(range(4), enabled=False)) == [0, 1, 2, 3]
    assert list(progress_iter(iter(range(3)), desc="x", enabled=True)) == [0, 1, 2]
    assert list(progress_iter(range(3), enabled=None)) == [0, 1, 2]     # auto: silent when quick
    assert "x" in capsys.readouterr().err
    with ProgressBar(total=2, enabled=False) as bar:
        bar.update()
        bar.set_postfix_str("a")
    with ProgressBar(total=2, desc="y", enabled=True) as bar:
        bar.update(2)


# ------------------------------------------------------------ issue 13
def test_profile_warnings_point_at_the_callers_line(toy):
    """Issue 13, 6: a ProfileWarning names the user's file and line, not glmmlite/confint.py."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        confint(toy, parm="x1", cutoff=1.0, delta=0.4, progress=False)   # stops before 1.96: NaN ends
    mine = [w for w in caught if issubclass(w.category, ProfileWarning)]
    assert mine, [str(w.message) for w in caught]
    for w in mine:
        assert w.filename == __file__, (w.filename, str(w.message))


def test_profile_warning_from_inside_the_walk_points_at_the_caller(toy):
    class Failing(ToyLogistic):
        def refit_fixed(self, index, value, start=None):
            if value > self.x[index] + 0.2:
                raise RuntimeError("no convergence")
            return super().refit_fixed(index, value, start)

    bad = Failing(toy.X, toy.y, toy.names)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        profile(bad, "x1", progress=False)
    nas = [w for w in caught if "NAs detected" in str(w.message)]
    assert nas and all(w.filename == __file__ for w in nas)


@pytest.mark.parametrize("method, kwargs, bad", [
    ("Wald", {"maxpts": 5}, "maxpts"),
    ("Wald", {"nsims": 5}, "nsims"),
    ("boot", {"fun": len}, "fun"),
    ("boot", {"maxpts": 5}, "maxpts"),
    ("profile", {"maxpt": 5}, "maxpt"),
])
def test_confint_rejects_keywords_it_would_ignore(seed_m, method, kwargs, bad):
    """Issue 13, 9: no silently ignored keyword arguments (a typo gets an error naming it)."""
    with pytest.raises(ArgumentError, match=repr(bad)):
        confint(seed_m, method=method, nsim=2, progress=False, **kwargs)


def test_confint_func_only_for_the_bootstrap(seed_m):
    with pytest.raises(ArgumentError, match="func"):
        confint(seed_m, method="Wald", func=lambda f: f.fixef)


@pytest.mark.parametrize("spelling", ["func", "FUN"])
def test_confint_boot_uses_the_given_statistic(cbpp_m, spelling):
    """Issue 13, 9: confint(method="boot", FUN=f) (R's spelling) or func=f bootstraps f, not the default."""
    def odds(fit):
        return np.exp(fit.fixef.iloc[1:])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ci = confint(cbpp_m, method="boot", nsim=12, seed=3, progress=False, **{spelling: odds})
        b = bootstrap(cbpp_m, func=odds, nsim=12, seed=3, progress=False, warn=False)
    assert ci.index.tolist() == ["period2", "period3", "period4"]
    assert np.all(ci.to_numpy() > 0)                      # odds ratios, not log-odds
    np.testing.assert_allclose(ci.to_numpy(), b.confint().to_numpy())


def test_bootmer_accepts_r_fun(cbpp_m):
    def stat(fit):
        return fit.fixef.iloc[:1]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = gl.bootMer(cbpp_m, FUN=stat, nsim=3, seed=1, progress=False, warn=False)
    assert list(b.t.columns) == ["(Intercept)"]
    with pytest.raises(ArgumentError, match="not both"):
        gl.bootMer(cbpp_m, stat, FUN=stat, nsim=3)


# ----------------------------------------------------------------------------- QA, session 6
def test_sdcor_order_is_lme4s_for_a_correlated_term():
    """lme4's confint / profile rows for (1 + x + z | g): the lower triangle by columns, SDs on
    the diagonal (sd_1, cor_21, cor_31, sd_2, cor_32, sd_3), as R prints them; the values keep
    their names and theta -> sd/cor -> theta is the identity."""
    from glmmlite.remat import ThetaLayout, sdcor_bounds, sdcor_names, sdcor_to_theta, theta_to_sdcor
    rng = np.random.default_rng(6)
    d = pd.DataFrame({"g": np.repeat(np.arange(40), 10), "x": rng.normal(size=400), "z": rng.normal(size=400)})
    d["y"] = rng.binomial(1, 0.5, 400)
    fr = gl.build_model_frame("y ~ x + (1 + x + z | g)", d)
    names = sdcor_names(fr.random)
    assert names == ["sd_(Intercept)|g", "cor_x.(Intercept)|g", "cor_z.(Intercept)|g",
                     "sd_x|g", "cor_z.x|g", "sd_z|g"]
    layout = ThetaLayout.from_terms(fr.random)
    T = np.array([[1.0, 0, 0], [0.5, 2.0, 0], [-0.3, 0.4, 0.7]])
    theta = np.array([T[r, c] for c in range(3) for r in range(c, 3)])
    z = theta_to_sdcor(theta, layout)
    S = T @ T.T
    sd = np.sqrt(np.diag(S))
    assert z[0] == pytest.approx(sd[0]) and z[3] == pytest.approx(sd[1]) and z[5] == pytest.approx(sd[2])
    assert z[1] == pytest.approx(S[1, 0] / (sd[1] * sd[0])) and z[4] == pytest.approx(S[2, 1] / (sd[2] * sd[1]))
    np.testing.assert_allclose(sdcor_to_theta(z, layout), theta, rtol=1e-12)
    lo, hi = sdcor_bounds(layout)
    assert list(lo) == [0, -1, -1, 0, -1, 0] and list(hi[[1, 2, 4]]) == [1, 1, 1]

"""Model features without an lme4 reference file, checked against brute force written here.

* probit and cloglog links: the Laplace deviance at the estimates equals a dense Laplace
  computation, the estimates are a minimum of it; with nAGQ = 25 the deviance equals the
  exact marginal likelihood integrated per group by scipy.integrate.quad (0/1 data).
* vector and multiple random-effect terms -- (1 + x | g), (x || g), (0 + x | g),
  (1 | g1/g2), (1 | g1:g2), (1 | a) + (1 | b): names and shapes, the deviance at the
  optimum against a dense Laplace deviance (Z and Lambda built densely from the raw data,
  PIRLS to convergence, log-determinant), a zero gradient, conditional modes and
  conditional variances against the dense computation, and recovery of the truth on a
  larger simulated sample.

The dense code uses nothing from glmmlite: its own Z (from the raw columns), its own
Lambda(theta) (lme4's layout: per term, the lower triangle of T column by column), its own
links and scipy's binomial log-pmf.  Only the order of the terms is taken from lme4's rule
(decreasing number of levels), and that order is itself asserted through ``theta_names``.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, linalg, special, stats

import glmmlite as gl

import tolerances as tol  # noqa: E402

DEV_ABS = tol.DEV_ABS
AGQ_REL = tol.AGQ_REL
GRAD_ABS = tol.GRAD_ABS
DENSE_RTOL = tol.DENSE_RTOL
DENSE_ATOL = tol.DENSE_ATOL


# ------------------------------------------------------------------ independent brute force
def _links():
    return {
        "logit": (special.expit, lambda e: special.expit(e) * (1 - special.expit(e))),
        "probit": (stats.norm.cdf, stats.norm.pdf),
        "cloglog": (lambda e: -np.expm1(-np.exp(e)), lambda e: np.exp(e - np.exp(e))),
    }


LINKS = _links()


class Dense:
    """Dense Laplace deviance of a binomial GLMM.

    terms: list of (group labels per row, n x k matrix of the term's columns), in theta order.
    """

    def __init__(self, k, m, X, terms, link="logit"):
        self.k = np.asarray(k, float)          # successes
        self.m = np.asarray(m, float)          # trials
        self.X = np.asarray(X, float)
        self.linkinv, self.mu_eta = LINKS[link]
        self.n = len(self.k)
        blocks, self.info = [], []
        for labels, C in terms:
            C = np.asarray(C, float).reshape(self.n, -1)
            levels, codes = np.unique(np.asarray(labels).astype(str), return_inverse=True)
            J, kk = len(levels), C.shape[1]
            Z = np.zeros((self.n, J * kk))
            for a in range(kk):
                Z[np.arange(self.n), codes * kk + a] = C[:, a]
            blocks.append(Z)
            self.info.append((list(levels), J, kk))
        self.Z = np.hstack(blocks)
        self.q = self.Z.shape[1]

    def ntheta(self):
        return sum(kk * (kk + 1) // 2 for _, _, kk in self.info)

    def lam(self, theta):
        parts, pos = [], 0
        for _, J, kk in self.info:
            T = np.zeros((kk, kk))
            for c in range(kk):               # lower triangle, column by column (R's order)
                for r in range(c, kk):
                    T[r, c] = theta[pos]
                    pos += 1
            parts.append(np.kron(np.eye(J), T))
        return linalg.block_diag(*parts)

    def _m2logp(self, mu):
        """-2 log prod dbinom(k, m, mu), binomial coefficients included."""
        k, m = self.k, self.m
        lchoose = special.gammaln(m + 1) - special.gammaln(k + 1) - special.gammaln(m - k + 1)
        return -2.0 * np.sum(lchoose + special.xlogy(k, mu) + special.xlog1py(m - k, -mu))

    def fit_u(self, x):
        """PIRLS (Fisher scoring with step halving) for the spherical modes u at x."""
        nt = self.ntheta()
        theta, beta = np.asarray(x[:nt], float), np.asarray(x[nt:], float)
        Lam = self.lam(theta)
        M = self.Z @ Lam
        ef = self.X @ beta
        y = self.k / self.m
        u = np.zeros(self.q)

        def pdev(u):
            return self._m2logp(self.linkinv(ef + M @ u)) + u @ u

        cur = pdev(u)
        for _ in range(200):
            eta = ef + M @ u
            mu, d = self.linkinv(eta), self.mu_eta(eta)
            v = mu * (1 - mu)
            W = self.m * d * d / v
            s = self.m * (y - mu) * d / v
            A = M.T @ (M * W[:, None]) + np.eye(self.q)
            delta = np.linalg.solve(A, M.T @ s - u)
            step = 1.0
            while True:
                new = pdev(u + step * delta)
                if new <= cur or step < 1e-10:
                    break
                step /= 2
            u = u + step * delta
            done = np.max(np.abs(step * delta)) < 1e-12 or abs(cur - new) < 1e-13 * abs(cur)
            cur = new
            if done:
                break
        eta = ef + M @ u
        mu, d = self.linkinv(eta), self.mu_eta(eta)
        W = self.m * d * d / (mu * (1 - mu))
        A = M.T @ (M * W[:, None]) + np.eye(self.q)
        return u, A, Lam, mu

    def deviance(self, x):
        u, A, _, mu = self.fit_u(x)
        return float(np.linalg.slogdet(A)[1] + u @ u + self._m2logp(mu))

    def ranef(self, x):
        """Per term: (levels, b as (J, k), conditional covariances of b as (J, k, k))."""
        u, A, Lam, _ = self.fit_u(x)
        b = Lam @ u
        Vb = Lam @ np.linalg.inv(A) @ Lam.T
        out, pos = [], 0
        for levels, J, kk in self.info:
            B = b[pos:pos + J * kk].reshape(J, kk)
            V = np.stack([Vb[pos + j * kk:pos + (j + 1) * kk, pos + j * kk:pos + (j + 1) * kk] for j in range(J)])
            out.append((levels, B, V))
            pos += J * kk
        return out


def _fit(formula, data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # these fits must be clean (no singular, no convergence warnings)
        return gl.glmer(formula, data=data, **kw)


def _fd_gradient(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


# ----------------------------------------------------------------------------- data
def vector_data(J=40, nper=6, size=4, seed=11, sd=(1.0, 0.7), rho=0.5, beta=(-0.3, 0.6)):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(J), nper)
    x = rng.normal(size=J * nper)
    S = np.array([[sd[0] ** 2, rho * sd[0] * sd[1]], [rho * sd[0] * sd[1], sd[1] ** 2]])
    b = rng.multivariate_normal([0, 0], S, size=J)
    eta = beta[0] + beta[1] * x + b[g, 0] + b[g, 1] * x
    k = rng.binomial(size, special.expit(eta))
    return pd.DataFrame({"k": k, "n": size, "x": x, "g": [f"G{i:03d}" for i in g]})


def nested_data(n1=10, n2=4, nper=6, size=3, seed=5, sd=(1.0, 0.8), beta=(-0.2, 0.5)):
    rng = np.random.default_rng(seed)
    g1 = np.repeat(np.arange(n1), n2 * nper)
    g2 = np.tile(np.repeat(np.arange(n2), nper), n1)
    x = rng.normal(size=g1.size)
    a = rng.normal(0, sd[0], n1)
    b = rng.normal(0, sd[1], (n1, n2))
    k = rng.binomial(size, special.expit(beta[0] + beta[1] * x + a[g1] + b[g1, g2]))
    return pd.DataFrame({"k": k, "n": size, "x": x, "g1": [f"a{i}" for i in g1], "g2": [f"b{i}" for i in g2]})


def crossed_data(na=8, nb=12, reps=4, seed=2, sd=(1.0, 0.8), beta=(0.3, -0.5), link="logit"):
    rng = np.random.default_rng(seed)
    ia = np.repeat(np.arange(na), nb * reps)
    ib = np.tile(np.repeat(np.arange(nb), reps), na)
    x = rng.normal(size=ia.size)
    ra, rb = rng.normal(0, sd[0], na), rng.normal(0, sd[1], nb)
    y = rng.binomial(1, LINKS[link][0](beta[0] + beta[1] * x + ra[ia] + rb[ib]))
    return pd.DataFrame({"y": y, "x": x, "a": [f"A{i}" for i in ia], "b": [f"B{i:02d}" for i in ib]})


def scalar_data(link, J=30, nper=8, seed=3, sd=0.8, beta=(-0.4, 0.7)):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(J), nper)
    x = rng.normal(size=g.size)
    b = rng.normal(0, sd, J)
    y = rng.binomial(1, LINKS[link][0](beta[0] + beta[1] * x + b[g]))
    return pd.DataFrame({"y": y, "x": x, "g": [f"g{i:02d}" for i in g]})


# ----------------------------------------------------------------------------- the models
def _cols(d, *names):
    return np.column_stack([np.ones(len(d)) if n == "1" else d[n].to_numpy(float) for n in names])


def _inter(d, a, b):
    return (d[a].astype(str) + ":" + d[b].astype(str)).to_numpy()


CASES = {
    # name: (data builder, formula, expected theta names, expected ngroups,
    #        dense terms builder (lme4's term order), counts builder)
    "corr": (vector_data, "cbind(k, n - k) ~ x + (1 + x | g)",
             ["g.(Intercept)", "g.x.(Intercept)", "g.x"], {"g": 40},
             lambda d: [(d["g"], _cols(d, "1", "x"))]),
    "uncorr": (vector_data, "cbind(k, n - k) ~ x + (x || g)",
               ["g.(Intercept)", "g.x"], {"g": 40},
               lambda d: [(d["g"], _cols(d, "1")), (d["g"], _cols(d, "x"))]),
    "slope": (vector_data, "cbind(k, n - k) ~ x + (0 + x | g)",
              ["g.x"], {"g": 40},
              lambda d: [(d["g"], _cols(d, "x"))]),
    "nested": (nested_data, "cbind(k, n - k) ~ x + (1 | g1/g2)",
               ["g2:g1.(Intercept)", "g1.(Intercept)"], {"g2:g1": 40, "g1": 10},
               lambda d: [(_inter(d, "g2", "g1"), _cols(d, "1")), (d["g1"], _cols(d, "1"))]),
    "interaction": (nested_data, "cbind(k, n - k) ~ x + (1 | g1:g2)",
                    ["g1:g2.(Intercept)"], {"g1:g2": 40},
                    lambda d: [(_inter(d, "g1", "g2"), _cols(d, "1"))]),
    # b has more levels than a, so lme4 puts it first
    "crossed": (crossed_data, "y ~ x + (1 | a) + (1 | b)",
                ["b.(Intercept)", "a.(Intercept)"], {"b": 12, "a": 8},
                lambda d: [(d["b"], _cols(d, "1")), (d["a"], _cols(d, "1"))]),
}

_FITS: dict = {}


def case(name):
    if name not in _FITS:
        build, formula, _, _, terms = CASES[name]
        d = build()
        m = _fit(formula, d, family="binomial")
        if "k" in d:
            k, trials = d["k"].to_numpy(float), d["n"].to_numpy(float)
        else:
            k, trials = d["y"].to_numpy(float), np.ones(len(d))
        dense = Dense(k, trials, _cols(d, "1", "x"), terms(d))
        _FITS[name] = (m, d, dense)
    return _FITS[name]


NAMES = list(CASES)


@pytest.mark.parametrize("name", NAMES)
def test_names_and_shapes(name):
    m, d, dense = case(name)
    _, _, theta_names, ngroups, _ = CASES[name]
    assert m.theta_names == theta_names
    assert m.theta.shape == (len(theta_names),)
    assert m.ngroups == ngroups
    assert m.n_params == len(theta_names) + 2
    assert list(m.fixef.index) == ["(Intercept)", "x"]
    assert not m.is_singular()
    vc = m.varcorr()
    ncomp = {"corr": 2, "uncorr": 2, "slope": 1, "nested": 2, "interaction": 1, "crossed": 2}[name]
    assert len(vc) == ncomp
    assert np.all(vc["Std.Dev."] > 0)
    np.testing.assert_allclose(vc["Variance"], vc["Std.Dev."] ** 2, rtol=1e-12)
    if name == "corr":
        assert "Corr" in vc.columns
        t = m.theta
        T = np.array([[t[0], 0], [t[1], t[2]]])
        S = T @ T.T
        np.testing.assert_allclose(vc["Variance"], np.diag(S), rtol=1e-12)
        np.testing.assert_allclose(vc["Corr"].iloc[1], S[1, 0] / np.sqrt(S[0, 0] * S[1, 1]), rtol=1e-12)
        assert -1 < vc["Corr"].iloc[1] < 1 and np.isnan(vc["Corr"].iloc[0])
        assert t[0] > 0 and t[2] > 0
    else:
        assert "Corr" not in vc.columns
        np.testing.assert_allclose(vc["Std.Dev."], m.theta, rtol=1e-12)   # scalar terms: theta = SD
    groups = {"corr": ["g", "g"], "uncorr": ["g", "g"], "slope": ["g"], "nested": ["g2:g1", "g1"],
              "interaction": ["g1:g2"], "crossed": ["b", "a"]}[name]
    # (lme4 may label a repeated grouping factor "g.1"; only the factor is checked here)
    assert [str(g).split(".")[0] for g in vc["Groups"]] == groups
    re = m.ranef(cond_var=True)
    assert list(re) == list(ngroups)
    for (group, J) in ngroups.items():
        assert re[group].shape[0] == J
    cols = {"corr": ["(Intercept)", "x", "condVar_(Intercept)", "condVar_x", "condCov_x.(Intercept)"],
            "uncorr": ["(Intercept)", "condVar_(Intercept)", "x", "condVar_x"],
            "slope": ["x", "condVar_x"]}.get(name, ["(Intercept)", "condVar_(Intercept)"])
    for group in ngroups:
        assert sorted(re[group].columns) == sorted(cols)


def test_interaction_levels_in_r_order():
    """R's f1:f2 has the levels of f1 varying slowest (then unused combinations dropped)."""
    m, d, _ = case("nested")
    lv = list(m.ranef()["g2:g1"].index)
    expected = [f"b{j}:a{i}" for j in range(4) for i in range(10)]
    assert lv == expected
    m2, _, _ = case("interaction")
    assert list(m2.ranef()["g1:g2"].index) == [f"a{i}:b{j}" for i in range(10) for j in range(4)]


@pytest.mark.parametrize("name", NAMES)
def test_deviance_equals_dense_laplace(name):
    m, d, dense = case(name)
    x = np.concatenate([m.theta, m.beta])
    assert abs(dense.deviance(x) - m.deviance) < DEV_ABS
    # and away from the optimum: the objective itself is the Laplace deviance
    rng = np.random.default_rng(0)
    for _ in range(2):
        x2 = x + rng.normal(0, 0.1, x.size)
        assert abs(dense.deviance(x2) - m._devfun(x2)) < DEV_ABS


@pytest.mark.parametrize("name", NAMES)
def test_gradient_zero_at_optimum(name):
    m, d, dense = case(name)
    g = _fd_gradient(lambda z: float(m._devfun(z)), m._x.copy())
    assert np.max(np.abs(g)) < GRAD_ABS, g
    # on the sd/cor scale too (devfun_sdcor)
    z = m.params_sdcor()
    g2 = _fd_gradient(m.devfun_sdcor, z)
    assert np.max(np.abs(g2)) < GRAD_ABS, g2


@pytest.mark.parametrize("name", NAMES)
def test_optimum_is_a_minimum_of_the_dense_deviance(name):
    m, d, dense = case(name)
    x = np.concatenate([m.theta, m.beta])
    f0 = dense.deviance(x)
    for i in range(x.size):
        for h in (-1e-2, 1e-2):
            e = np.zeros_like(x)
            e[i] = h
            assert dense.deviance(x + e) > f0, (i, h)


@pytest.mark.parametrize("name", NAMES)
def test_conditional_modes_and_variances_equal_dense(name):
    m, d, dense = case(name)
    x = np.concatenate([m.theta, m.beta])
    re = m.ranef(cond_var=True)
    terms = CASES[name][4](d)
    # column names of each term, in theta order
    term_cols = {"corr": [["(Intercept)", "x"]], "uncorr": [["(Intercept)"], ["x"]], "slope": [["x"]]}.get(
        name, [["(Intercept)"]] * len(terms))
    groups = [t.group for t in m.frame.random]
    for (levels, B, V), cols, group in zip(dense.ranef(x), term_cols, groups):
        df = re[group].loc[levels]
        np.testing.assert_allclose(df[cols].to_numpy(), B, rtol=DENSE_RTOL, atol=DENSE_ATOL)
        for a, ca in enumerate(cols):
            np.testing.assert_allclose(df[f"condVar_{ca}"].to_numpy(), V[:, a, a], rtol=DENSE_RTOL, atol=DENSE_ATOL)
            for c in range(a + 1, len(cols)):
                np.testing.assert_allclose(df[f"condCov_{cols[c]}.{ca}"].to_numpy(), V[:, c, a],
                                           rtol=DENSE_RTOL, atol=DENSE_ATOL)
    # the fitted values use these modes: eta = X beta + sum of Z b
    eta = m.frame.X @ m.beta
    for (labels, C), cols, group in zip(terms, term_cols, groups):
        b = re[group][cols].loc[np.asarray(labels).astype(str)].to_numpy()
        eta = eta + np.sum(C * b, axis=1)
    np.testing.assert_allclose(m.predict().to_numpy(), eta, rtol=1e-9, atol=1e-9)


# ------------------------------------------------------------------- recovery of the truth
def test_correlated_slopes_recover_truth():
    """A larger sample (200 groups x 10 rows x 5 trials): estimates near the truth."""
    truth = dict(sd=(1.0, 0.7), rho=0.5, beta=(-0.3, 0.6))
    d = vector_data(J=200, nper=10, size=5, seed=101, **truth)
    m = _fit("cbind(k, n - k) ~ x + (1 + x | g)", d, family="binomial")
    se = m.coef_table()["Std. Error"].to_numpy()
    assert np.all(np.abs(m.beta - truth["beta"]) < 4 * se), (m.beta, se)
    vc = m.varcorr()
    # SDs within 20% and the correlation within 0.25 (about 3-4 of their standard errors here)
    np.testing.assert_allclose(vc["Std.Dev."].to_numpy(), truth["sd"], rtol=0.2)
    assert abs(vc["Corr"].iloc[1] - truth["rho"]) < 0.25


def test_crossed_recover_truth():
    truth = dict(sd=(1.0, 0.8), beta=(0.3, -0.5))
    d = crossed_data(na=30, nb=40, reps=2, seed=7, **truth)
    m = _fit("y ~ x + (1 | a) + (1 | b)", d, family="binomial")
    assert m.theta_names == ["b.(Intercept)", "a.(Intercept)"]
    se = m.coef_table()["Std. Error"].to_numpy()
    assert np.all(np.abs(m.beta - truth["beta"]) < 4 * se), (m.beta, se)
    sd = dict(zip(m.varcorr()["Groups"], m.varcorr()["Std.Dev."]))
    np.testing.assert_allclose([sd["a"], sd["b"]], truth["sd"], rtol=0.3)


# -------------------------------------------------------------------- probit and cloglog
_LINK_FITS: dict = {}


def link_case(link, nagq):
    key = (link, nagq)
    if key not in _LINK_FITS:
        d = scalar_data(link)
        m = _fit("y ~ x + (1 | g)", d, family=gl.binomial(link=link), nAGQ=nagq)
        dense = Dense(d["y"], np.ones(len(d)), _cols(d, "1", "x"), [(d["g"], _cols(d, "1"))], link=link)
        _LINK_FITS[key] = (m, d, dense)
    return _LINK_FITS[key]


def _log_mu_pair(link, eta):
    """log(mu) and log(1 - mu) computed stably for each link."""
    if link == "logit":
        return special.log_expit(eta), special.log_expit(-eta)
    if link == "probit":
        return special.log_ndtr(eta), special.log_ndtr(-eta)
    e = np.exp(eta)
    return np.log(-np.expm1(-e)), -e


def exact_deviance(d, x, link):
    """-2 log of the exact marginal likelihood of 0/1 data, one integral per group (quad)."""
    sd, beta = x[0], np.asarray(x[1:])
    eta_f = beta[0] + beta[1] * d["x"].to_numpy()
    y = d["y"].to_numpy().astype(float)
    total = 0.0
    for _, idx in d.groupby("g").indices.items():
        ef, yy = eta_f[idx], y[idx]

        def logf(z):
            z = np.atleast_1d(np.asarray(z, float))
            l1, l0 = _log_mu_pair(link, ef[None, :] + sd * z[:, None])
            return (l1 @ yy + l0 @ (1 - yy)) - 0.5 * z * z - 0.5 * np.log(2 * np.pi)

        grid = np.linspace(-10, 10, 801)
        vals = logf(grid)
        zmax, c = grid[np.argmax(vals)], vals.max()
        # the likelihood is log-concave in z, so the posterior SD is below the prior's (1):
        # +-9 around the mode leaves out less than exp(-40) of the mass
        val, _ = integrate.quad(lambda z: float(np.exp(logf(z)[0] - c)), zmax - 9, zmax + 9, points=[zmax],
                                epsabs=0, epsrel=1e-11, limit=100)
        total += c + np.log(val)
    return -2.0 * total


@pytest.mark.parametrize("link", ["probit", "cloglog"])
def test_link_laplace_deviance_and_minimum(link):
    m, d, dense = link_case(link, 1)
    assert m.family.link == link
    x = np.concatenate([m.theta, m.beta])
    f0 = dense.deviance(x)
    assert abs(f0 - m.deviance) < DEV_ABS
    for i in range(x.size):
        for h in (-1e-3, 1e-3):
            e = np.zeros_like(x)
            e[i] = h
            assert dense.deviance(x + e) > f0, (i, h)
            assert abs(dense.deviance(x + 10 * e) - m._devfun(x + 10 * e)) < DEV_ABS
    g = _fd_gradient(lambda z: float(m._devfun(z)), m._x.copy())
    assert np.max(np.abs(g)) < GRAD_ABS, g
    # predictions use the link's inverse
    np.testing.assert_allclose(m.fitted().to_numpy(), LINKS[link][0](m.predict().to_numpy()), rtol=1e-12)
    # the conditional modes and variances (scalar fast path) against the dense computation
    (levels, B, V), = dense.ranef(x)
    re = m.ranef(cond_var=True)["g"].loc[levels]
    np.testing.assert_allclose(re["(Intercept)"].to_numpy(), B[:, 0], rtol=DENSE_RTOL, atol=DENSE_ATOL)
    np.testing.assert_allclose(re["condVar_(Intercept)"].to_numpy(), V[:, 0, 0], rtol=DENSE_RTOL, atol=DENSE_ATOL)


@pytest.mark.parametrize("link", ["probit", "cloglog"])
def test_link_agq_matches_exact_integral(link):
    m, d, _ = link_case(link, 25)
    assert m.nAGQ == 25
    x = np.concatenate([m.theta, m.beta])
    exact = exact_deviance(d, x, link)
    assert abs(m.deviance - exact) <= AGQ_REL * abs(exact)
    # away from the optimum too
    x2 = x + np.array([0.3, -0.2, 0.1])
    assert abs(m._devfun(x2) - exact_deviance(d, x2, link)) <= AGQ_REL * abs(exact)
    # the AGQ estimates minimize the exact marginal deviance
    for i in range(x.size):
        for h in (-1e-2, 1e-2):
            e = np.zeros_like(x)
            e[i] = h
            assert exact_deviance(d, x + e, link) > exact, (i, h)
    # and differ from the Laplace ones (the Laplace deviance is not the exact one)
    lap, _, _ = link_case(link, 1) if link != "logit" else (None, None, None)
    if lap is not None:
        assert abs(lap.deviance - exact_deviance(d, np.concatenate([lap.theta, lap.beta]), link)) > 1e-4

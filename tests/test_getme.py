"""getME() against lme4 1.1-31 (tests/lme4/r/getme.R -> tests/lme4/getme_cases.json).

Z, the layout of Lambda(theta) and of b = Lambda u are compared exactly: Lambda and b are built
from lme4's own theta and u with glmmlite's layout, so the check does not depend on the two
optima (which differ by the usual amounts: tolerances SD_ABS for theta).  Counts and names are
compared as they are.  Tolerances: tests/tolerances.py (FORMULA_RTOL: the same arithmetic).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import glmmlite as gl
import tolerances as tol
from conftest import load_json
from glmmlite.getme import NAMES, lambda_matrix
from glmmlite.remat import b_from_u

CASES = load_json("getme_cases.json")["cases"]


@pytest.fixture(scope="module")
def fits():
    d = pd.DataFrame(load_json("predict_re_form.json")["data"])
    d["a"] = pd.Categorical(d["a"], categories=[str(i) for i in range(1, 13)])   # R: levels 1..12
    out = {}
    for name, c in CASES.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gl.SingularFitWarning)      # both fits are singular, in R too
            out[name] = gl.glmer(c["formula"], data=d)
    return out


def _sparse(t) -> sp.csr_matrix:
    return sp.csr_matrix((t["x"], (t["i"], t["j"])), shape=tuple(t["dim"]))


def _num(v):
    return -np.inf if v == "-Inf" else float(v)


@pytest.mark.parametrize("name", list(CASES))
def test_counts_names_and_bounds(fits, name):
    m, c = fits[name], CASES[name]
    assert m.getME("theta").index.tolist() == c["theta_names"]
    np.testing.assert_array_equal(m.getME("lower"), [_num(v) for v in c["lower"]])
    assert m.getME("Gp").tolist() == c["Gp"]
    l_i = m.getME("l_i")
    assert l_i.tolist() == np.atleast_1d(c["l_i"]).tolist() and l_i.index.tolist() == np.atleast_1d(c["l_i_names"]).tolist()
    assert m.getME("q_i").tolist() == c["q_i"]
    assert (m.getME("k"), m.getME("n"), m.getME("p"), m.getME("q")) == (c["k"], c["n"], c["p"], c["q"])
    cnms = {}
    for g, cols in zip(c["cnms_names"], c["cnms"]):
        cnms.setdefault(g, []).extend(cols)
    assert m.getME("cnms") == cnms
    assert {g: list(f.categories) for g, f in m.getME("flist").items()} == c["flist_levels"]
    assert list(m.getME("X").columns) == c["X_names"]
    np.testing.assert_allclose(m.getME("theta"), c["theta"], atol=tol.SD_ABS)


@pytest.mark.parametrize("name", list(CASES))
def test_z_is_lme4s(fits, name):
    Z = fits[name].getME("Z")
    want = _sparse(CASES[name]["Z"])
    assert Z.shape == want.shape
    assert abs(Z - want).max() <= tol.FORMULA_RTOL
    assert abs(fits[name].getME("Zt") - want.T).max() <= tol.FORMULA_RTOL


@pytest.mark.parametrize("name", list(CASES))
def test_lambda_and_b_from_lme4s_theta_and_u_are_lme4s(fits, name):
    m, c = fits[name], CASES[name]
    theta, u = np.array(c["theta"]), np.array(c["u"])
    L = lambda_matrix(m.frame.random, m.layout, theta)
    want = _sparse(c["Lambda"])
    assert L.shape == want.shape
    assert abs(L - want).max() <= tol.FORMULA_RTOL * max(1.0, abs(want).max())
    b = np.concatenate([B.ravel() for B in b_from_u(u, m.frame.random, m.layout, theta)])
    np.testing.assert_allclose(b, c["b"], rtol=tol.FORMULA_RTOL, atol=1e-14)
    # and glmmlite's own pieces fit together: b = Lambda u, eta = X beta + Z b + offset
    np.testing.assert_allclose(m.getME("b"), m.getME("Lambda") @ m.getME("u"), atol=1e-12)
    eta = m.getME("X").to_numpy() @ m.getME("beta").to_numpy() + m.getME("Z") @ m.getME("b") + m.getME("offset")
    np.testing.assert_allclose(m.getME("eta"), eta, atol=1e-10)
    np.testing.assert_allclose(m.getME("mu"), m.fitted().to_numpy(), atol=1e-12)


def test_every_name_answers_and_unknown_names_are_refused(fits):
    m = fits["vector_scalar"]
    for name in NAMES:
        assert m.getME(name) is not None
    with pytest.raises(gl.ArgumentError, match=r"getME\(\) knows X, Z.*not 'Ztlist'"):
        m.getME("Ztlist")


def test_getme_docstring_example_runs():
    import doctest
    import glmmlite.getme as module
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 2 and result.failed == 0

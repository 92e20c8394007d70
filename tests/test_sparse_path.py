"""The sparse path for crossed and nested random effects (issue 14) against the dense one.

``glmmlite.sparse_cholesky.SparseBlockedCholesky`` never forms the (levels x levels) cross
blocks; ``glmmlite.dense_cholesky.DenseCholesky`` forms the whole ``A = Lambda'Z'WZ Lambda + I``
and inverts it.  Both run through the same PIRLS (``BlockedLaplace(dense=...)``), so the
deviance, its gradient and the conditional variances must agree to rounding, on crossed,
nested, partially crossed and vector-valued designs, for every link, away from the optimum.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmmlite as gl
import glmmlite.sparse_cholesky as sc
import tolerances as tol
from glmmlite.deviance import DevianceFunction
from glmmlite.modelframe import build_model_frame
from glmmlite.pirls import BlockedLaplace
from glmmlite.term_blocks import TermBlocks


def _data(seed: int = 5) -> pd.DataFrame:
    """Students x items (each student 6 of 40 items), classes nested in 8 schools, a slope x."""
    rng = np.random.default_rng(seed)
    n_st, n_it, each = 150, 40, 6
    item = np.concatenate([rng.choice(n_it, each, replace=False) for _ in range(n_st)])
    student = np.repeat(np.arange(n_st), each)
    school = student % 8
    klass = (student // 8) % 3                   # class within school: 24 classes in all
    x = rng.normal(size=student.size)
    eta = (-0.2 + 0.4 * x + rng.normal(0, 0.8, n_st)[student] + rng.normal(0, 0.5, n_it)[item]
           + rng.normal(0, 0.4, 8)[school])
    y = (rng.random(student.size) < 1 / (1 + np.exp(-eta))).astype(int)
    return pd.DataFrame({"student": [f"s{i}" for i in student], "item": [f"i{i}" for i in item],
                         "school": [f"k{i}" for i in school], "class": [f"c{i}" for i in klass],
                         "x": x, "y": y})


FORMULAS = {
    "crossed": "y ~ x + (1 | student) + (1 | item)",
    "nested": "y ~ x + (1 | school/class)",
    "three_crossed": "y ~ x + (1 | student) + (1 | item) + (1 | school)",
    "vector_crossed": "y ~ x + (1 + x | student) + (1 | item)",
    "vector_second": "y ~ x + (1 | student) + (1 + x | item)",
    "uncorrelated": "y ~ x + (x || student) + (1 | item)",
}


@pytest.fixture(scope="module")
def data():
    return _data()


@pytest.fixture(autouse=True, params=["products", "pairs"])
def cross_route(request, monkeypatch):
    """Every test on both routes of the cross blocks: dense matrix products (small dense
    parts, these designs' default) and the pairs of nonzeros (large dense parts)."""
    if request.param == "pairs":
        monkeypatch.setattr(sc, "GEMM_MAX_Q2", 0)
    return request.param


def _point(layout, p, seed):
    rng = np.random.default_rng(seed)
    theta = layout.start() * rng.uniform(0.4, 1.2, layout.size) + rng.uniform(-0.3, 0.3, layout.size) * ~layout.diagonal_mask()
    return theta, rng.normal(0, 0.3, p)


def _pair(data, formula, link):
    fr = build_model_frame(formula, data)
    fam = gl.binomial(link)
    args = (fr.y, fr.weights, fr.offset, fr.X, fr.random, fam)
    return fr, BlockedLaplace(*args), BlockedLaplace(*args, dense=True)


@pytest.mark.parametrize("link", ["logit", "probit", "cloglog"])
@pytest.mark.parametrize("name", list(FORMULAS))
def test_sparse_deviance_and_gradient_equal_dense(data, name, link):
    fr, sparse, dense = _pair(data, FORMULAS[name], link)
    assert sparse.pattern.q2 > 0                  # the Schur part is exercised
    for k in range(3):
        theta, beta = _point(sparse.layout, fr.X.shape[1], 10 * k + len(name))
        ds, gs = sparse.deviance_and_gradient(theta, beta)
        dd, gd = dense.deviance_and_gradient(theta, beta)
        assert abs(ds - dd) <= tol.SPARSE_VS_DENSE_DEV
        assert np.max(np.abs(gs - gd)) <= tol.SPARSE_VS_DENSE_REL * max(1.0, np.max(np.abs(gd)))
        # the check has power: the deviance moves far more than the tolerance between points
        assert abs(dd - dense.deviance(theta * 1.01, beta)) > 1e3 * tol.SPARSE_VS_DENSE_DEV


@pytest.mark.parametrize("name", ["crossed", "nested", "vector_crossed", "vector_second"])
def test_selected_inverse_equals_dense_inverse(data, name):
    """Conditional variances (diagonal blocks of A^{-1}) and A^{-1} m_i on every row's own columns."""
    fr, sparse, dense = _pair(data, FORMULAS[name], "logit")
    theta, beta = _point(sparse.layout, fr.X.shape[1], 3)
    cs = sparse.conditional_variances(theta, beta)
    cd = dense.conditional_variances(theta, beta)
    for a, b in zip(cs, cd):
        np.testing.assert_allclose(a, b, rtol=tol.SPARSE_VS_DENSE_REL, atol=tol.SPARSE_VS_DENSE_REL * np.max(np.abs(b)))
    B = TermBlocks(fr.random, sparse.layout, theta)
    W = np.random.default_rng(1).uniform(0.05, 0.25, fr.y.size)
    Fs, Fd = sparse._factor(B, W), dense._factor(B, W)
    assert abs(Fs.logdet - Fd.logdet) <= tol.SPARSE_VS_DENSE_DEV
    for a, b in zip(Fs.row_solves(), Fd.row_solves()):
        np.testing.assert_allclose(a, b, rtol=tol.SPARSE_VS_DENSE_REL, atol=tol.SPARSE_VS_DENSE_REL)
    r = np.random.default_rng(2).normal(size=sparse.q)
    np.testing.assert_allclose(Fs.solve(r), Fd.solve(r), rtol=tol.SPARSE_VS_DENSE_REL, atol=tol.SPARSE_VS_DENSE_REL)


def test_chunked_pairs_give_the_same_factor(data, monkeypatch):
    """With tiny chunks and no cache (the path for very large neighbourhoods) nothing changes."""
    fr, sparse, dense = _pair(data, FORMULAS["vector_crossed"], "logit")
    theta, beta = _point(sparse.layout, fr.X.shape[1], 4)
    d0, g0 = sparse.deviance_and_gradient(theta, beta)
    monkeypatch.setattr(sc, "GEMM_MAX_Q2", 0)            # the pairs route, whatever d0 took
    monkeypatch.setattr(sc, "PAIR_CHUNK", 97)
    monkeypatch.setattr(sc, "PAIR_CACHE", 0)
    _, fresh, _ = _pair(data, FORMULAS["vector_crossed"], "logit")
    d1, g1 = fresh.deviance_and_gradient(theta, beta)
    assert abs(d0 - d1) <= tol.SPARSE_VS_DENSE_DEV
    np.testing.assert_allclose(g0, g1, rtol=tol.SPARSE_VS_DENSE_REL, atol=tol.SPARSE_VS_DENSE_REL)


def test_conjugate_gradient_steps_reach_the_exact_modes(data, monkeypatch):
    """PIRLS steps by PCG (preconditioned with the last exact factor) give the dense deviance."""
    import glmmlite.pirls as pirls
    monkeypatch.setattr(pirls, "PCG_MIN_Q2", 1)
    fr, sparse, dense = _pair(data, FORMULAS["crossed"], "logit")
    theta, beta = _point(sparse.layout, fr.X.shape[1], 5)
    sparse.deviance(theta, beta)                       # an exact factor to precondition with
    for k in range(3):
        t = theta * (1.0 + 0.05 * k)
        assert abs(sparse.deviance(t, beta) - dense.deviance(t, beta)) <= tol.SPARSE_VS_DENSE_DEV
    assert sparse.n_cg > 0


def test_sparse_fit_equals_dense_fit(data):
    """The whole fit: the optimum of the sparse path is a minimum of the dense deviance."""
    m = gl.glmer(FORMULAS["crossed"], data)
    dense = DevianceFunction(m.frame, m.family, dense=True)
    x = m._x.copy()
    assert abs(dense(x) - m.deviance) <= tol.SPARSE_VS_DENSE_DEV
    for i in range(x.size):
        for h in (1e-3, -1e-3):
            z = x.copy()
            z[i] += h
            assert dense(z) >= m.deviance - tol.SPARSE_VS_DENSE_DEV


def test_term_with_most_levels_leads(data):
    """lme4's order puts the factor with the most levels first: its block is the diagonal one,
    so the dense Schur part is as small as the other terms (items, not students)."""
    fr = build_model_frame(FORMULAS["crossed"], data)
    lap = BlockedLaplace(fr.y, fr.weights, fr.offset, fr.X, fr.random, gl.binomial())
    assert fr.random[0].group == "student"
    assert lap.pattern.q2 == fr.random[1].nlevels == 40


def test_too_large_a_dense_part_is_a_clear_error(monkeypatch, data):
    monkeypatch.setattr(sc, "MAX_DENSE_Q2", 10)
    with pytest.raises(gl.errors.GlmmliteError, match="Schur complement"):
        gl.glmer(FORMULAS["crossed"], data)

"""The analytic gradients of the Laplace deviance (fast path and blocked path) against
central finite differences, away from the optimum, for every link."""
from __future__ import annotations

import zlib

import numpy as np
import pytest

import glmmlite as gl
import tolerances as tol
from glmmlite.deviance import DevianceFunction
from glmmlite.modelframe import build_model_frame

FORMULAS = [
    "y ~ trt * sex + (1 | id)",              # one scalar term: the diagonal fast path
    "y ~ trt + x + (0 + x | id)",            # one scalar slope term
    "y ~ trt + x + (1 + x | id)",            # a vector term: block-diagonal
    "y ~ x + (1 | id) + (1 | g2)",           # crossed: Schur complement
    "y ~ x + (x || id) + (1 | g2)",          # two terms on one factor plus a crossed one
]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    d = gl.simulate_article_data(seed=1, stream="r").iloc[:840].copy()
    d["x"] = rng.normal(size=len(d))
    d["g2"] = (d["id"] % 9).astype(str)
    return d


@pytest.mark.parametrize("link", ["logit", "probit", "cloglog"])
@pytest.mark.parametrize("formula", FORMULAS)
def test_analytic_gradient_matches_finite_differences(data, formula, link):
    frame = build_model_frame(formula, data)
    dev = DevianceFunction(frame, gl.binomial(link))
    assert dev.has_gradient
    rng = np.random.default_rng(zlib.crc32(f"{formula}|{link}".encode()))
    theta = dev.layout.start() * 0.6 + rng.uniform(-0.2, 0.2, dev.ntheta) * ~dev.layout.diagonal_mask()
    x = np.concatenate([theta, rng.normal(0, 0.2, dev.p)])
    _, g = dev.value_and_grad(x)
    h = 1e-6
    fd = np.array([(dev(x + h * e) - dev(x - h * e)) / (2 * h) for e in np.eye(x.size)])
    assert np.max(np.abs(g - fd)) <= tol.GRAD_FD_REL * max(1.0, np.max(np.abs(fd)))
    # and a wrong gradient would be caught: the check has power
    assert np.max(np.abs(fd)) > 100 * tol.GRAD_FD_REL

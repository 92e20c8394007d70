"""Simulated designs for the benchmarks (numpy generator, fixed seeds).

Every function returns ``(data, formula)``: a pandas DataFrame and the lme4 formula fitted
to it.  The shapes are those of issue 14's table:

* :func:`seed_design`: the article's ``y ~ trt * sex + (1|id)`` with ``days`` rows per
  subject sharing one linear predictor (aggregated into binomial counts by glmmlite).
* :func:`crossed_design`: ``y ~ x + (1|student) + (1|item)``, each student answering
  ``items_each`` items drawn at random (without replacement) from ``n_items``.
* :func:`slopes_design`: ``y ~ trt * sex + x + (1 + x | id)``, x varying by row.
* :func:`rowcov_design`: ``y ~ trt * sex + x + (1|id)``, x varying by row (no two rows
  share a linear predictor, so nothing aggregates).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

# the article's fixed effects (logit scale)
_B_ARTICLE = (-0.4054651, 2.140066, -0.4418328, -1.292768)


def _expit(eta: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-eta))


def _subjects(rng: np.random.Generator, n_subjects: int, days: int):
    trt = rng.choice(["control", "treat"], n_subjects)
    sex = rng.choice(["female", "male"], n_subjects)
    ids = np.repeat(np.arange(1, n_subjects + 1), days)
    t = (trt == "treat")[ids - 1]
    s = (sex == "male")[ids - 1]
    b0, b1, b2, b3 = _B_ARTICLE
    eta = b0 + b1 * t + b2 * s + b3 * t * s
    return trt, sex, ids, eta


def seed_design(n_subjects: int = 250, days: int = 14, seed: int = 2021) -> tuple[pd.DataFrame, str]:
    """The article's design: ``n_subjects * days`` Bernoulli rows, random-intercept SD 0.5."""
    rng = np.random.default_rng(seed)
    trt, sex, ids, eta = _subjects(rng, n_subjects, days)
    eta = eta + rng.normal(0.0, 0.5, n_subjects)[ids - 1]
    y = (rng.random(ids.size) < _expit(eta)).astype(int)
    d = pd.DataFrame({"id": ids, "day": np.tile(np.arange(1, days + 1), n_subjects),
                      "trt": trt[ids - 1], "sex": sex[ids - 1], "y": y})
    return d, "y ~ trt * sex + (1|id)"


def seed_design_rows(n_rows: int, days: int = 14, seed: int = 2021) -> tuple[pd.DataFrame, str]:
    """:func:`seed_design` with about ``n_rows`` rows (``round(n_rows / days)`` subjects)."""
    return seed_design(max(2, int(round(n_rows / days))), days, seed)


def crossed_design(n_students: int = 5_000, n_items: int = 2_000, items_each: int = 20,
                   seed: int = 14) -> tuple[pd.DataFrame, str]:
    """Test-takers by items: ``n_students * items_each`` rows.

    Student SD 1.0, item SD 0.6, ``eta = -0.3 + 0.5 x + b_student + b_item`` with a
    standard-normal row covariate x.  Students are labelled ``s1..``, items ``i1..`` (strings,
    so both are factors).
    """
    if items_each > n_items:
        raise ValueError(f"items_each = {items_each} is more than n_items = {n_items}")
    rng = np.random.default_rng(seed)
    item = np.stack([rng.choice(n_items, items_each, replace=False) for _ in range(n_students)])
    item = item.ravel()
    student = np.repeat(np.arange(n_students), items_each)
    x = rng.normal(size=student.size)
    eta = (-0.3 + 0.5 * x + rng.normal(0.0, 1.0, n_students)[student]
           + rng.normal(0.0, 0.6, n_items)[item])
    y = (rng.random(student.size) < _expit(eta)).astype(int)
    d = pd.DataFrame({"student": np.char.add("s", (student + 1).astype(str)),
                      "item": np.char.add("i", (item + 1).astype(str)), "x": x, "y": y})
    return d, "y ~ x + (1|student) + (1|item)"


def slopes_design(n_subjects: int = 5_000, days: int = 14, seed: int = 15) -> tuple[pd.DataFrame, str]:
    """The article's design plus a row covariate x with a correlated random slope.

    Random intercept SD 0.5, slope SD 0.3, correlation 0.3; fixed slope of x 0.4.
    """
    rng = np.random.default_rng(seed)
    trt, sex, ids, eta = _subjects(rng, n_subjects, days)
    sd = np.array([0.5, 0.3])
    R = np.array([[1.0, 0.3], [0.3, 1.0]])
    b = rng.multivariate_normal(np.zeros(2), R * np.outer(sd, sd), n_subjects)
    x = rng.normal(size=ids.size)
    eta = eta + 0.4 * x + b[ids - 1, 0] + b[ids - 1, 1] * x
    y = (rng.random(ids.size) < _expit(eta)).astype(int)
    d = pd.DataFrame({"id": ids, "trt": trt[ids - 1], "sex": sex[ids - 1], "x": x, "y": y})
    return d, "y ~ trt * sex + x + (1 + x | id)"


def rowcov_design(n_subjects: int = 50_000, days: int = 14, seed: int = 16) -> tuple[pd.DataFrame, str]:
    """The article's design plus a row covariate x (fixed slope 0.4), random-intercept SD 0.5."""
    rng = np.random.default_rng(seed)
    trt, sex, ids, eta = _subjects(rng, n_subjects, days)
    x = rng.normal(size=ids.size)
    eta = eta + 0.4 * x + rng.normal(0.0, 0.5, n_subjects)[ids - 1]
    y = (rng.random(ids.size) < _expit(eta)).astype(int)
    d = pd.DataFrame({"id": ids, "trt": trt[ids - 1], "sex": sex[ids - 1], "x": x, "y": y})
    return d, "y ~ trt * sex + x + (1|id)"

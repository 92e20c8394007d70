"""Collapse rows that share a linear predictor into binomial counts.

Rows with the same fixed-effects row, offset, group codes and random-effects columns
have the same ``eta`` for every (theta, beta).  The binomial log-likelihood and every
PIRLS quantity (scores, Fisher weights and their derivatives) are linear in the
counts of successes and trials, so such rows can be summed into one row with
``k = sum k_i`` successes out of ``m = sum m_i`` trials.  Only the binomial
coefficients differ; the sum of the original ones is carried as a constant.

For the article's design (every student's 14 days share one linear predictor) this
turns 3,500 Bernoulli rows into 250 binomial rows: the same deviance, 14x less work.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd



@dataclass
class Aggregated:
    """Binomial counts on the distinct linear-predictor rows.

    Attributes
    ----------
    y, weights : proportion k/m and trials m of each distinct row
    offset, X : the distinct rows' offset and fixed-effects rows
    columns : the distinct rows of each extra column (group codes, term columns)
    inverse : (n,) index of each original row's distinct row
    """

    y: np.ndarray
    weights: np.ndarray
    offset: np.ndarray
    X: np.ndarray
    columns: list[np.ndarray]
    inverse: np.ndarray


def aggregate_rows(y, weights, offset, X, columns: list[np.ndarray], min_ratio: float = 0.8) -> Aggregated | None:
    """Sum rows with identical predictors into binomial counts.

    Returns None when the weights are not whole numbers (the binomial counts are then
    not defined) or when fewer than ``1 - min_ratio`` of the rows would be saved.
    """
    y = np.asarray(y, float)
    w = np.asarray(weights, float)
    if np.any(w != np.round(w)) or np.any(w < 0):
        return None
    m = w
    k = np.round(m * y)
    if np.any(np.abs(k - m * y) > 1e-8 * np.maximum(m, 1.0)):
        return None
    n = y.shape[0]
    keycols = [X[:, j] for j in range(X.shape[1])] + [np.asarray(offset, float)]
    keycols += [np.asarray(c) for c in columns]
    # the column most likely to have too many distinct values first (a strided sample decides
    # the order only; the grouping, and so the result, does not depend on it)
    step = max(1, n // 2000)
    keycols.sort(key=lambda c: -len(pd.unique(np.asarray(c)[::step])))
    inverse = _row_codes(keycols, limit=min_ratio * n)
    if inverse is None:                    # one column alone has too many distinct values
        return None
    nagg = int(inverse.max()) + 1 if n else 0
    if nagg > min_ratio * n:
        return None
    first = np.full(nagg, n, dtype=np.intp)
    np.minimum.at(first, inverse, np.arange(n))
    k_agg = np.bincount(inverse, weights=k, minlength=nagg)
    m_agg = np.bincount(inverse, weights=m, minlength=nagg)
    keep = m_agg > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        y_agg = np.where(keep, k_agg / np.where(keep, m_agg, 1.0), 0.0)
    return Aggregated(
        y=y_agg, weights=m_agg, offset=np.asarray(offset, float)[first], X=X[first],
        columns=[np.asarray(c)[first] for c in columns], inverse=inverse,
    )


def _row_codes(cols: list[np.ndarray], limit: float = np.inf) -> np.ndarray | None:
    """Integer code of each row's combination of values (hash-based, O(n)); None as soon as
    one column has more than ``limit`` distinct values (a row covariate: nothing to save)."""
    key = np.zeros(cols[0].shape[0], dtype=np.int64)
    card = 1
    for c in cols:
        codes, uniq = pd.factorize(c, sort=False)
        if len(uniq) > limit:
            return None
        k = max(len(uniq), 1)
        if card * k >= 2 ** 62:            # re-compress the key before it overflows
            key, u = pd.factorize(key, sort=False)
            key = key.astype(np.int64)
            card = max(len(u), 1)
        key = key * k + codes
        card *= k
    return pd.factorize(key, sort=False)[0]

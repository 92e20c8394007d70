"""A plain dense factor of ``A = Lambda' Z' W Z Lambda + I``: the reference for the sparse one.

It forms the whole q x q matrix, so it is only for small models: the tests check
:class:`glmmlite.sparse_cholesky.SparseBlockedCholesky` against it (same interface), and
``BlockedLaplace(..., dense=True)`` evaluates the deviance and gradient with it.
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import cho_solve, cholesky

from .modelframe import RandomTerm
from .term_blocks import TermBlocks


class DenseCholesky:
    """Dense Cholesky factor and inverse of A (same methods as SparseBlockedCholesky)."""

    def __init__(self, blocks: TermBlocks, W: np.ndarray):
        n = W.shape[0]
        q = int(blocks.starts[-1])
        M = np.zeros((n, q))
        rows = np.arange(n)
        for V, cols in zip(blocks.V, blocks.cols):
            for a in range(V.shape[1]):
                M[rows, cols[:, a]] += V[:, a]
        self.M = M
        self.blocks = blocks
        A = M.T @ (M * W[:, None]) + np.eye(q)
        self.L = cholesky(A, lower=True)
        self.logdet = 2.0 * float(np.sum(np.log(np.diag(self.L))))
        self.q = q
        self._inv = None

    def solve(self, r: np.ndarray) -> np.ndarray:
        """Solve ``A x = r``."""
        return cho_solve((self.L, True), np.asarray(r, float))

    def inverse(self) -> np.ndarray:
        """The whole ``A^{-1}``."""
        if self._inv is None:
            self._inv = cho_solve((self.L, True), np.eye(self.q))
        return self._inv

    def inverse_blocks(self, t: int, terms: list[RandomTerm]) -> np.ndarray:
        """Diagonal blocks of ``A^{-1}`` for term t: (levels_t, k_t, k_t)."""
        term = terms[t]
        idx = self.blocks.starts[t] + np.arange(term.nlevels * term.k).reshape(-1, term.k)
        return self.inverse()[idx[:, :, None], idx[:, None, :]]

    def row_solves(self) -> tuple[np.ndarray, np.ndarray | None]:
        """``A^{-1} m_i`` on row i's own columns: (n, k1) for the leading term and (n, R2)
        for the others (None if there are none)."""
        X = self.M @ self.inverse()                                         # (n, q): row i = (A^{-1} m_i)'
        cols = self.blocks.cols
        rows = np.arange(X.shape[0])[:, None]
        Z1 = X[rows, cols[0]]
        Z2 = np.hstack([X[rows, c] for c in cols[1:]]) if len(cols) > 1 else None
        return Z1, Z2

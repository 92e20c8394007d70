"""The rows' view of ``Z Lambda(theta)``: each term's entries ``V_t = X_t T_t`` by row.

``Z Lambda`` has, in row i, the entries ``V_t[i, :]`` in the columns of level
``codes_t[i]`` of term t (the k columns of a level adjacent, terms one after another, as
in lme4).  :class:`TermBlocks` applies it and its transpose without forming it.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .modelframe import RandomTerm
from .remat import ThetaLayout


class TermBlocks:
    """``Z Lambda`` at one theta, stored as the per-row entries of each term.

    Attributes
    ----------
    V : list of (n, k_t) arrays, the entries of row i in the columns of its level
    sizes : list of int, ``levels_t * k_t``
    starts : (T + 1,) int, where each term's columns start in u
    """

    def __init__(self, terms: list[RandomTerm], layout: ThetaLayout, theta: np.ndarray,
                 index: "TermBlocks | None" = None):
        self.terms = terms
        self.V = [t.X @ T for t, T in zip(terms, layout.factors(theta))]
        self.sizes = [t.nlevels * t.k for t in terms]
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)]).astype(int)
        self._cols = None if index is None else index._cols
        self._index = None if index is None else index._index       # (indices, indptr) of M
        self._M = None

    @property
    def cols(self) -> list[np.ndarray]:
        """Per term, the (n, k_t) column indices (in u) of each row's entries."""
        if self._cols is None:
            self._cols = [self.starts[t] + term.codes[:, None] * term.k + np.arange(term.k)[None, :]
                          for t, term in enumerate(self.terms)]
        return self._cols

    @property
    def M(self) -> sp.csr_matrix:
        """``Z Lambda`` as a sparse n x q matrix (built once per theta)."""
        if self._M is None:
            n = self.V[0].shape[0]
            data = np.hstack(self.V) if len(self.V) > 1 else self.V[0]
            if self._index is None:
                idx = np.hstack(self.cols) if len(self.cols) > 1 else self.cols[0]
                R = idx.shape[1]
                self._index = (idx.ravel().astype(np.int32 if self.starts[-1] < 2 ** 31 else np.int64),
                               np.arange(0, n * R + 1, R, dtype=np.int64 if n * R >= 2 ** 31 else np.int32))
            self._M = sp.csr_matrix((data.ravel(), *self._index), shape=(n, int(self.starts[-1])))
        return self._M

    def times(self, u: np.ndarray) -> np.ndarray:
        """``Z Lambda u`` (n,), or (n, P) for a (q, P) matrix u."""
        return self.M @ u

    def t_times(self, s: np.ndarray) -> np.ndarray:
        """``Lambda' Z' s`` (q,), or (q, P) for an (n, P) matrix s."""
        return self.M.T @ s

    def diag_blocks(self, t: int, W: np.ndarray) -> np.ndarray:
        """``sum_i W_i v_i v_i'`` per level of term t: shape (levels, k, k)."""
        term, V = self.terms[t], self.V[t]
        k = term.k
        out = np.empty((term.nlevels, k, k))
        WV = V * W[:, None]
        for a in range(k):
            for b in range(a + 1):
                out[:, a, b] = np.bincount(term.codes, weights=WV[:, a] * V[:, b], minlength=term.nlevels)
                out[:, b, a] = out[:, a, b]
        return out

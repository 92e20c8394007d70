"""Step 3 of the pipeline: the random-effects terms, Z and the relative covariance factor Lambda(theta).

For a term with ``k`` columns and ``J`` levels, ``theta`` holds the ``k(k+1)/2``
lower-triangle entries (column by column) of a ``k x k`` factor ``T``; the term's
block of ``Lambda`` is ``I_J (x) T`` and the covariance of its random effects is
``T T'`` (the binomial scale parameter is 1).  Diagonal entries of ``T`` are bounded
below by 0 (lme4's convention); we optimise without that bound and flip column signs
at the end, since ``T T'`` does not change when a column of ``T`` changes sign.

The columns of ``Z`` (and the entries of ``u``) are ordered term by term, and within
a term level by level, the ``k`` columns of a level adjacent: as in lme4.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .modelframe import RandomTerm


@dataclass(frozen=True)
class ThetaLayout:
    """Where each term's parameters sit in ``theta``.

    Attributes
    ----------
    ks : tuple of int
        Number of columns of each term.
    offsets : tuple of int
        Start of each term's block in theta.
    """

    ks: tuple[int, ...]
    offsets: tuple[int, ...]

    @classmethod
    def from_terms(cls, terms: list[RandomTerm]) -> "ThetaLayout":
        ks = tuple(t.k for t in terms)
        offs, pos = [], 0
        for k in ks:
            offs.append(pos)
            pos += k * (k + 1) // 2
        return cls(ks, tuple(offs))

    @property
    def size(self) -> int:
        return sum(k * (k + 1) // 2 for k in self.ks)

    def term_slice(self, t: int) -> slice:
        k = self.ks[t]
        return slice(self.offsets[t], self.offsets[t] + k * (k + 1) // 2)

    def diagonal_mask(self) -> np.ndarray:
        """True where theta holds a diagonal entry of some T (those have lower bound 0)."""
        mask = np.zeros(self.size, bool)
        for t, k in enumerate(self.ks):
            rows, cols = lower_indices(k)
            mask[self.offsets[t]:self.offsets[t] + len(rows)] = rows == cols
        return mask

    def lower(self) -> np.ndarray:
        """lme4's lower bounds: 0 for diagonal entries, -inf for the others."""
        return np.where(self.diagonal_mask(), 0.0, -np.inf)

    def start(self) -> np.ndarray:
        """lme4's start: 1 on the diagonal, 0 off it."""
        return self.diagonal_mask().astype(float)

    def factors(self, theta: np.ndarray) -> list[np.ndarray]:
        """The lower-triangular factors ``T`` of every term."""
        out = []
        for t, k in enumerate(self.ks):
            T = np.zeros((k, k))
            rows, cols = lower_indices(k)
            T[rows, cols] = theta[self.term_slice(t)]
            out.append(T)
        return out

    def normalize(self, theta: np.ndarray) -> np.ndarray:
        """Flip the sign of every column of ``T`` whose diagonal entry is negative."""
        theta = np.array(theta, float)
        for t, k in enumerate(self.ks):
            T = self.factors(theta)[t]
            signs = np.where(np.diag(T) < 0, -1.0, 1.0)
            T = T * signs[None, :]
            rows, cols = lower_indices(k)
            theta[self.term_slice(t)] = T[rows, cols]
        return theta

    def column_signs(self, theta: np.ndarray) -> list[np.ndarray]:
        """Per term, the sign (+1/-1) of each column's diagonal entry (used to flip u)."""
        return [np.where(np.diag(T) < 0, -1.0, 1.0) for T in self.factors(theta)]


def lower_indices(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the lower triangle of a k x k matrix, column-wise (R's order)."""
    rows, cols = [], []
    for c in range(k):
        for r in range(c, k):
            rows.append(r)
            cols.append(c)
    return np.array(rows, int), np.array(cols, int)


def theta_names(terms: list[RandomTerm]) -> list[str]:
    """lme4's names of theta: ``id.(Intercept)``, ``g.x.(Intercept)`` (row.col), ..."""
    names = []
    for term in terms:
        rows, cols = lower_indices(term.k)
        for r, c in zip(rows, cols):
            if r == c:
                names.append(f"{term.group}.{term.names[r]}")
            else:
                names.append(f"{term.group}.{term.names[r]}.{term.names[c]}")
    return names


# ------------------------------------------------------ sd / correlation scale
def _sdcor_positions(k: int) -> list[tuple[int, int]]:
    """lme4's order of a k x k term's parameters on the sd/cor scale: the lower triangle by
    columns, an SD on the diagonal and a correlation below it (``sd_1, cor_21, cor_31, sd_2,
    cor_32, sd_3``), the order of theta and of lme4's ``confint`` and ``profile``."""
    return [(int(r), int(c)) for r, c in zip(*lower_indices(k))]


def theta_to_sdcor(theta: np.ndarray, layout: ThetaLayout) -> np.ndarray:
    """Map theta to lme4's profile scale: per term, SDs and correlations in the order of
    :func:`_sdcor_positions` (named ``sd_x|g`` / ``cor_x.y|g`` by :func:`sdcor_names`)."""
    out = []
    for T in layout.factors(np.asarray(theta, float)):
        S = T @ T.T
        sd = np.sqrt(np.diag(S))
        for r, c in _sdcor_positions(len(sd)):
            if r == c:
                out.append(sd[c])
            else:
                den = sd[r] * sd[c]
                out.append(S[r, c] / den if den > 0 else 0.0)
    return np.array(out)


def sdcor_to_theta(sdcor: np.ndarray, layout: ThetaLayout) -> np.ndarray:
    """Inverse of :func:`theta_to_sdcor` (the Cholesky factor of the covariance)."""
    theta = np.zeros(layout.size)
    pos = 0
    for t, k in enumerate(layout.ks):
        sd = np.zeros(k)
        R = np.eye(k)
        for r, c in _sdcor_positions(k):
            if r == c:
                sd[c] = sdcor[pos]
            else:
                R[r, c] = R[c, r] = sdcor[pos]
            pos += 1
        S = R * np.outer(sd, sd)
        T = _chol_psd(S)
        rows, cols = lower_indices(k)
        theta[layout.term_slice(t)] = T[rows, cols]
    return theta


def _chol_psd(S: np.ndarray) -> np.ndarray:
    """Lower Cholesky factor of a positive semi-definite matrix (zero columns where singular)."""
    k = S.shape[0]
    L = np.zeros((k, k))
    for j in range(k):
        d = S[j, j] - L[j, :j] @ L[j, :j]
        if d <= 1e-300:
            continue
        L[j, j] = np.sqrt(d)
        for i in range(j + 1, k):
            L[i, j] = (S[i, j] - L[i, :j] @ L[j, :j]) / L[j, j]
    return L


def sdcor_names(terms: list[RandomTerm]) -> list[str]:
    """lme4's ``oldNames = FALSE`` names, in lme4's order: ``sd_(Intercept)|g``,
    ``cor_x.(Intercept)|g``, ``sd_x|g``."""
    names = []
    for term in terms:
        for r, c in _sdcor_positions(term.k):
            if r == c:
                names.append(f"sd_{term.names[c]}|{term.group}")
            else:
                names.append(f"cor_{term.names[r]}.{term.names[c]}|{term.group}")
    return names


def sdcor_bounds(layout: ThetaLayout) -> tuple[np.ndarray, np.ndarray]:
    """Bounds on the sd/cor scale: SDs in [0, inf), correlations in [-1, 1]."""
    lo, hi = [], []
    for k in layout.ks:
        for r, c in _sdcor_positions(k):
            lo.append(0.0 if r == c else -1.0)
            hi.append(np.inf if r == c else 1.0)
    return np.array(lo), np.array(hi)


# ------------------------------------------------------------------ Z Lambda
def z_lambda(terms: list[RandomTerm], layout: ThetaLayout, theta: np.ndarray) -> sp.csr_matrix:
    """The sparse n x q matrix ``Z Lambda(theta)``."""
    n = terms[0].codes.shape[0]
    blocks = []
    for term, T in zip(terms, layout.factors(theta)):
        V = term.X @ T  # (n, k): row i's entries in the columns of its level
        k = term.k
        cols = term.codes[:, None] * k + np.arange(k)[None, :]
        rows = np.repeat(np.arange(n), k)
        blocks.append(sp.csr_matrix((V.ravel(), (rows, cols.ravel())), shape=(n, term.nlevels * k)))
    return sp.hstack(blocks, format="csr")


def b_from_u(u: np.ndarray, terms: list[RandomTerm], layout: ThetaLayout, theta: np.ndarray) -> list[np.ndarray]:
    """The random effects ``b = Lambda u`` per term as (levels x k) arrays."""
    out, pos = [], 0
    for term, T in zip(terms, layout.factors(theta)):
        q = term.nlevels * term.k
        U = u[pos:pos + q].reshape(term.nlevels, term.k)
        out.append(U @ T.T)
        pos += q
    return out

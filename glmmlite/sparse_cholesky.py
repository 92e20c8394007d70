"""The Cholesky factor of ``A = Lambda' Z' W Z Lambda + I`` from the nonzeros of Z only.

The leading term (lme4's order: the one with the most levels) gives a block-diagonal
``A11`` (one ``k1 x k1`` block per level).  The other terms' columns (``q2`` of them) are
eliminated through the Schur complement

    S = A22 - A21 A11^{-1} A12 = A22 - G A12,   G = A21 A11^{-1},

where ``A21`` (q2 x q1) is sparse: level s of the leading term touches only the columns
its own rows touch (20 items for a student who answered 20 items).  ``A21`` and ``G`` are
kept as lists of those (column, level) pairs, ``S`` is accumulated with a sparse
product, and only ``S`` itself is dense (it is dense after fill-in for crossed designs;
for nested ones it is as small as the outer factor).  Nothing of size
(levels of one factor) x (levels of another) is ever formed.

The analytic gradient needs ``A^{-1}`` on the pattern of ``A`` only (a selected
inverse): ``S^{-1}`` (computed in place of the factor of S), ``A^{-1}_{21} = -S^{-1} G``
on the pattern of ``A21``, and the diagonal blocks ``A11^{-1} + G' S^{-1} G`` of the
leading term; each is accumulated over pairs of nonzeros that share a level.

All dense LAPACK calls work in place on Fortran-ordered arrays (no copies of S).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.linalg import lapack

from .errors import GlmmliteError
from .modelframe import RandomTerm
from .term_blocks import TermBlocks

#: largest dense Schur complement (q2 x q2 doubles) accepted: 2.5 GB
MAX_DENSE_Q2 = 18_000
#: pairs of nonzeros handled at once when accumulating the selected inverse
PAIR_CHUNK = 4_000_000
#: pairs of nonzeros whose indices are kept between evaluations
PAIR_CACHE = 24_000_000
#: up to this many dense Schur columns (and q2 * q1 cells) the cross products G A12 and
#: S^{-1} G are dense matrix products (q2^2 q1 flops: 5 ms for 160 x 5,000), cheaper than
#: going through the pairs of nonzeros (about a million for 5,000 students x 20 items,
#: whatever the number of items)
GEMM_MAX_Q2 = 160
GEMM_MAX_CELLS = 20_000_000
#: a factor that has served this many solves with S is inverted: two triangular solves read the
#: q2 x q2 factor twice, a product with S^{-1} reads half of it once (4x cheaper at q2 = 2,000;
#: the inversion costs about 25 solves).  A factor serving as a PCG preconditioner (as the one
#: at u = 0 in the first PIRLS) gets its inverse in float32 (``spotri``, half the time; a
#: preconditioner needs no more), one that serves exact solves in float64, in place
INVERT_AFTER_SOLVES = 16
#: from this many dense Schur columns on, a factor asked for a single-precision inverse
#: (``single_inverse``, set for the optimizer's search and the final Hessian) computes S^{-1} by ``spotri`` on a
#: float32 copy of the factor: half the time of ``dpotri`` (0.05 s against 0.10 s at 2,000
#: columns, 2 threads), entries to a relative 4e-7 of the largest (S is well conditioned:
#: its eigenvalues lie in [1, 1 + theta^2 max(counts) / 4]), and the factor itself is kept
SINGLE_INVERSE_MIN_Q2 = 300


class FactorTooLargeError(GlmmliteError):
    """The dense part of the factor would not fit in memory."""


def _spd_blocks(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverses and log-determinants of a stack of small SPD matrices (J, k, k)."""
    k = A.shape[1]
    if k == 1:
        return 1.0 / A, np.log(A[:, 0, 0])
    if k == 2:
        a, b, d = A[:, 0, 0], A[:, 1, 0], A[:, 1, 1]
        det = a * d - b * b
        inv = np.empty_like(A)
        inv[:, 0, 0] = d / det
        inv[:, 1, 1] = a / det
        inv[:, 0, 1] = inv[:, 1, 0] = -b / det
        return inv, np.log(det)
    L = np.linalg.cholesky(A)
    Li = np.linalg.inv(L)
    return np.einsum("jca,jcb->jab", Li, Li), 2.0 * np.sum(np.log(np.diagonal(L, axis1=1, axis2=2)), axis=1)


class CrossPattern:
    """Where the nonzeros of ``A21`` and ``A22`` sit: fixed for a model, built once.

    Attributes
    ----------
    k1, J1, q1 : the leading term's columns, levels and ``J1 * k1``
    q2 : number of columns of the other terms
    col2 : (n, R2) column (in 0..q2-1) of each row's entries of the other terms
    p21 : (n, R2) index of the (column, level) pair of each of those entries
    pair_j, pair_s : (npairs,) column and leading level of each pair
    """

    def __init__(self, terms: list[RandomTerm]):
        t0 = terms[0]
        self.k1, self.J1 = t0.k, t0.nlevels
        self.q1 = self.J1 * self.k1
        self.codes0 = np.asarray(t0.codes, np.intp)
        n = self.codes0.shape[0]
        sizes = [t.nlevels * t.k for t in terms[1:]]
        self.q2 = int(sum(sizes))
        self.term_cols = []          # per term >= 1: the slice of its entries in R2
        if not self.q2:
            return
        if self.q2 > MAX_DENSE_Q2:
            raise FactorTooLargeError(
                f"the random-effects terms after the first have {self.q2} columns in all; their dense "
                f"Schur complement ({self.q2} x {self.q2}) would need "
                f"{8 * self.q2 ** 2 / 1e9:.1f} GB. glmmlite handles at most {MAX_DENSE_Q2} such columns (the "
                "factor with the most levels is already eliminated first): use fewer levels or a "
                "simpler random-effects structure.")
        cols, off, pos = [], 0, 0
        for t, sz in zip(terms[1:], sizes):
            cols.append(off + np.asarray(t.codes, np.intp)[:, None] * t.k + np.arange(t.k)[None, :])
            self.term_cols.append(slice(pos, pos + t.k))
            off += sz
            pos += t.k
        self.col2 = np.hstack(cols)                                     # (n, R2)
        self.R2 = self.col2.shape[1]
        q2 = self.q2
        # (column, level) pairs of A21, sorted by column then level (CSR order)
        key = self.col2 * self.J1 + self.codes0[:, None]
        uniq, inv = np.unique(key.ravel(), return_inverse=True)
        self.p21 = inv.reshape(n, self.R2)
        self.pair_j = uniq // self.J1
        self.pair_s = uniq % self.J1
        self.npairs = uniq.size
        k1 = self.k1
        counts = np.bincount(self.pair_j, minlength=q2) * k1
        self.a21_indptr = np.concatenate([[0], np.cumsum(counts)])
        self.a21_indices = (self.pair_s[:, None] * k1 + np.arange(k1)[None, :]).ravel()
        # A22's pattern: entries (col2[i, e], col2[i, f]) of each row, as flat Fortran indices
        full = self.col2[:, :, None] + self.col2[:, None, :] * q2            # (n, R2, R2)
        u22, inv22 = np.unique(full.ravel(), return_inverse=True)
        self.a22_flat = u22
        self.p22 = inv22.reshape(full.shape)
        lo = np.maximum(self.col2[:, :, None], self.col2[:, None, :])
        hi = np.minimum(self.col2[:, :, None], self.col2[:, None, :])
        self.row_lower22 = lo + hi * q2                                       # lower-triangle flat index
        # small dense part: A21 and G as dense (q2, q1) arrays, filled through these indices
        self.dense_cross = q2 <= GEMM_MAX_Q2 and q2 * self.q1 <= GEMM_MAX_CELLS
        self.a21_dense_idx = ((self.pair_j[:, None] * self.q1 + self.pair_s[:, None] * k1
                               + np.arange(k1)[None, :]).ravel() if self.dense_cross else None)
        # pairs grouped by level, for the pair-of-pairs sums
        self.by_level = np.argsort(self.pair_s, kind="stable")
        n_s = np.bincount(self.pair_s, minlength=self.J1)
        self.level_start = np.concatenate([[0], np.cumsum(n_s)])
        self.level_size = n_s
        self.npp = int(np.sum(n_s * (n_s + 1) // 2))                          # pairs of pairs, j_a >= j_b
        self._pp_cache = None

    def pair_pairs(self):
        """Yield, chunk by chunk, the pairs ``(pa, pb)`` of A21-pairs that share a level with
        ``pair_j[pa] >= pair_j[pb]`` (each unordered pair once), as
        ``(pa, pb, half, flat, inv)``: ``half`` is 0.5 where pa == pb and 1 elsewhere, ``flat``
        the distinct lower-triangle positions ``j_a + j_b q2`` of the chunk in a q2 x q2
        Fortran array and ``inv`` each pair's index into ``flat``."""
        if self._pp_cache is not None:
            yield from self._pp_cache
            return
        out = []
        cache = self.npp <= PAIR_CACHE
        size = self.level_size
        per_level = size * (size + 1) // 2                       # pairs with j_a >= j_b per level
        cum = np.cumsum(per_level)
        cuts = np.searchsorted(cum, np.arange(PAIR_CHUNK, cum[-1] if cum.size else 0, PAIR_CHUNK), side="right")
        for levels in np.split(np.arange(self.J1), cuts):
            pa, pb = self._lower_pairs(levels)
            if pa.size == 0:
                continue
            ja, jb = self.pair_j[pa], self.pair_j[pb]
            half = np.where(pa == pb, 0.5, 1.0)
            flat, inv = _distinct(ja + jb * self.q2, self.q2 * self.q2)
            small = self.npairs < 2 ** 31
            item = (pa.astype(np.int32) if small else pa, pb.astype(np.int32) if small else pb, half, flat,
                    inv.astype(np.int32) if flat.size < 2 ** 31 else inv)
            if cache:
                out.append(item)
            yield item
        if cache:
            self._pp_cache = out

    def _lower_pairs(self, levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The pairs ``(pa, pb)`` of A21-pairs of the same level with ``j_a >= j_b``, for
        these levels.  Within a level the pairs sit in increasing column order in
        ``by_level``, so they are the lower triangle of the level's block: one
        ``tril_indices`` template per distinct level size."""
        sizes = self.level_size[levels]
        pas, pbs = [], []
        for c in np.unique(sizes):
            if c == 0:
                continue
            ta, tb = np.tril_indices(int(c))
            base = self.level_start[levels[sizes == c]][:, None]
            pas.append(self.by_level[(base + ta[None, :]).ravel()])
            pbs.append(self.by_level[(base + tb[None, :]).ravel()])
        if not pas:
            return np.empty(0, np.intp), np.empty(0, np.intp)
        return np.concatenate(pas), np.concatenate(pbs)


#: distinct positions are found through a bitmap of the q2 x q2 array up to this many cells
BITMAP_CELLS = 2 ** 25


def _distinct(keys: np.ndarray, ncells: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True)`` for keys in ``[0, ncells)``: by a bitmap
    (no sort) when the array is small enough, else by sorting."""
    if ncells > BITMAP_CELLS:
        return np.unique(keys, return_inverse=True)
    seen = np.zeros(ncells, bool)
    seen[keys] = True
    flat = np.flatnonzero(seen)
    rank = np.empty(ncells, np.int32)
    rank[flat] = np.arange(flat.size, dtype=np.int32)
    return flat, rank[keys]


class SparseBlockedCholesky:
    """The factor of ``A`` at one (theta, W), with solves and a selected inverse.

    Attributes
    ----------
    logdet : float, ``log |A|`` (NaN for a preconditioner)
    q1, q2 : sizes of the block-diagonal part and of the dense Schur part

    With ``schur_from`` (an exact factor at other parameters) the blocks ``A11`` and
    ``A21`` are exact but S is that factor's: a cheap preconditioner for
    :func:`glmmlite.pcg.pcg` (no dense work).
    """

    def __init__(self, pattern: CrossPattern, blocks: TermBlocks, W: np.ndarray,
                 schur_from: "SparseBlockedCholesky | None" = None):
        P = self.pattern = pattern
        self.k1, self.q1, self.q2 = P.k1, P.q1, P.q2
        self.V0 = blocks.V[0]
        A11 = blocks.diag_blocks(0, W)
        A11[:, np.arange(P.k1), np.arange(P.k1)] += 1.0
        self.A11inv, ld = _spd_blocks(A11)
        self.logdet = float(np.sum(ld))
        self._sel = None
        self._Sinv = None                # S^{-1} (lower triangle): L22 itself once inverted in place
        self.single_inverse = False      # see SINGLE_INVERSE_MIN_Q2
        self._schur = None               # the exact factor whose S a preconditioner borrows (never self:
                                         # a reference cycle would keep each dense S alive until gc runs)
        if not P.q2:
            return
        k1, q2 = P.k1, P.q2
        V2 = np.hstack(blocks.V[1:]) if len(blocks.V) > 2 else blocks.V[1]
        self.V2 = V2
        WV0 = self.V0 * W[:, None]
        vals = (V2[:, :, None] * WV0[:, None, :]).ravel()
        idx = (P.p21[:, :, None] * k1 + np.arange(k1)[None, None, :]).ravel()
        self.A21v = np.bincount(idx, weights=vals, minlength=P.npairs * k1).reshape(P.npairs, k1)
        if k1 == 1:
            self.G = self.A21v * self.A11inv[P.pair_s, 0, :]
        else:
            self.G = np.einsum("pa,pab->pb", self.A21v, self.A11inv[P.pair_s])
        shape = (q2, P.q1)
        self.A21 = sp.csr_matrix((self.A21v.ravel(), P.a21_indices, P.a21_indptr), shape=shape)
        self.Gm = sp.csr_matrix((self.G.ravel(), P.a21_indices, P.a21_indptr), shape=shape)
        if schur_from is not None:
            self._schur = schur_from._schur or schur_from
            self.logdet = float("nan")
            return
        # S = A22 + I - G A12: its lower triangle, dense in Fortran order
        S = np.zeros((q2, q2), order="F")
        Sf = S.ravel(order="F")
        w22 = (W[:, None, None] * V2[:, :, None] * V2[:, None, :]).ravel()
        Sf[P.a22_flat] = np.bincount(P.p22.ravel(), weights=w22, minlength=P.a22_flat.size)
        Sf[::q2 + 1] += 1.0
        G, A21v = self.G, self.A21v
        self._Gd = None
        if P.dense_cross:                                 # G A12 as one dense product
            self._Gd = self._dense(G)
            S -= self._Gd @ self._dense(A21v).T
        else:
            for pa, pb, _half, flat, inv in P.pair_pairs():
                vals = G[pa, 0] * A21v[pb, 0]
                for a in range(1, k1):
                    vals += G[pa, a] * A21v[pb, a]
                Sf[flat] -= np.bincount(inv, weights=vals, minlength=flat.size)
        L, info = lapack.dpotrf(S, lower=1, clean=0, overwrite_a=1)
        if info != 0:
            raise np.linalg.LinAlgError(f"Schur complement not positive definite (dpotrf info {info})")
        self.L22 = L                     # lower factor; replaced by S^{-1} (lower) once inverted
        self._inverted = False
        self._solves = 0
        self._precond_solves = 0
        self.logdet += 2.0 * float(np.sum(np.log(np.diagonal(L))))

    def _dense(self, vals: np.ndarray) -> np.ndarray:
        """A (q2, q1) dense array with ``vals`` (npairs, k1) on the pattern of A21."""
        P = self.pattern
        out = np.zeros(P.q2 * P.q1)
        out[P.a21_dense_idx] = vals.ravel()
        return out.reshape(P.q2, P.q1)

    # ----------------------------------------------------------------- solves
    def _l11(self, r1: np.ndarray) -> np.ndarray:
        if r1.ndim == 2:                                   # several right-hand sides (q1, P)
            if self.k1 == 1:
                return r1 * self.A11inv[:, 0, :]
            R = r1.reshape(-1, self.k1, r1.shape[1])
            return np.einsum("jab,jbp->jap", self.A11inv, R).reshape(r1.shape)
        R = r1.reshape(-1, self.k1)
        if self.k1 == 1:
            return R[:, 0] * self.A11inv[:, 0, 0]
        return np.einsum("jab,jb->ja", self.A11inv, R).ravel()

    def _s_solve(self, r2: np.ndarray) -> np.ndarray:
        if self._schur is not None:
            return self._schur._s_precondition(r2)
        if self._inverted:
            from scipy.linalg import blas
            if r2.ndim == 2:
                return blas.dsymm(1.0, self.L22, r2, side=0, lower=1)
            return blas.dsymv(1.0, self.L22, r2, lower=1)
        self._solves += 1
        if self._solves > INVERT_AFTER_SOLVES:           # a factor in long use: S^{-1} once,
            self._invert()                               # then one dsymv a solve
            return self._s_solve(r2)
        x, info = lapack.dpotrs(self.L22, r2, lower=1)
        return x

    def _s_precondition(self, r2: np.ndarray) -> np.ndarray:
        """``S^{-1} r2`` for a preconditioner borrowing this factor's S: by the
        single-precision inverse where there is one (one product with half the bytes),
        else as :meth:`_s_solve`."""
        Sinv = self._Sinv
        if Sinv is None and not self._inverted:
            self._precond_solves += 1
            if self._precond_solves <= INVERT_AFTER_SOLVES:
                return lapack.dpotrs(self.L22, r2, lower=1)[0]
            Sinv = self._Sinv = self._single_inverse()      # in long use: S^{-1} in float32
        if Sinv is None or Sinv.dtype != np.float32:
            return self._s_solve(r2)
        from scipy.linalg import blas
        r = r2.astype(np.float32)
        if r.ndim == 2:
            return blas.ssymm(1.0, Sinv, r, side=0, lower=1).astype(float)
        return blas.ssymv(1.0, Sinv, r, lower=1).astype(float)

    def _invert(self) -> None:
        """Replace the factor of S by S^{-1} (lower triangle), in place."""
        if self._inverted:
            return
        Sinv, info = lapack.dpotri(self.L22, lower=1, overwrite_c=1)
        if info != 0:
            raise np.linalg.LinAlgError(f"dpotri info {info}")
        self.L22 = Sinv
        self._inverted = True

    def solve(self, r: np.ndarray) -> np.ndarray:
        """Solve ``A x = r`` for a vector r (q,) or several, (q, P)."""
        r = np.asarray(r, float)
        if not self.q2:
            return self._l11(r)
        t1 = self._l11(r[:self.q1])
        x2 = self._s_solve(r[self.q1:] - self.A21 @ t1)
        x1 = t1 - self.Gm.T @ x2
        return np.concatenate([x1, x2])

    # ------------------------------------------------------- selected inverse
    def _schur_inverse(self) -> np.ndarray:
        """S^{-1} (lower triangle, Fortran order): in place of the factor, or, for a
        ``single_inverse`` factor (the backend sets it where the dense part has at least
        SINGLE_INVERSE_MIN_Q2 columns), in float32 beside it (the factor stays for solves and
        for an exact inverse later)."""
        single = self.single_inverse and not self._inverted
        if self._Sinv is not None and (single or self._Sinv.dtype == np.float64):
            return self._Sinv
        if single:
            self._Sinv = self._single_inverse()
        else:
            self._invert()
            self._Sinv = self.L22
        return self._Sinv

    def _single_inverse(self) -> np.ndarray:
        """S^{-1} (lower triangle) in float32 from a float32 copy of the factor."""
        Sinv, info = lapack.spotri(self.L22.astype(np.float32, order="F"), lower=1, overwrite_c=1)
        if info != 0:
            raise np.linalg.LinAlgError(f"spotri info {info}")
        return Sinv

    def exact_inverse(self) -> None:
        """Drop a single-precision selected inverse, so that the next use computes it in float64."""
        self.single_inverse = False
        if self._Sinv is not None and self._Sinv.dtype != np.float64:
            self._Sinv = None
            self._sel = None

    def _selected(self):
        """``(Ainv11, K)``: diagonal blocks of ``A^{-1}`` for the leading term and
        ``K = S^{-1} G`` on the pattern of A21 (``A^{-1}_{21} = -K`` there), from
        :meth:`_schur_inverse`."""
        if self._sel is not None:
            return self._sel
        if self._schur is not None:
            raise ValueError("a preconditioner has no inverse")
        P = self.pattern
        if not P.q2:
            self._sel = (self.A11inv, None)
            return self._sel
        Sl = self._schur_inverse()
        Sf = Sl.ravel(order="F")
        k1 = self.k1
        K = np.zeros((P.npairs, k1))
        G = self.G
        if self._Gd is not None:                          # S^{-1} G as one dense product
            Sinv = np.tril(Sl) + np.tril(Sl, -1).T
            K = (Sinv @ self._Gd).ravel()[P.a21_dense_idx].reshape(P.npairs, k1)
        else:
            for pa, pb, half, flat, inv in P.pair_pairs():
                sv = Sf[flat][inv] * half                  # S^{-1}[j_a, j_b] (halved on the diagonal)
                for b in range(k1):
                    K[:, b] += (np.bincount(pa, weights=sv * G[pb, b], minlength=P.npairs)
                                + np.bincount(pb, weights=sv * G[pa, b], minlength=P.npairs))
        H = np.zeros((P.J1, k1, k1))
        for a in range(k1):
            for b in range(k1):
                H[:, a, b] = np.bincount(P.pair_s, weights=self.G[:, a] * K[:, b], minlength=P.J1)
        self._sel = (self.A11inv + 0.5 * (H + np.transpose(H, (0, 2, 1))), K)
        return self._sel

    def inverse_blocks(self, t: int, terms: list[RandomTerm]) -> np.ndarray:
        """Diagonal blocks of ``A^{-1}`` for term t: (levels_t, k_t, k_t)."""
        Ainv11, _ = self._selected()
        if t == 0:
            return Ainv11
        start = sum(tt.nlevels * tt.k for tt in terms[1:t])
        term = terms[t]
        k = term.k
        idx = start + np.arange(term.nlevels * k).reshape(-1, k)
        S = self._schur_inverse()
        lo = np.maximum(idx[:, :, None], idx[:, None, :])
        hi = np.minimum(idx[:, :, None], idx[:, None, :])
        return S.ravel(order="F")[lo + hi * self.q2]

    def row_solves(self) -> tuple[np.ndarray, np.ndarray | None]:
        """For every row i, ``A^{-1} m_i`` on the row's own columns (m_i = row i of Z Lambda):
        ``(Z1, Z2)`` of shapes (n, k1) and (n, R2) (None without other terms)."""
        Ainv11, K = self._selected()
        P = self.pattern
        V0 = self.V0
        codes0 = P.codes0
        if self.k1 == 1:
            Z1 = (Ainv11[codes0, 0, 0] * V0[:, 0])[:, None]
        else:
            Z1 = np.einsum("iab,ib->ia", Ainv11[codes0], V0)
        if not P.q2:
            return Z1, None
        V2 = self.V2
        Kr = K[P.p21]                                                         # (n, R2, k1)
        Z1 = Z1 - np.einsum("iea,ie->ia", Kr, V2)
        Sf = self._schur_inverse().ravel(order="F")
        Z2 = np.einsum("ief,if->ie", Sf[P.row_lower22], V2) - np.einsum("iea,ia->ie", Kr, V0)
        return Z1, Z2

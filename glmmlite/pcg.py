"""Preconditioned conjugate gradients for the PIRLS steps of the sparse path.

Between two evaluations of the deviance the Schur complement of ``A`` changes little,
so the last exact factor (with this step's exact block-diagonal part) is a good
preconditioner: a few matrix-vector products with ``A`` (one pass over the rows each)
replace a dense Cholesky factorization per PIRLS step.  Only the factor at the
conditional modes, whose log-determinant enters the deviance, is computed exactly.
"""
from __future__ import annotations

from typing import Callable

import numpy as np


def pcg(matvec: Callable[[np.ndarray], np.ndarray], b: np.ndarray, precond: Callable[[np.ndarray], np.ndarray],
        rtol: float = 1e-8, maxiter: int = 30, min_rate: float = 0.5) -> tuple[np.ndarray, bool, int]:
    """Solve ``A x = b`` (A symmetric positive definite) by preconditioned CG from x = 0.

    Returns ``(x, converged, iterations)``.  Gives up early (not converged) when the
    residual falls by less than ``min_rate`` per iteration on average after 4 iterations:
    the preconditioner is then too far from A and an exact factor is cheaper.
    """
    bnorm = float(np.sqrt(b @ b))
    x = np.zeros_like(b)
    if bnorm == 0.0:
        return x, True, 0
    r = b.copy()
    z = precond(r)
    p = z.copy()
    rz = float(r @ z)
    for it in range(1, maxiter + 1):
        Ap = matvec(p)
        pAp = float(p @ Ap)
        if not pAp > 0.0:
            return x, False, it
        alpha = rz / pAp
        x += alpha * p
        r -= alpha * Ap
        rnorm = float(np.sqrt(r @ r))
        if rnorm <= rtol * bnorm:
            return x, True, it
        if it >= 4 and rnorm > bnorm * min_rate ** it:
            return x, False, it
        z = precond(r)
        rz_new = float(r @ z)
        p *= rz_new / rz
        p += z
        rz = rz_new
    return x, False, maxiter

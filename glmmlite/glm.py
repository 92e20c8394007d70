"""Starting values: the binomial GLM without random effects, by IRLS."""
from __future__ import annotations

import numpy as np

from .errors import DataError
from .family import Binomial


def glm_irls(y, weights, offset, X, family: Binomial, maxit: int = 50, tol: float = 1e-10) -> np.ndarray:
    """Maximum-likelihood coefficients of the binomial GLM ``y ~ X`` (R's ``glm.fit``).

    Parameters
    ----------
    y, weights, offset : ndarray (n,)
    X : ndarray (n, p)
    family : Binomial

    Returns
    -------
    beta : ndarray (p,)
    """
    y = np.asarray(y, float)
    w = np.asarray(weights, float)
    bernoulli = bool(np.all(w == 1.0) and np.all((y == 0.0) | (y == 1.0)))
    mu = (w * y + 0.5) / (w + 1.0)          # R's binomial mustart
    eta = family.linkfun(mu)
    beta = np.zeros(X.shape[1])
    dev_old = np.inf
    for _ in range(maxit):
        m1 = family.mu_eta(eta)
        var = family.variance(mu)
        W = w * m1 * m1 / var
        z = eta - offset + (y - mu) / m1
        sw = np.sqrt(W)
        A, b = X * sw[:, None], z * sw
        if not (np.all(np.isfinite(A)) and np.all(np.isfinite(b))):
            # LAPACK would print its own complaint on stdout and fail: say what is wrong instead
            raise DataError("the starting values (a binomial GLM without random effects) cannot be "
                            "computed: the working weights or responses are not finite, so some "
                            "predictor, weight or offset is too extreme for double precision; "
                            "rescale the predictors (centre and scale them) and check weights/offset")
        beta_new = _weighted_least_squares(A, b)
        eta = X @ beta_new + offset
        mu = family.linkinv(eta)
        dev = _deviance(y, mu, w, family, bernoulli)
        beta = beta_new
        if abs(dev - dev_old) / (abs(dev) + 0.1) < tol:
            break
        dev_old = dev
    return beta


#: from this many rows on, the weighted least-squares steps use the normal equations
NORMAL_EQUATIONS_MIN_ROWS = 20_000


def _weighted_least_squares(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """argmin ||A beta - b||: by the normal equations ``A'A beta = A'b`` (Cholesky) on many
    rows, where a QR of A (``lstsq``) costs several passes over it; by ``lstsq`` on few rows
    or when ``A'A`` is numerically singular.  These are only starting values: the squared
    condition number of the normal equations does not reach the estimates."""
    n, p = A.shape
    if n >= NORMAL_EQUATIONS_MIN_ROWS and p:
        AtA = A.T @ A
        try:
            L = np.linalg.cholesky(AtA)
            d = np.diag(L)
            if np.min(d) > 1e-7 * np.max(d):
                return np.linalg.solve(L.T, np.linalg.solve(L, A.T @ b))
        except np.linalg.LinAlgError:
            pass
    beta, *_ = np.linalg.lstsq(A, b, rcond=None)
    return beta


def _deviance(y: np.ndarray, mu: np.ndarray, w: np.ndarray, family: Binomial, bernoulli: bool) -> float:
    """The GLM's deviance; for 0/1 rows of weight 1 it is ``-2 sum log P(y)``, one log a row."""
    if bernoulli:
        with np.errstate(divide="ignore"):
            return float(-2.0 * np.sum(np.log(np.where(y > 0.5, mu, 1.0 - mu))))
    return float(np.sum(family.dev_resids(y, mu, w)))

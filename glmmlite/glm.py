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
        beta_new, *_ = np.linalg.lstsq(A, b, rcond=None)
        eta = X @ beta_new + offset
        mu = family.linkinv(eta)
        dev = float(np.sum(family.dev_resids(y, mu, w)))
        beta = beta_new
        if abs(dev - dev_old) / (abs(dev) + 0.1) < tol:
            break
        dev_old = dev
    return beta

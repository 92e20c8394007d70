"""lme4's ``getME(m, name)``: the pieces of a fitted model under lme4's names.

``m.getME("Z")`` is the sparse n x q random-effects model matrix, ``m.getME("Lambda")`` the
relative covariance factor Lambda(theta), ``m.getME("b")`` the random effects
``b = Lambda u`` in Z's column order, and so on (:data:`NAMES`).  Matrices of the fixed part are
DataFrames with R's column names; the sparse ones are ``scipy.sparse`` CSR matrices with lme4's
column order (terms by decreasing number of levels, each level's columns side by side).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .errors import ArgumentError
from .remat import z_lambda

__all__ = ["getME", "NAMES", "z_matrix", "lambda_matrix"]

#: the names getME knows, with what each gives
NAMES: dict[str, str] = {
    "X": "fixed-effects model matrix (DataFrame, R's column names)",
    "Z": "random-effects model matrix, n x q (scipy.sparse CSR)",
    "Zt": "Z transposed, q x n",
    "Lambda": "relative covariance factor Lambda(theta), q x q, block diagonal (sparse)",
    "Lambdat": "Lambda transposed",
    "theta": "relative covariance parameters (Series, lme4's names)",
    "beta": "fixed effects (Series)",
    "fixef": "fixed effects (Series), as beta",
    "u": "spherical random effects, length q",
    "b": "random effects b = Lambda u, length q, in Z's column order",
    "y": "response as proportions of successes",
    "mu": "fitted probabilities (random effects included)",
    "eta": "linear predictor (random effects and offset included)",
    "offset": "the offset",
    "weights": "prior weights (numbers of trials for counts)",
    "flist": "grouping factors (dict of pandas Categorical, one per factor)",
    "cnms": ("column names of the random-effect terms (dict: group -> list; two terms on one factor, "
             "as (1 + x || g) gives, are listed together)"),
    "Gp": "term boundaries in the columns of Z (0, q_1, q_1 + q_2, ...)",
    "l_i": "number of levels of each grouping factor (Series)",
    "q_i": "number of columns of Z per term",
    "k": "number of random-effect terms",
    "n": "number of observations",
    "p": "number of fixed effects",
    "q": "number of columns of Z",
    "lower": "lower bounds of theta (0 on the diagonal, -inf off it)",
}


def z_matrix(terms: list, layout: Any) -> sp.csr_matrix:
    """Z, n x q: ``Z Lambda(theta)`` at lme4's start theta, whose factors are identities."""
    return z_lambda(terms, layout, layout.start())


def lambda_matrix(terms: list, layout: Any, theta: np.ndarray) -> sp.csr_matrix:
    """Lambda(theta), q x q: per term, one copy of its lower-triangular factor per level."""
    return sp.block_diag([sp.kron(sp.identity(t.nlevels), T) for t, T in zip(terms, layout.factors(theta))],
                         format="csr")


def getME(m: Any, name: str) -> Any:
    """One piece of a fitted model, by lme4's name (R's ``getME(m, name)``).

    Parameters
    ----------
    m : GlmerResult
    name : str
        One of :data:`NAMES` (``"X"``, ``"Z"``, ``"Lambda"``, ``"theta"``, ``"b"``, ...).

    Examples
    --------
    >>> import glmmlite as gl
    >>> m = gl.glmer("y ~ trt * sex + (1|id)", data=gl.simulate_article_data(seed=1, stream="r"))
    >>> m.getME("Z").shape, m.getME("Gp").tolist(), m.getME("cnms")
    ((3500, 250), [0, 250], {'id': ['(Intercept)']})
    """
    if not isinstance(name, str) or name not in NAMES:
        raise ArgumentError(f"getME() knows {', '.join(NAMES)}; not {name!r}")
    fr, terms = m.frame, m.frame.random
    q_i = np.array([t.nlevels * t.k for t in terms])
    if name == "X":
        return pd.DataFrame(fr.X, index=fr.data.index, columns=fr.fixef_names)
    if name in ("Z", "Zt"):
        Z = z_matrix(terms, m.layout)
        return Z if name == "Z" else Z.T.tocsr()
    if name in ("Lambda", "Lambdat"):
        L = lambda_matrix(terms, m.layout, m.theta)
        return L if name == "Lambda" else L.T.tocsr()
    if name == "theta":
        return pd.Series(m.theta, index=m.theta_names, name="theta")
    if name in ("beta", "fixef"):
        return m.fixef.copy()
    if name == "u":
        return m.u.copy()
    if name == "b":
        return np.concatenate([B.ravel() for B in m.b])
    if name == "y":
        return fr.y.copy()
    if name == "eta":
        return m._eta()
    if name == "mu":
        return m.family.linkinv(m._eta())
    if name == "offset":
        return fr.offset.copy()
    if name == "weights":
        return fr.weights.copy()
    if name == "flist":
        out: dict[str, pd.Categorical] = {}
        for t in terms:
            out.setdefault(t.group, pd.Categorical.from_codes(t.codes, categories=[str(v) for v in t.levels]))
        return out
    if name == "cnms":
        out2: dict[str, list[str]] = {}
        for t in terms:
            out2.setdefault(t.group, []).extend(t.names)
        return out2
    if name == "Gp":
        return np.concatenate([[0], np.cumsum(q_i)]).astype(np.int64)
    if name == "l_i":                          # per grouping factor, as lme4's (not per term)
        per = {t.group: t.nlevels for t in terms}
        return pd.Series(list(per.values()), index=list(per), name="l_i")
    if name == "q_i":
        return q_i.astype(np.int64)
    if name == "k":
        return len(terms)
    if name == "n":
        return int(fr.n)
    if name == "p":
        return int(fr.X.shape[1])
    if name == "q":
        return int(q_i.sum())
    return m.layout.lower()                    # "lower"

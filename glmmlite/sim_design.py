"""The rows a simulation draws on: the fitted rows or new data (lme4's ``simulate(newdata=)``).

:func:`sim_rows` gathers, for :func:`glmmlite.simulate.simulate`, everything that does not
depend on the random stream: the linear predictor of the fixed part (plus the random
effects that are kept at their conditional modes), the columns of ``Z Lambda(theta)`` for the
random-effect terms that get new draws, and the numbers of trials.

lme4 1.1-31's order, which the R stream follows (``.simulateFun`` and ``mkNewReTrms``):

* ``re.form`` says which terms keep their fitted modes (``NULL``: all, ``NA``/``~0``: none,
  a formula: the terms it names); the others get new draws.  ``use.u = TRUE`` is
  ``re.form = NULL``.
* With new data, the terms drawn anew are built from the new rows as ``mkReTrms`` builds
  them: only the levels present in the new rows -- sorted by value for a grouping column of
  numbers, else the fit's levels first (in the fit's order) and then new levels
  (``allow.new.levels``) in order of appearance; the terms ordered
  as lme4 orders them (decreasing number of levels, from the formula order), one block
  of ``u`` per term.  A row whose group is missing (allowed only with
  ``allow_new_levels``) gets no random effect.
* Kept terms add ``b = Lambda u`` of the row's level; a new level adds 0.

One difference from lme4: when the drawn terms end up in a different order than in the fit
(two or more terms, and new data or ``re_form`` change which has more levels), lme4 1.1-31
scales each term's draws by the theta of the term that had that *position* in the fit;
glmmlite uses each term's own theta.  The draws agree whenever the order is the fit's.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .contrasts import column_kind, factorize, r_label
from .errors import ArgumentError, NewDataError
from .newdata import as_frame, offset_for, re_form_terms
from .remat import b_from_u

__all__ = ["SimRows", "sim_rows", "kept_terms"]

_NEW_LEVEL_HINT = ("use allow_new_levels=True to simulate them as new groups (new random effects, "
                   "or 0 for the terms kept at their modes)")


@dataclass
class SimRows:
    """What a simulation needs on its rows.

    Attributes
    ----------
    n : int
    index : pandas.Index
        Row labels of the output (the fit's rows or ``newdata.index``).
    eta_fixed : ndarray (n,)
        ``X beta + offset`` plus the kept terms' random effects.
    cols : list of (values, u index)
        The columns of ``Z Lambda(theta)`` for the terms drawn anew, in lme4's order within
        a row.
    q : int
        How many new random effects one simulation draws.
    weights : ndarray (n,)
        Prior weights / numbers of trials of the rows.
    """

    n: int
    index: pd.Index
    eta_fixed: np.ndarray
    cols: list
    q: int
    weights: np.ndarray


def _fixed_eta(X: np.ndarray, beta: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """``drop(X %*% beta) + offset`` summed column by column, as R's BLAS does."""
    eta = np.zeros(X.shape[0])
    for j in range(X.shape[1]):
        eta = eta + X[:, j] * beta[j]
    return eta + offset


def kept_terms(m: Any, re_form: Any) -> list[bool]:
    """For each random term of the fit (in its order): True if ``re_form`` keeps its fitted modes.

    ``re_form``: None (all, R's ``re.form = NULL``), ``"~0"``/``"NA"``/NaN (none, R's ``NA``), or a
    formula of random terms such as ``"~(1|herd)"`` (those terms), parsed as ``predict`` parses it
    (:func:`glmmlite.newdata.re_form_terms`; a term the model lacks is an ArgumentError).
    """
    keep = set(re_form_terms(m, re_form))
    return [i in keep for i in range(len(m.frame.random))]


def _trials(m: Any, nd: pd.DataFrame, weights: Any) -> np.ndarray:
    """Numbers of trials for the new rows: ``weights=`` (array or a column of newdata), else
    the newdata's cbind columns for a cbind response, else 1 (lme4's ``rep(1, nrow(newdata))``)."""
    n = len(nd)
    info = m.frame.response
    if weights is not None:
        if isinstance(weights, str):
            if weights not in nd.columns:
                raise NewDataError(f"weights={weights!r} is not a column of newdata "
                                   f"(columns: {', '.join(map(repr, map(str, nd.columns[:20])))})")
            weights = nd[weights]
        try:
            w = np.asarray(weights, dtype=float).ravel()
        except (TypeError, ValueError):
            raise ArgumentError("weights= must be numbers of trials, one per row of newdata") from None
        if w.size != n:
            raise ArgumentError(f"weights= needs one number of trials per row of newdata ({n}), got {w.size}")
        if not np.all(np.isfinite(w)) or (w < 0).any():
            bad = w[~np.isfinite(w) | (w < 0)]
            raise ArgumentError(f"weights= must be finite numbers >= 0; got {bad[:5].tolist()}")
        return w
    if info.kind == "cbind":
        from .modelframe import _numeric_expr, _require_columns
        from .formula import deparse, names_in
        node = m.frame.parsed.response
        while not hasattr(node, "args"):
            node = node.expr
        cols = [c for arg in node.args for c in names_in(arg)]
        try:
            _require_columns(nd, list(dict.fromkeys(cols)), "cbind() response", NewDataError)
        except NewDataError as e:
            raise NewDataError(f"{e}. For a cbind response the numbers of trials come from newdata's "
                               f"cbind columns ({deparse(node)}); or pass weights= (the trials)") from None
        w = sum(_numeric_expr(nd, arg, NewDataError) for arg in node.args)
        if not np.all(np.isfinite(w)) or (w < 0).any():
            i = int(np.flatnonzero(~np.isfinite(w) | (w < 0))[0])
            raise NewDataError(f"newdata's cbind columns give {float(w[i]):g} trials in row {i}; "
                               "they must be finite counts >= 0")
        return np.asarray(w, float)
    if info.kind == "proportion":
        raise ArgumentError(
            f"simulating a proportion response ({info.name!r}) on newdata needs the numbers of trials: "
            "pass weights= (an array or a column name of newdata). lme4 would use 1 for every row "
            "and give 0/1 values")
    return np.ones(n)


def _term_order(nl: list[int]) -> list[int]:
    """lme4's ``mkReTrms`` order of terms with ``nl`` levels (formula order unless some term has
    more levels than the one before it; then ``rev(order(nl))``)."""
    idx = list(range(len(nl)))
    if any(b > a for a, b in zip(nl, nl[1:])):
        idx = sorted(idx, key=lambda i: nl[i])[::-1]
    return idx


def _formula_position(specs: list, spec: Any, default: int) -> int:
    for i, rs in enumerate(specs):
        if rs is spec:
            return i
    for i, rs in enumerate(specs):
        if rs == spec:
            return i
    return default


def _new_level_codes(term: Any, nd: pd.DataFrame, codes: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes of the new rows in the levels lme4 builds for them (``mkNewReTrms``), and how many.

    A grouping column that was numbers in the fit: every level present, sorted by value (R's
    ``factor()`` of the new rows' numbers).  Otherwise: the fit's levels present, in the fit's
    order, then new levels in order of first appearance (``model.frame(xlev = )`` of the fit's
    levels extended by the new values).  Rows with a missing group get -1 (no random effect).
    """
    g = term.spec.group
    if len(g.columns) == 1 and g.infos[0].kind == "numeric" and column_kind(nd[g.columns[0]]) == "numeric":
        s = nd[g.columns[0]].reset_index(drop=True)
        fc, info = factorize(s)
        return np.asarray(fc, dtype=np.int64), len(info.labels)
    present = np.zeros(term.nlevels, dtype=bool)
    present[codes[codes >= 0]] = True
    remap = np.full(term.nlevels, -1, dtype=np.int64)
    remap[present] = np.arange(int(present.sum()))
    out = np.full(codes.shape[0], -1, dtype=np.int64)
    out[codes >= 0] = remap[codes[codes >= 0]]
    nfit = int(present.sum())
    new_rows = np.flatnonzero(codes < 0)
    if not new_rows.size:
        return out, nfit
    parts = [nd[c].iloc[new_rows].tolist() for c in g.columns]
    order: dict[str, int] = {}
    for r, vals in zip(new_rows, zip(*parts)):
        if any(pd.isna(v) for v in vals):
            continue                        # a missing group: no random effect
        lab = ":".join(r_label(v) for v in vals)
        out[r] = nfit + order.setdefault(lab, len(order))
    return out, nfit + len(order)


def _columns(Xt: np.ndarray, T: np.ndarray, codes: np.ndarray, pos: int) -> list:
    """The columns of ``Z Lambda`` for one term: (values, index of u) per column c, as
    ``Lambdat %*% Zt`` sums them (k >= c, ascending); rows with code -1 get 0."""
    k = T.shape[0]
    ok = codes >= 0
    safe = np.where(ok, codes, 0)
    out = []
    for c in range(k):
        v = np.zeros(Xt.shape[0])
        for r in range(c, k):
            v = v + Xt[:, r] * T[r, c]
        out.append((np.where(ok, v, 0.0), pos + safe * k + c))
    return out


def sim_rows(m: Any, theta: np.ndarray, beta: np.ndarray, newdata: Any = None, keep: list[bool] | None = None,
             allow_new_levels: bool = False, weights: Any = None) -> SimRows:
    """The rows of a simulation (see the module's docstring).

    ``keep[i]`` is True for the fit's term ``i`` kept at its conditional modes (default: none).
    Raises :class:`NewDataError` for new data that do not fit the model.
    """
    fr = m.frame
    terms = fr.random
    keep = [False] * len(terms) if keep is None else keep
    factors = m.layout.factors(theta)
    if newdata is None:
        if weights is not None:
            raise ArgumentError("weights= is for newdata; without newdata the fit's weights are used")
        eta = _fixed_eta(fr.X, beta, fr.offset)
        mats = [(t.codes, t.X) for t in terms]
        if any(keep):                      # Z Lambda u_fit, as the fit's eta
            u = np.asarray(m.u, float)
            reff, pos = np.zeros(fr.n), 0
            for t, T, kp in zip(terms, factors, keep):
                if kp:
                    for v, idx in _columns(t.X, T, t.codes, pos):
                        reff = reff + v * u[idx]
                pos += t.nlevels * t.k
            eta = eta + reff
        n, index, w = fr.n, fr.data.index, np.asarray(fr.weights, float)
        new_codes = [(t.codes, t.nlevels) for t in terms]
    else:
        nd = as_frame(newdata)
        n = len(nd)
        if n == 0:
            raise NewDataError("newdata has no rows: nothing to simulate")
        X = fr.fixed_matrix(nd)
        eta = _fixed_eta(X, beta, offset_for(fr, nd, m.offset_argument))
        bad = ~np.isfinite(eta)
        if bad.any():
            rows = np.flatnonzero(bad)[:5]
            raise NewDataError(f"newdata rows {', '.join(str(nd.index[i]) for i in rows)} have missing or "
                               f"non-finite values in the fixed-effect variables; drop or fill them first")
        mats = fr.random_matrices(nd, allow_new_levels=allow_new_levels, new_level_hint=_NEW_LEVEL_HINT)
        if any(keep):
            bs = b_from_u(np.asarray(m.u, float), terms, m.layout, theta)
            reff = np.zeros(n)
            for (codes, Xt), B, kp in zip(mats, bs, keep):
                if kp:
                    ok = codes >= 0
                    safe = np.where(ok, codes, 0)
                    for c in range(Xt.shape[1]):
                        reff = reff + np.where(ok, Xt[:, c] * B[safe, c], 0.0)
            eta = eta + reff
        new_codes = [_new_level_codes(t, nd, codes) for t, (codes, _) in zip(terms, mats)]
        for (codes, Xt), t in zip(mats, terms):
            if not np.all(np.isfinite(Xt[codes >= 0])):
                raise NewDataError(f"newdata has missing or non-finite values in the variables of the "
                                   f"random term ({t.spec.random.text})")
        index = nd.index
        w = _trials(m, nd, weights)
    # the terms drawn anew, in lme4's order for these rows (formula order, then by levels)
    drawn = sorted((i for i in range(len(terms)) if not keep[i]),
                   key=lambda i: _formula_position(fr.parsed.random, terms[i].spec.random, i))
    order = [drawn[j] for j in _term_order([new_codes[i][1] for i in drawn])]
    cols, pos = [], 0
    for i in order:
        codes, nlev = new_codes[i]
        cols += _columns(mats[i][1], factors[i], codes, pos)
        pos += nlev * terms[i].k
    return SimRows(n=n, index=index, eta_fixed=eta, cols=cols, q=pos, weights=w)

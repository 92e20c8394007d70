"""New responses from a fitted binomial GLMM, as lme4 1.1-31's ``simulate.merMod``.

``simulate(m, nsim)`` draws ``nsim`` responses of the same kind as the model's
response.  With ``use_u=False`` (lme4's default, ``re.form = NA``) every
simulation gets new random effects; ``use_u=True`` keeps the fitted conditional
modes.

Two random streams:

* ``stream="numpy"`` (the default for an integer seed, a numpy Generator or
  ``None``): numpy's generator.
* ``stream="r"`` (the default when ``seed`` is an :class:`~glmmlite.rstream.RStream`):
  R's generator, **draw for draw** as ``simulate(m, nsim, seed)`` in R.  An
  integer seed is R's ``set.seed(seed)``; an RStream is continued (and
  advanced), as an R session that goes on drawing.

lme4's order of draws, which the R stream reproduces (lme4 1.1-31, R/predict.R):

1. ``etapred = X beta + offset`` (R's column-by-column matrix product).
2. With new random effects: ``u <- rnorm(q * nsim)``, one block of ``q`` per
   simulation (``q`` = number of random effects, in lme4's order: term by term,
   within a term level by level, within a level column by column), and
   ``sim.reff = Z Lambda(theta) u`` for each block.
3. ``mu = linkinv(etapred + sim.reff)``, then the binomial family's draws:

   * 0/1 and proportion responses: ``rbinom(n * nsim, size = w, prob = mu) / w``
     with ``w`` the prior weights: proportions (0/1 when every weight is 1; a row
     of weight 0 gives 0 here, where R gives ``NaN``);
   * a two-level factor: ``rbinom(n * nsim, size = 1, prob = mu)`` (the weights are
     not used for the draws), the levels as a factor;
   * ``cbind(successes, failures)``: ``Y <- rbinom(n * nsim, size = w, prob = mu)``,
     then the matrix ``cbind(Y, w - Y)`` split into one n x 2 matrix per simulation.

   The binomial draws are one call for all simulations, after all the normals.
   The numpy stream draws simulation by simulation instead (normals, then
   binomials), with the same results in distribution.

With ``newdata`` (lme4's ``simulate(m, newdata = , re.form = , allow.new.levels = )``) the same
order holds on the new rows; which random effects are drawn, for which levels and in which
order is :mod:`glmmlite.sim_design`'s job (``mkNewReTrms``'s rules, followed by the R stream).

Non-integer prior weights cannot be simulated from (R stops with the same
message).  The inverse link is R's for logit and cloglog, bit for bit; for
probit it is scipy's ``ndtr``, which may differ from R's ``pnorm`` in the last bit.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from .argcheck import check_bool
from .errors import ArgumentError, ResponseError
from .rstream import RStream

__all__ = ["simulate", "MAX_SIM_VALUES", "sim_columns", "response_to_y", "resolve_seed"]

#: The most simulated values (rows x nsim, twice that for cbind) one call may hold.
#: 10^8 values are 0.8 GB as 8-byte numbers, before the temporaries of the draws.
MAX_SIM_VALUES = 100_000_000

_DBL_EPS = float(np.finfo(float).eps)
_THRESH, _MTHRESH, _INVEPS = 30.0, -30.0, 1.0 / _DBL_EPS   # R's logit_linkinv constants


# ------------------------------------------------------------------ arguments
def check_nsim(nsim: Any, nrow: int, per_row: int = 1) -> int:
    """``nsim`` as a whole number >= 1 whose result fits in :data:`MAX_SIM_VALUES`."""
    if isinstance(nsim, (bool, np.bool_)) or not isinstance(nsim, numbers.Integral) or nsim < 1:
        raise ArgumentError(f"nsim must be a whole number >= 1, not {nsim!r}")
    nsim = int(nsim)
    values = nsim * nrow * per_row
    if values > MAX_SIM_VALUES:
        most = max(1, MAX_SIM_VALUES // max(1, nrow * per_row))
        raise ArgumentError(
            f"simulate(nsim={nsim}) on {nrow:,} rows would hold {values:,} simulated values "
            f"(about {values * 8 / 1e9:,.1f} GB as 8-byte numbers, more while drawing); "
            f"glmmlite simulates at most {MAX_SIM_VALUES:,} values in one call "
            f"(nsim <= {most:,} here). Simulate in batches of fewer simulations.")
    return nsim


def _stream_name(stream: Any, seed: Any) -> str:
    if stream is None:
        return "r" if isinstance(seed, RStream) else "numpy"
    if not isinstance(stream, str) or stream.lower() not in ("numpy", "r"):
        raise ArgumentError(f"stream must be 'numpy' or 'r' (or 'R'), not {stream!r}")
    return stream.lower()


def resolve_seed(seed: Any, stream: Any = None) -> tuple[str, Any]:
    """``("r", RStream)`` or ``("numpy", Generator)`` from simulate's ``seed``/``stream``.

    R stream: an :class:`RStream` (used as it is, and advanced), an integer
    (``set.seed(seed)``), the 626 integers of an R ``.Random.seed``, or ``None``
    (a random seed).  numpy stream: a Generator, an integer >= 0 or ``None``.
    """
    kind = _stream_name(stream, seed)
    if kind == "r":
        if isinstance(seed, RStream):
            seed.check()
            return kind, seed
        if seed is None:
            return kind, RStream(int(np.random.default_rng().integers(-2147483647, 2147483647,
                                                                      endpoint=True)))
        if isinstance(seed, numbers.Integral) and not isinstance(seed, (bool, np.bool_)):
            return kind, RStream(int(seed))
        if isinstance(seed, (Sequence, np.ndarray, pd.Series)) and not isinstance(seed, (str, bytes)):
            return kind, RStream.from_random_seed(seed)       # an R .Random.seed vector
        raise ArgumentError(
            "with stream='r', seed must be an integer (R's set.seed), an RStream, R's "
            f".Random.seed (626 integers) or None, not {type(seed).__name__} {seed!r}")
    if isinstance(seed, RStream):
        raise ArgumentError("stream='numpy' cannot draw from an RStream seed; pass stream='r' "
                            "(or leave stream unset)")
    if isinstance(seed, np.random.Generator):
        return kind, seed
    if seed is None:
        return kind, np.random.default_rng()
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise ArgumentError(f"seed must be an int, a numpy Generator, an RStream or None, not {seed!r}")
    if seed < 0:
        raise ArgumentError(
            f"seed={seed!r}: a numpy seed must be an integer >= 0 (negative seeds, as in R's "
            "set.seed, work with stream='r')")
    return kind, np.random.default_rng(int(seed))


def _named_values(value: Any, names: list[str], what: str) -> np.ndarray:
    """A parameter vector from an array, a dict or a Series (matched by name)."""
    if isinstance(value, (Mapping, pd.Series)):
        d = dict(value.items())
        missing = [k for k in names if k not in d]
        extra = [k for k in d if k not in names]
        if missing or extra:
            raise ArgumentError(
                f"newparams[{what!r}] names must be {names}; "
                + (f"missing {missing}" if missing else "") + ("; " if missing and extra else "")
                + (f"unknown {extra}" if extra else ""))
        vals = [d[k] for k in names]
    else:
        vals = np.atleast_1d(np.asarray(value)).ravel().tolist() if value is not None else []
    try:
        arr = np.asarray(vals, dtype=float)
    except (TypeError, ValueError):
        raise ArgumentError(f"newparams[{what!r}] must be numbers, got {vals[:4]!r}") from None
    if arr.size != len(names):
        raise ArgumentError(f"newparams[{what!r}] needs {len(names)} values ({names}), got {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise ArgumentError(f"newparams[{what!r}] must be finite, got {arr.tolist()}")
    return arr


def _parameters(m: Any, newparams: Any) -> tuple[np.ndarray, np.ndarray]:
    """(theta, beta): the fit's, or lme4's ``newparams = list(theta = , beta = )``."""
    theta, beta = np.asarray(m.theta, float), np.asarray(m.beta, float)
    if newparams is None:
        return theta, beta
    if not isinstance(newparams, Mapping):
        raise ArgumentError("newparams must be a dict with 'theta' and/or 'beta' "
                            f"(lme4's list(theta = , beta = )), not {type(newparams).__name__}")
    unknown = [k for k in newparams if k not in ("theta", "beta")]
    if unknown:
        raise ArgumentError(f"newparams has unknown entries {unknown}; a binomial GLMM has "
                            "'theta' and 'beta' only")
    if "theta" in newparams:
        theta = _named_values(newparams["theta"], list(m.theta_names), "theta")
        lower = m.layout.lower()
        if np.any(theta < lower):
            raise ArgumentError(f"newparams['theta'] has negative diagonal entries "
                                f"{theta[theta < lower].tolist()} (they are scaled SDs, >= 0)")
    if "beta" in newparams:
        beta = _named_values(newparams["beta"], list(m.fixef.index), "beta")
    return theta, beta


def _integer_weights(w: np.ndarray) -> None:
    frac = w % 1 != 0
    if frac.any():
        i = int(np.flatnonzero(frac)[0])
        raise ArgumentError(
            "cannot simulate from non-integer prior weights (as lme4): weight "
            f"{float(w[i]):g} in row {i} of the rows used; binomial weights are numbers of trials")


# ------------------------------------------------------------------ the pieces, in R's arithmetic
def _logit_linkinv_r(flat: list[float]) -> list[float]:
    out = []
    for e in flat:
        t = _DBL_EPS if e < _MTHRESH else (_INVEPS if e > _THRESH else math.exp(e))
        out.append(t / (1.0 + t))
    return out


def _cloglog_linkinv_r(flat: list[float]) -> list[float]:
    return [max(min(-math.expm1(-math.exp(e)), 1.0 - _DBL_EPS), _DBL_EPS) for e in flat]


def _linkinv_r(link: str, eta: np.ndarray, chunk: int = 1 << 20) -> np.ndarray:
    """R's ``binomial(link)$linkinv``, element by element with the C library's exp.

    numpy's vectorised ``exp`` may differ from the C library's in the last bit, and
    one bit can flip a draw, so logit and cloglog go through :mod:`math`, once per
    distinct value (in chunks, to bound the temporary lists).
    """
    if link == "probit":
        thresh = 8.125890664701906          # -qnorm(.Machine$double.eps)
        return special.ndtr(np.clip(eta, -thresh, thresh))
    fun = {"logit": _logit_linkinv_r, "cloglog": _cloglog_linkinv_r}.get(link)
    if fun is None:  # pragma: no cover - the family validates its link
        raise ArgumentError(f"simulate: unknown link {link!r}")
    # rows of one group and cell share eta: evaluate each distinct value once
    vals, inverse = np.unique(np.ascontiguousarray(eta, dtype=float).ravel(), return_inverse=True)
    mu = np.empty_like(vals)
    for a in range(0, vals.size, chunk):
        mu[a:a + chunk] = fun(vals[a:a + chunk].tolist())
    return mu[inverse].reshape(eta.shape)


def _as_output(m: Any, draws: list[np.ndarray], w: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """lme4's data frame of simulations from the per-simulation counts."""
    info = m.frame.response
    names = [f"sim_{s + 1}" for s in range(len(draws))]
    if info.kind == "factor":
        levels = list(info.levels)
        return pd.DataFrame({nm: pd.Categorical.from_codes(k.astype(np.int64), categories=levels)
                             for nm, k in zip(names, draws)}, index=index)
    if info.kind == "cbind":
        labels = list(info.columns or ["", ""])
        wi = w.astype(np.int64)
        data = {}
        for nm, k in zip(names, draws):
            data[(nm, labels[0])] = k.astype(np.int64)
            data[(nm, labels[1])] = wi - k.astype(np.int64)
        out = pd.DataFrame(data, index=index)
        out.columns = pd.MultiIndex.from_tuples(list(data), names=["sim", "column"])
        return out
    if info.kind == "binary" and np.all(w == 1):
        return pd.DataFrame({nm: k.astype(np.int64) for nm, k in zip(names, draws)}, index=index)
    pos = w > 0
    safe = np.where(pos, w, 1.0)
    return pd.DataFrame({nm: np.where(pos, k / safe, 0.0) for nm, k in zip(names, draws)}, index=index)


def simulate(m: Any, nsim: int = 1, seed: Any = None, use_u: bool | None = None, stream: str | None = None,
             newparams: Mapping[str, Any] | None = None, newdata: Any = None, re_form: Any = ...,
             allow_new_levels: bool = False, weights: Any = None) -> pd.DataFrame:
    """Simulate responses from a fitted model (R's ``simulate.merMod``).

    Parameters
    ----------
    m : GlmerResult
    nsim : int
        Number of simulations (>= 1).
    seed : int, RStream, numpy Generator, R .Random.seed or None
        With ``stream="r"``: an integer is R's ``set.seed(seed)``; an
        :class:`~glmmlite.rstream.RStream` is continued and advanced (R's session
        going on); 626 integers are an R ``.Random.seed``.  With
        ``stream="numpy"``: an integer >= 0 or a Generator.
    use_u : bool, optional
        False (lme4's default): new random effects for every simulation.  True:
        the fitted conditional modes (``re_form=None``).  Give ``use_u`` or
        ``re_form``, not both (as lme4).
    stream : {"numpy", "r"} or None
        ``None`` means ``"r"`` when ``seed`` is an RStream, else ``"numpy"``.
        ``"R"`` is accepted for ``"r"``.
    newparams : dict, optional
        lme4's ``newparams``: ``{"theta": ..., "beta": ...}`` (arrays in the fit's
        order, or dicts/Series by name, e.g. ``theta`` and ``fixef`` of an lme4
        fit) to simulate from instead of the fit's estimates.
    newdata : DataFrame or dict of columns, optional
        Rows to simulate on instead of the fitted rows (lme4's ``newdata``): the
        covariates and the grouping columns (a response column is not needed, except
        as said under ``weights``).  The random effects drawn anew are drawn for the
        groups present in ``newdata`` only, as lme4 does (see
        :mod:`glmmlite.sim_design` for the order, which the R stream follows).
    re_form : None, "~0" or a formula of random terms, optional
        Which random effects keep their fitted conditional modes (lme4's
        ``re.form``): left out (lme4's default ``re.form = NA``) or ``"~0"``: none,
        every simulation draws new ones for every group; ``None`` (R's ``NULL``):
        all (as ``use_u=True``); ``"~(1|herd)"``: the terms named, the others drawn
        anew.  A term the model does not have is an error.
    allow_new_levels : bool
        With ``newdata``: groups not in the fit are allowed (new draws for them;
        random effect 0 for a term kept at its modes; no random effect for a
        missing group).  Without it such a group is a :class:`NewDataError`.
    weights : array-like or str, optional
        Numbers of trials for the rows of ``newdata`` (an array, or the name of a
        column of ``newdata``).  Left out: for a ``cbind(s, f)`` response the trials
        are ``s + f`` computed from ``newdata``'s columns (lme4 1.1-31 instead reuses
        the *fitted* rows' totals, which only fits when newdata are the fitted rows);
        for a proportion response ``weights=`` is required (lme4 would use 1); for 0/1
        and factor responses every row is one trial (lme4's ``rep(1, nrow(newdata))``).

    Returns
    -------
    pandas.DataFrame
        Columns ``sim_1`` .. ``sim_nsim``, one row per observation used in the fit
        (or per row of ``newdata``, with its index), as lme4 returns them: 0/1 integers for a 0/1 response with unit weights;
        proportions for proportion responses and for 0/1 responses with weights;
        a Categorical of the two levels for a factor; for ``cbind(s, f)`` two
        columns per simulation, ``(sim_i, s)`` and ``(sim_i, f)`` (a column
        MultiIndex; ``out["sim_1"]`` is R's ``sim[[1]]`` matrix).  With the R
        stream ``out.attrs["seed"]`` is the ``.Random.seed`` before the draws
        (R's ``attr(sim, "seed")``).

    Raises
    ------
    ArgumentError
        ``nsim`` below 1 or too large (the message gives the size it would need), a
        seed the stream cannot use (a negative numpy seed, a damaged RStream, a
        ``.Random.seed`` of the wrong length), bad ``newparams``, ``use_u`` together
        with ``re_form``, a ``re_form`` naming no term of the model, missing trials for
        a proportion response on newdata, or non-integer prior weights / trials.
    NewDataError
        ``newdata`` with no rows, without a column the model needs, with missing
        values in a covariate, or with a group not in the fit (unless
        ``allow_new_levels``).

    Examples
    --------
    The article's R session: ``set.seed(1)``, the data, ``m``, then ``simulate(m, nsim = 100)``:

    >>> import glmmlite as gl
    >>> rs = gl.RStream(1)
    >>> d = gl.simulate_article_data(seed=rs)       # leaves rs where R's session is
    >>> m = gl.glmer("y ~ trt * sex + (1|id)", data=d, family="binomial")
    >>> sim = m.simulate(nsim=100, seed=rs)          # R's sim, value for value
    >>> sim.iloc[:3, :5].to_numpy().tolist()
    [[0, 0, 0, 0, 0], [0, 0, 1, 0, 1], [0, 1, 0, 0, 0]]
    >>> sim[["sim_1", "sim_2", "sim_3"]].sum().tolist()
    [1809, 1832, 1810]
    """
    from .sim_design import kept_terms, sim_rows
    fr = m.frame
    if use_u is not None:
        check_bool(use_u, "use_u", "keep the fitted random effects")
    if use_u is not None and re_form is not ...:
        raise ArgumentError("give only one of use_u and re_form (as lme4): use_u=True is re_form=None, "
                            "use_u=False is re_form='~0'")
    check_bool(allow_new_levels, "allow_new_levels", "new levels get random effect 0")
    if re_form is ...:
        re_form = None if use_u else "~0"
    keep = kept_terms(m, re_form)
    theta, beta = _parameters(m, newparams)
    rows = sim_rows(m, theta, beta, newdata=newdata, keep=keep, allow_new_levels=bool(allow_new_levels),
                    weights=weights)
    per_row = 2 if fr.response.kind == "cbind" else 1
    nsim = check_nsim(nsim, rows.n, per_row)
    kind, gen = resolve_seed(seed, stream)
    w = rows.weights
    _integer_weights(w)
    n = rows.n
    size = np.ones(n) if fr.response.kind == "factor" else w
    if kind == "r":
        state = gen.state.tolist()
        if rows.q:                            # u <- rnorm(q * nsim); matrix(u, ncol = nsim)
            eta = _with_u(rows, gen.rnorm(rows.q * nsim).reshape(nsim, rows.q))
        else:
            eta = np.repeat(rows.eta_fixed[None, :], nsim, axis=0)
        mu = _linkinv_r(m.family.link, eta)
        # one rbinom(n * nsim, size = w, prob = mu) for every kind (size 1 for a factor)
        draws = list(gen.rbinom(n * nsim, np.tile(size, nsim), mu.ravel()).reshape(nsim, n))
        out = _as_output(m, draws, w, rows.index)
        out.attrs["seed"] = state
        return out
    trials = size.astype(np.int64)
    draws = []
    for _ in range(nsim):
        eta = _with_u(rows, gen.standard_normal(rows.q)[None, :])[0] if rows.q else rows.eta_fixed
        draws.append(gen.binomial(trials, m.family.linkinv(eta)).astype(np.int64))
    return _as_output(m, draws, w, rows.index)


def _with_u(rows: Any, U: np.ndarray) -> np.ndarray:
    """(nsim, n) linear predictors for new random effects ``U`` (nsim, q), R's sparse product:
    the columns of ``Z Lambda`` in order, from 0."""
    reff = np.zeros((U.shape[0], rows.n))
    for v, idx in rows.cols:
        reff = reff + v[None, :] * U[:, idx]
    return rows.eta_fixed[None, :] + reff


# ------------------------------------------------------------------ for refit, bootstrap and plots
def sim_columns(sims: Any) -> list:
    """The simulations one by one: Series, or (n, 2) DataFrames for a cbind response."""
    if isinstance(sims, pd.DataFrame):
        if isinstance(sims.columns, pd.MultiIndex):
            return [sims[c] for c in sims.columns.get_level_values(0).unique()]
        return [sims.iloc[:, j] for j in range(sims.shape[1])]
    if isinstance(sims, pd.Series):
        return [sims]
    return list(sims)


def response_to_y(frame: Any, values: Any, what: str = "refit") -> np.ndarray:
    """A response of the model's kind (e.g. one simulation) as the fit's proportions ``y``.

    Accepts what :func:`simulate` returns for the model: 0/1 (or, with weights,
    proportions), the factor's levels, proportions, or for ``cbind`` either the
    successes or an (n, 2) table of successes and failures whose rows add up to
    the trials.  A one-column DataFrame is taken as its column.

    Raises
    ------
    ArgumentError
        ``None``, or the wrong number of rows or columns.
    ResponseError
        Values that the model's response cannot take, naming some of them.
    """
    info = frame.response
    kind = info.kind
    n = frame.n
    w = np.asarray(frame.weights, float)
    if isinstance(values, pd.DataFrame) and values.shape[1] == 1:
        values = values.iloc[:, 0]
    if values is None:
        raise ArgumentError(f"{what}: the new response is None; give one value per row ({n})")
    if kind == "factor":
        s = pd.Series(np.asarray(values, dtype=object).ravel()) if not isinstance(values, pd.Series) \
            else values.reset_index(drop=True)
        if s.shape[0] != n:
            raise ArgumentError(f"{what} needs one response value per row used in the fit ({n}), "
                                f"got {s.shape[0]}")
        levels = [str(v) for v in info.levels]
        text = s.astype(str)
        bad = sorted(set(text[~text.isin(levels)]))
        if bad or s.isna().any():
            raise ResponseError(f"{what}: the new response must take the levels {levels} of "
                                f"{info.name!r}; got {bad[:5] if bad else 'missing values'}")
        return (text == levels[1]).to_numpy(float)
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        shown = list(pd.unique(pd.Series(np.asarray(values, dtype=object).ravel())))[:3]
        raise ResponseError(f"{what}: the new response must be numeric for a {kind} response; "
                            f"got values such as {shown}") from None
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim == 2:
        if kind != "cbind" or arr.shape[1] != 2:
            raise ArgumentError(f"{what}: the new response has {arr.shape[1]} columns; a {kind} response "
                                "takes one value per row" + (" (or 2 columns, successes and failures)"
                                                             if kind == "cbind" else
                                                             " (a one-column frame is fine)"))
        if arr.shape[0] != n:
            raise ArgumentError(f"{what} needs one row per row used in the fit ({n}), got {arr.shape[0]}")
        tot = arr.sum(axis=1)
        bad = ~np.isfinite(tot) | (arr < 0).any(axis=1) | (arr != np.round(arr)).any(axis=1) | (tot != w)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ResponseError(f"{what}: cbind rows must be whole successes and failures adding up to "
                                f"the trials; row {i} is {arr[i].tolist()} for {w[i]:g} trials")
        return np.where(w > 0, arr[:, 0] / np.where(w > 0, w, 1.0), 0.0)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ArgumentError(f"{what} needs one response value per row used in the fit ({n}), "
                            f"got {arr.shape[0] if arr.ndim == 1 else arr.shape}")
    if kind == "cbind":
        bad = ~np.isfinite(arr) | (arr < 0) | (arr > w) | (arr != np.round(arr))
        need = "whole numbers of successes between 0 and the number of trials"
        y = np.where(w > 0, arr / np.where(w > 0, w, 1.0), 0.0)
    elif kind == "binary" and np.all(w == 1):
        bad = ~np.isin(arr, (0.0, 1.0))
        need = "0 or 1"
        y = arr
    else:
        with np.errstate(invalid="ignore"):
            k = arr * w
            bad = ~np.isfinite(arr) | (arr < 0) | (arr > 1) | (np.abs(k - np.round(k)) > 1e-7)
        need = "proportions between 0 and 1 whose product with the weights is a whole number"
        y = arr
    if bad.any():
        raise ResponseError(f"{what}: the new response must be {need}; got "
                            f"{list(pd.unique(arr[bad]))[:5]}")
    return y

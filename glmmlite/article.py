"""The tutorial article's simulated data, step by step.

The UVA StatLab article "Getting Started with Binomial Generalized Linear Mixed
Models" simulates 250 subjects (``id``) observed on 14 days (``day``), each
subject randomly assigned a treatment (``trt``: control / treat) and a sex
(``sex``: female / male), and a 0/1 response "ate vegetables":

1. ``trt <- sample(c("control", "treat"), 250, replace = TRUE)``, then ``sex``
   the same way; each subject keeps its values on all 14 days.
2. The article's coin-flip demo ``rbinom(n = 5, size = 1, prob = 0.5)`` (R
   prints ``1 1 1 1 0``).  It is drawn from the same stream, so every later
   draw depends on it.
3. **Probability scale** (the article's first, "not technically correct" way):
   ``p`` = the cell probability (female/control 0.40, female/treat 0.85,
   male/control 0.30, male/treat 0.50) plus a subject effect
   ``rnorm(250, 0, 0.03)``; ``y <- rbinom(3500, 1, p)``.
4. **Logit scale** (the article's side note, the "correct" way):
   ``p2 = plogis(-0.4054651 + 2.140066 treat - 0.4418328 male
   - 1.292768 treat:male + rnorm(250, 0, 0.03))``; ``y2 <- rbinom(3500, 1, p2)``.

:func:`simulate_article_data` runs all steps.  With ``stream="r", seed=1`` it
returns exactly what the article's code gives when run top to bottom in one R
session after ``set.seed(1)`` (the lme4 reference ``article_data.csv``);
``coin_flip=False`` leaves step 2 out (the reference ``seed_data.csv``).  Passing
an :class:`~glmmlite.rstream.RStream` as ``seed`` leaves that stream where R's
session is after ``y2``, ready for R's ``simulate(m, nsim = 100)``
(:meth:`GlmerResult.simulate <glmmlite.results.GlmerResult.simulate>` with
``seed=`` the stream).  The helpers :func:`article_design`, :func:`article_p` and
:func:`article_p2` are the single steps, for use with an RStream one draw at a
time.
"""
from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import ArgumentError, GlmmliteWarning
from .rstream import RStream

__all__ = [
    "ARTICLE_PROBS", "ARTICLE_COEFS", "ARTICLE_CELLS", "TRT_LEVELS", "SEX_LEVELS", "COIN_FLIP",
    "article_design", "article_p", "article_p2", "simulate_article_data",
]

#: Levels of ``trt`` and ``sex`` in the order ``sample()`` draws from them.
TRT_LEVELS: tuple[str, str] = ("control", "treat")
SEX_LEVELS: tuple[str, str] = ("female", "male")

#: The four cells in the order of R's ``levels(interaction(trt, sex))``, which is
#: the order of :data:`ARTICLE_PROBS`.
ARTICLE_CELLS: tuple[tuple[str, str], ...] = (
    ("control", "female"), ("treat", "female"), ("control", "male"), ("treat", "male"))

#: The article's fixed-effect probabilities, one per cell of :data:`ARTICLE_CELLS`.
ARTICLE_PROBS: tuple[float, float, float, float] = (0.40, 0.85, 0.30, 0.50)

#: The article's logit-scale coefficients: intercept, treat, male, treat:male.
ARTICLE_COEFS: tuple[float, float, float, float] = (
    -0.4054651, 2.140066, -0.4418328, -1.292768)

#: The article's coin-flip demo, ``rbinom(n = 5, size = 1, prob = 0.5)``: n, size, prob.
COIN_FLIP: tuple[int, int, float] = (5, 1, 0.5)

_SCALES = ("probability", "logit", "both")
_OUT_OF_RANGE = ("raise", "clip", "na")


# ------------------------------------------------------------------ checks
def _whole(x: Any, what: str, minimum: int = 1) -> int:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral) or x < minimum:
        raise ArgumentError(f"'{what}' must be a whole number >= {minimum}, got {x!r}")
    return int(x)


def _four(values: Any, what: str, lo: float = -math.inf, hi: float = math.inf) -> np.ndarray:
    a = np.asarray(values, dtype=float).ravel()
    if a.size != 4:
        raise ArgumentError(
            f"'{what}' needs 4 values (control/female, treat/female, control/male, "
            f"treat/male for probs; intercept, treat, male, treat:male for coefs), got {a.size}")
    if not np.all(np.isfinite(a)) or np.any(a < lo) or np.any(a > hi):
        raise ArgumentError(f"'{what}' must be finite and within [{lo}, {hi}], got {a.tolist()}")
    return a


def _sd(x: Any, what: str) -> float:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real) \
            or not math.isfinite(x) or x < 0:
        raise ArgumentError(f"'{what}' must be a finite number >= 0, got {x!r}")
    return float(x)


def _levels(x: Any, allowed: tuple[str, str], what: str) -> np.ndarray:
    a = np.asarray(x, dtype=object).ravel()
    bad = ~np.isin(a, allowed)
    if bad.any():
        raise ArgumentError(
            f"'{what}' must hold only {list(allowed)}; found {sorted(set(map(str, a[bad])))[:5]}")
    return a


# ------------------------------------------------------------------ steps
def article_design(n: int = 250, days: int = 14) -> pd.DataFrame:
    """All subject-by-day rows, sorted by ``id`` then ``day``.

    The same rows as R's ``expand.grid(id = 1:n, day = 1:days)`` followed by
    ``d[order(d$id, d$day), ]`` and ``rownames(d) <- NULL``.

    Parameters
    ----------
    n : int
        Number of subjects (ids ``1..n``).
    days : int
        Number of days per subject (``1..days``).

    Returns
    -------
    pandas.DataFrame
        Columns ``id`` and ``day`` (int64), ``n * days`` rows, index ``0..``.

    Examples
    --------
    >>> article_design(2, 3)
       id  day
    0   1    1
    1   1    2
    2   1    3
    3   2    1
    4   2    2
    5   2    3
    """
    n = _whole(n, "n")
    days = _whole(days, "days")
    return pd.DataFrame({
        "id": np.repeat(np.arange(1, n + 1, dtype=np.int64), days),
        "day": np.tile(np.arange(1, days + 1, dtype=np.int64), n),
    })


def article_p(trt: Any, sex: Any, random_p: Any,
              probs: Sequence[float] = ARTICLE_PROBS) -> np.ndarray:
    """Probability-scale probabilities: cell probability plus a random effect.

    ``probs[interaction(trt, sex)] + random_p``, element by element, exactly as
    the article's R code computes ``d$p``.  The result can leave [0, 1].

    Parameters
    ----------
    trt, sex : array_like of str
        ``"control"``/``"treat"`` and ``"female"``/``"male"``.
    random_p : array_like of float
        The random effects (probability scale), same length (or a scalar).
    probs : sequence of 4 floats
        Cell probabilities in the order of :data:`ARTICLE_CELLS`.

    Returns
    -------
    numpy.ndarray of float
    """
    t = _levels(trt, TRT_LEVELS, "trt")
    s = _levels(sex, SEX_LEVELS, "sex")
    if t.size != s.size:
        raise ArgumentError(f"'trt' and 'sex' differ in length ({t.size} vs {s.size})")
    pr = _four(probs, "probs", 0.0, 1.0)
    cell = (t == "treat").astype(np.int64) + 2 * (s == "male").astype(np.int64)
    return pr[cell] + np.asarray(random_p, dtype=float)


def article_p2(trt: Any, sex: Any, random_logit: Any,
               coefs: Sequence[float] = ARTICLE_COEFS) -> np.ndarray:
    """Logit-scale probabilities: ``plogis(b0 + b1 treat + b2 male + b3 treat:male + u)``.

    Evaluated in R's order (left to right, then ``1 / (1 + exp(-eta))`` with the
    C library's ``exp``), so the values agree with R's ``d$p2`` bit for bit.

    Parameters
    ----------
    trt, sex : array_like of str
        ``"control"``/``"treat"`` and ``"female"``/``"male"``.
    random_logit : array_like of float
        The random effects on the logit scale, same length (or a scalar).
    coefs : sequence of 4 floats
        Intercept, treat, male and treat:male coefficients.

    Returns
    -------
    numpy.ndarray of float
    """
    t = _levels(trt, TRT_LEVELS, "trt")
    s = _levels(sex, SEX_LEVELS, "sex")
    if t.size != s.size:
        raise ArgumentError(f"'trt' and 'sex' differ in length ({t.size} vs {s.size})")
    b0, b1, b2, b3 = _four(coefs, "coefs").tolist()
    tr = (t == "treat").astype(float)
    ma = (s == "male").astype(float)
    eta = b0 + b1 * tr + b2 * ma + b3 * tr * ma + np.asarray(random_logit, dtype=float)
    return np.array([1.0 / (1.0 + math.exp(-e)) for e in np.ravel(eta).tolist()])


# ------------------------------------------------------------------ the simulation
def _stream_name(stream: Any, seed: Any) -> str:
    """``"numpy"`` or ``"r"`` from the user's spelling (``"R"``, ``"NumPy"`` ...)."""
    if stream is None:
        return "r" if isinstance(seed, RStream) else "numpy"
    if not isinstance(stream, str) or stream.lower() not in ("numpy", "r"):
        raise ArgumentError(f"stream must be 'numpy' or 'r' (or 'R'), got {stream!r}")
    return stream.lower()


def _resolve_stream(seed: Any, stream: str | None) -> tuple[str, Any]:
    stream = _stream_name(stream, seed)
    if stream == "r":
        if isinstance(seed, RStream):
            return stream, seed.check()
        if isinstance(seed, np.random.Generator):
            raise ArgumentError("stream='r' needs an integer seed or an RStream, not a numpy Generator")
        if seed is None:
            seed = int(np.random.default_rng().integers(-2147483647, 2147483647, endpoint=True))
        return stream, RStream(seed)
    if isinstance(seed, RStream):
        raise ArgumentError("stream='numpy' cannot use an RStream; pass stream='r'")
    if isinstance(seed, (bool, np.bool_)):
        raise ArgumentError(f"seed must be an integer, a numpy Generator, an RStream or None, not {seed!r}")
    if isinstance(seed, numbers.Integral) and seed < 0:
        raise ArgumentError(
            f"a numpy seed must be an integer >= 0, got {seed!r} (negative seeds work only "
            "with stream='r', as in R's set.seed)")
    try:
        return stream, np.random.default_rng(seed)
    except (TypeError, ValueError) as exc:
        raise ArgumentError(f"cannot seed a numpy Generator with {seed!r}: {exc}") from None


def simulate_article_data(
    n: int = 250,
    days: int = 14,
    probs: Sequence[float] = ARTICLE_PROBS,
    sd: float = 0.03,
    seed: Any = None,
    stream: str | None = None,
    scale: str = "both",
    coefs: Sequence[float] = ARTICLE_COEFS,
    sd_logit: float = 0.03,
    out_of_range: str = "raise",
    coin_flip: bool = True,
) -> pd.DataFrame:
    """Simulate the article's data: ``n`` subjects x ``days`` days of 0/1 responses.

    Parameters
    ----------
    n, days : int
        Subjects and days per subject (the article: 250 and 14).
    probs : sequence of 4 floats
        Probability-scale cell probabilities in the order control/female,
        treat/female, control/male, treat/male (R's ``levels(interaction(trt,
        sex))``).
    sd : float
        SD of the probability-scale subject effects.
    seed : int, numpy Generator, SeedSequence, RStream or None
        For ``stream="numpy"``: anything :func:`numpy.random.default_rng` takes.
        For ``stream="r"``: the ``set.seed`` integer, or an
        :class:`~glmmlite.rstream.RStream` to draw from (and advance).  ``None``
        picks a random seed.
    stream : {"numpy", "r"} or None
        ``"r"`` (or ``"R"``) reproduces R's draws exactly (R's ``set.seed(seed)``
        then the article's code); ``"numpy"`` uses a numpy Generator.  ``None``
        (default) means ``"numpy"``, or ``"r"`` when ``seed`` is an RStream.
    scale : {"both", "probability", "logit"}
        Which responses to simulate.  ``"probability"`` adds ``p`` and ``y``;
        ``"logit"`` adds ``p2`` and ``y2``; ``"both"`` adds all four, drawing the
        probability-scale part first, as the reference data were made.  Only
        the parts asked for are drawn, so ``scale="logit"`` gives other
        ``p2``/``y2`` values than ``"both"`` with the same seed.
    coefs : sequence of 4 floats
        Logit-scale intercept, treat, male and treat:male coefficients.
    sd_logit : float
        SD of the logit-scale subject effects.
    out_of_range : {"raise", "clip", "na"}
        What to do when a probability-scale ``p`` falls outside [0, 1] (the
        article warns this can happen with large ``sd``).  ``"raise"``
        (default): raise :class:`~glmmlite.errors.ArgumentError` naming the
        subjects.  ``"clip"``: clip ``p`` to [0, 1] (the ``p`` column holds the
        clipped value) and warn.  ``"na"``: do what R does, i.e. ``y`` is missing
        (pandas ``Int64`` with ``<NA>``) for those rows, with a warning.  With
        ``stream="r"`` neither choice changes the other rows' draws, because R
        consumes no random number for a probability of 0, 1 or NA.
    coin_flip : bool
        Draw the article's coin-flip demo ``rbinom(n = 5, size = 1, prob = 0.5)``
        right after ``trt`` and ``sex``, as the article's code does in one R
        session (default).  ``False`` skips it: the order of the reference
        ``seed_data.csv``.  The five values are in ``d.attrs["coin_flip"]``.

    Returns
    -------
    pandas.DataFrame
        ``n * days`` rows sorted by ``id`` then ``day``; columns ``id``, ``day``
        (int64), ``trt``, ``sex`` (strings), then ``p``, ``y`` and/or ``p2``,
        ``y2`` (float64 probabilities, int64 responses).  With ``coin_flip``,
        ``d.attrs["coin_flip"]`` holds the five coin flips (a list of int).

    Raises
    ------
    ArgumentError
        Bad arguments, or ``p`` outside [0, 1] with ``out_of_range="raise"``.

    Examples
    --------
    R's ``set.seed(1)`` followed by the article's code, coin flip included:

    >>> d = simulate_article_data(stream="r", seed=1)
    >>> d.shape
    (3500, 8)
    >>> d.attrs["coin_flip"]                 # R prints 1 1 1 1 0
    [1, 1, 1, 1, 0]
    >>> print(d[["id", "day", "trt", "sex", "y"]].head(6))
       id  day      trt     sex  y
    0   1    1  control  female  0
    1   1    2  control  female  0
    2   1    3  control  female  1
    3   1    4  control  female  1
    4   1    5  control  female  1
    5   1    6  control  female  1
    >>> round(float(d.loc[0, "p"]), 7), round(float(d.loc[0, "p2"]), 7)
    (0.4562171, 0.4038583)

    Without the coin flip (the draw order of the reference ``seed_data.csv``):

    >>> round(float(simulate_article_data(stream="r", seed=1, coin_flip=False).loc[0, "p"]), 7)
    0.4040867

    The same data in steps, with the same stream (as the book's chapter does):

    >>> rs = RStream(1)
    >>> trt = rs.sample(TRT_LEVELS, 250, replace=True)
    >>> sex = rs.sample(SEX_LEVELS, 250, replace=True)
    >>> rs.rbinom(5, 1, 0.5).tolist()       # the coin flip
    [1, 1, 1, 1, 0]
    >>> p = article_p(trt, sex, rs.rnorm(250, 0, 0.03))
    >>> design = article_design(250, 14)
    >>> y = rs.rbinom(len(design), 1, p[design["id"] - 1])
    >>> bool((y == d["y"]).all())
    True

    An RStream as ``seed`` is advanced past ``y2``, where R's session is when
    the article calls ``simulate(m, nsim = 100)``:

    >>> rs = RStream(1)
    >>> d = simulate_article_data(seed=rs)   # stream="r" implied
    >>> rs.state[:2].tolist()                # .Random.seed[1:2] at that point
    [10403, 393]
    """
    n = _whole(n, "n")
    days = _whole(days, "days")
    pr = _four(probs, "probs", 0.0, 1.0)
    co = _four(coefs, "coefs")
    sd = _sd(sd, "sd")
    sd_logit = _sd(sd_logit, "sd_logit")
    if scale not in _SCALES:
        raise ArgumentError(f"scale must be one of {_SCALES}, got {scale!r}")
    if out_of_range not in _OUT_OF_RANGE:
        raise ArgumentError(f"out_of_range must be one of {_OUT_OF_RANGE}, got {out_of_range!r}")
    if not isinstance(coin_flip, (bool, np.bool_)):
        raise ArgumentError(f"coin_flip must be True or False, got {coin_flip!r}")
    kind, gen = _resolve_stream(seed, stream)

    d = article_design(n, days)
    rows = d["id"].to_numpy() - 1           # subject index of each row
    nrow = len(d)

    if kind == "r":
        trt = gen.sample(list(TRT_LEVELS), n, replace=True)
        sex = gen.sample(list(SEX_LEVELS), n, replace=True)
    else:
        trt = gen.choice(np.array(TRT_LEVELS), n)
        sex = gen.choice(np.array(SEX_LEVELS), n)
    d["trt"] = trt.astype(object)[rows]
    d["sex"] = sex.astype(object)[rows]
    flip: np.ndarray | None = None
    if coin_flip:                            # the article's demo: rbinom(n = 5, size = 1, prob = 0.5)
        flip = (gen.rbinom(COIN_FLIP[0], COIN_FLIP[1], COIN_FLIP[2]) if kind == "r"
                else gen.binomial(COIN_FLIP[1], COIN_FLIP[2], COIN_FLIP[0])).astype(np.int64)

    if scale in ("probability", "both"):
        r1 = gen.rnorm(n, 0.0, sd) if kind == "r" else gen.normal(0.0, sd, n)
        p = article_p(trt, sex, r1, pr)[rows]
        bad = (p < 0.0) | (p > 1.0)
        p_draw = p
        if bad.any():
            ids = np.unique(d["id"].to_numpy()[bad])
            where = (f"{ids.size} subject(s), ids {ids[:10].tolist()}"
                     + (" ..." if ids.size > 10 else "")
                     + f"; p from {p[bad].min():.4g} to {p[bad].max():.4g}")
            if out_of_range == "raise":
                raise ArgumentError(
                    "probability-scale p outside [0, 1] for " + where + ". Use a smaller 'sd', "
                    "scale='logit' (always valid), or out_of_range='clip' or 'na'.")
            warnings.warn(
                ("p outside [0, 1] clipped for " if out_of_range == "clip"
                 else "y set to NA (R: 'NAs produced') where p is outside [0, 1], for ")
                + where, GlmmliteWarning, stacklevel=2)
            if out_of_range == "clip":
                p = np.clip(p, 0.0, 1.0)
                p_draw = p
            else:
                p_draw = np.where(bad, 0.0, p)   # R draws nothing for an NA probability
        y = gen.rbinom(nrow, 1, p_draw) if kind == "r" else gen.binomial(1, p_draw)
        d["p"] = p
        if bad.any() and out_of_range == "na":
            d["y"] = pd.array(np.where(bad, 0, y), dtype="Int64")
            d.loc[bad, "y"] = pd.NA
        else:
            d["y"] = y.astype(np.int64)

    if scale in ("logit", "both"):
        r2 = gen.rnorm(n, 0.0, sd_logit) if kind == "r" else gen.normal(0.0, sd_logit, n)
        p2 = article_p2(trt, sex, r2, co)[rows]
        y2 = gen.rbinom(nrow, 1, p2) if kind == "r" else gen.binomial(1, p2)
        d["p2"] = p2
        d["y2"] = y2.astype(np.int64)
    if flip is not None:
        d.attrs["coin_flip"] = flip.tolist()
    return d

"""R-compatible random numbers, draw for draw.

:class:`RStream` reproduces R's default random number generator
(``RNGkind()`` = "Mersenne-Twister", "Inversion", "Rejection", as in R >= 3.6)
so that a Python session can replay an R script's random draws exactly:

* ``RStream(seed)`` is ``set.seed(seed)``: R scrambles the seed with 50 steps of
  the linear congruential generator ``seed <- 69069 * seed + 1`` (mod 2^32), then
  fills the 624 Mersenne-Twister words with further steps of the same generator.
  :attr:`RStream.state` is R's ``.Random.seed``.
* :meth:`RStream.unif_rand` is R's C-level ``unif_rand()``: a 32-bit
  Mersenne-Twister output times 2^-32 (an exact 0 is moved to 2^-33 / (1 - 2^-32)).
* :meth:`RStream.runif`, :meth:`RStream.rnorm`, :meth:`RStream.sample` and
  :meth:`RStream.rbinom` consume those uniforms exactly as R 4.x does, including
  the cases where R consumes none (``sd = 0``, ``prob = 0`` or ``1``, ``size = 0``,
  ``min == max``).

* :meth:`RStream.from_random_seed` continues from an R ``.Random.seed`` vector and
  :meth:`RStream.check` refuses a stream that cannot go on; a stream passed as
  ``seed`` to :func:`~glmmlite.article.simulate_article_data` or
  :meth:`GlmerResult.simulate <glmmlite.results.GlmerResult.simulate>` is advanced
  exactly as R's session would be.

The Mersenne-Twister itself is numpy's :class:`numpy.random.MT19937` (the
same algorithm), whose state is set to R's words directly.  Hot paths
(``runif``, ``rnorm``, ``sample(replace=True)`` and binomial inversion) are
vectorised and never read a uniform that R would not have read, so the state
after every call equals R's ``.Random.seed``.

Algorithms (all re-implemented here from their published descriptions):

* normal deviates: R's "Inversion": ``u = floor(2^27 * U1) + U2``,
  ``x = qnorm(u / 2^27)`` with ``qnorm`` = Wichura's AS 241 (:func:`r_qnorm`);
* ``sample``: rejection sampling of ``ceil(log2(n))`` random bits taken 16 at a
  time from uniforms; partial Fisher-Yates shuffle without replacement (R's
  hashing variant for populations above 1e7);
* ``rbinom``: Kachitvichyanukul and Schmeiser (1988): inversion when
  ``size * min(p, 1 - p) < 30``, BTPE otherwise, with R 4.2's constants.

Examples
--------
>>> rs = RStream(1)                      # set.seed(1)
>>> rs.runif(3).round(7).tolist()         # runif(3)
[0.2655087, 0.3721239, 0.5728534]
>>> rs = RStream(1)
>>> rs.sample(["control", "treat"], 5, replace=True).tolist()
['control', 'treat', 'control', 'control', 'treat']
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import ArgumentError

__all__ = ["RStream", "r_set_seed", "r_qnorm"]

_MT_N = 624
_KIND_CODE = 10403          # Mersenne-Twister + 100 * Inversion + 10000 * Rejection
_TWO_M32 = 2.3283064365386963e-10   # 2^-32, MT_genrand's scale
_I2_32M1 = 2.328306437080797e-10    # 1 / (2^32 - 1), R's fixup() for an exact 0
_BIG = 134217728.0                  # 2^27, rnorm's inversion resolution
_INT_MAX = 2147483647
_SAMPLE_MAX = 4.5e15                # R's limit on the population size
_HASH_MIN = 1e7                     # sample.int's useHash threshold


# --------------------------------------------------------------------------- qnorm
# Wichura (1988), Algorithm AS 241 (PPND16), as R's qnorm() evaluates it.
_A = (2509.0809287301226727, 33430.575583588128105, 67265.770927008700853,
      45921.953931549871457, 13731.693765509461125, 1971.5909503065514427,
      133.14166789178437745, 3.387132872796366608)
_B = (5226.495278852854561, 28729.085735721942674, 39307.89580009271061,
      21213.794301586595867, 5394.1960214247511077, 687.1870074920579083,
      42.313330701600911252, 1.0)
_C = (7.7454501427834140764e-4, .0227238449892691845833, .24178072517745061177,
      1.27045825245236838258, 3.64784832476320460504, 5.7694972214606914055,
      4.6303378461565452959, 1.42343711074968357734)
_D = (1.05075007164441684324e-9, 5.475938084995344946e-4, .0151986665636164571966,
      .14810397642748007459, .68976733498510000455, 1.6763848301838038494,
      2.05319162663775882187, 1.0)
_E = (2.01033439929228813265e-7, 2.71155556874348757815e-5, .0012426609473880784386,
      .026532189526576123093, .29656057182850489123, 1.7848265399172913358,
      5.4637849111641143699, 6.6579046435011037772)
_F = (2.04426310338993978564e-15, 1.4215117583164458887e-7, 1.8463183175100546818e-5,
      7.868691311456132591e-4, .0148753612908506148525, .13692988092273580531,
      .59983220655588793769, 1.0)


def _horner(r: np.ndarray, coef: tuple[float, ...]) -> np.ndarray:
    """``((c0 * r + c1) * r + c2) ...`` in exactly the C evaluation order."""
    val = r * coef[0] + coef[1]
    for c in coef[2:]:
        val = val * r + c
    return val


def r_qnorm(p: Any) -> np.ndarray:
    """Standard normal quantiles, bit for bit as R's ``qnorm(p)``.

    Parameters
    ----------
    p : array_like
        Lower-tail probabilities.

    Returns
    -------
    numpy.ndarray
        ``qnorm(p, 0, 1)``: ``-inf`` at 0, ``inf`` at 1, ``nan`` outside [0, 1].

    Notes
    -----
    AS 241 in R's operation order.  Logarithms use the C library's ``log``
    (through :func:`math.log`, as R does) rather than numpy's vectorised one,
    which may differ in the last bit.  ``scipy.special.ndtri`` uses a different
    algorithm and does *not* agree with R bit for bit.
    """
    p = np.atleast_1d(np.asarray(p, dtype=float))
    out = np.full(p.shape, np.nan)
    out[p == 0.0] = -np.inf
    out[p == 1.0] = np.inf
    inside = (p > 0.0) & (p < 1.0)
    q = p - 0.5
    mid = inside & (np.abs(q) <= 0.425)
    if mid.any():
        qm = q[mid]
        r = 0.180625 - qm * qm
        out[mid] = qm * _horner(r, _A) / _horner(r, _B)
    tail = inside & ~mid
    if tail.any():
        qt = q[tail]
        pt = p[tail]
        small = np.where(qt > 0, 0.5 - pt + 0.5, pt)    # min(p, 1 - p)
        r = np.sqrt(-np.array([math.log(v) for v in small.tolist()]))
        val = np.empty_like(r)
        near = r <= 5.0
        if near.any():
            rn = r[near] + -1.6
            val[near] = _horner(rn, _C) / _horner(rn, _D)
        if (~near).any():
            rf = r[~near] + -5.0
            val[~near] = _horner(rf, _E) / _horner(rf, _F)
        out[tail] = np.where(qt < 0.0, -val, val)
    return out


# --------------------------------------------------------------------------- helpers
def _count(n: Any, what: str = "n") -> int:
    """R's reading of a count argument: a number >= 0, or the length of a vector."""
    if isinstance(n, (bool, np.bool_)):
        raise ArgumentError(f"'{what}' must be a non-negative whole number, not {n!r}")
    if isinstance(n, numbers.Integral):
        k = int(n)
    elif isinstance(n, numbers.Real):
        if not math.isfinite(n) or n < 0:
            raise ArgumentError(f"'{what}' must be a non-negative whole number, not {n!r}")
        k = int(n)        # R truncates
    elif hasattr(n, "__len__"):
        k = len(n)
        if k == 1:        # a length-one vector is the count itself, as in R
            return _count(np.asarray(n).ravel()[0], what)
    else:
        raise ArgumentError(f"'{what}' must be a non-negative whole number, not {n!r}")
    if k < 0:
        raise ArgumentError(f"'{what}' must be a non-negative whole number, not {n!r}")
    return k


def _recycled(x: Any, n: int, what: str) -> np.ndarray:
    """``x[i %% length(x)]`` for i < n, as R's random-variate functions recycle."""
    a = np.atleast_1d(np.asarray(x, dtype=float)).ravel()
    if n == 0:
        return a[:0]
    if a.size == 0:
        raise ArgumentError(f"'{what}' has length 0; R would return NA for every draw")
    if a.size == n:
        return a
    return np.resize(a, n)


def _bad_positions(mask: np.ndarray, values: Any, limit: int = 5) -> str:
    idx = np.flatnonzero(mask)
    if isinstance(values, np.ndarray):
        values = values.tolist()
    shown = ", ".join(f"[{i + 1}] {values[i]!r}" for i in idx[:limit])
    more = f" and {idx.size - limit} more" if idx.size > limit else ""
    return shown + more


def _r_pow_di(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """R's ``R_pow_di(x, n)`` for n >= 0: square-and-multiply, vectorised."""
    out = np.ones_like(x)
    x = x.copy()
    n = n.astype(np.int64).copy()
    while True:
        odd = (n & 1).astype(bool)
        out = np.where(odd, out * x, out)
        n >>= 1
        if not n.any():
            break
        x = np.where(n != 0, x * x, x)
    return out


class _Reader:
    """Scalar access to a stream's uniforms that never reads ahead of R.

    ``take(hint)`` returns the next uniform.  When its buffer is empty it reads
    ``hint`` uniforms at once; callers pass a *lower bound* on how many uniforms
    the whole operation will still consume (this one included), so the buffer
    is always empty when the operation ends.
    """

    def __init__(self, stream: "RStream") -> None:
        self._stream = stream
        self._buf: list[float] = []
        self._i = 0

    def take(self, hint: int = 1) -> float:
        if self._i >= len(self._buf):
            self._buf = self._stream.unif_rand(max(1, int(hint))).tolist()
            self._i = 0
        v = self._buf[self._i]
        self._i += 1
        return v

    def close(self) -> None:
        if self._i != len(self._buf):  # pragma: no cover - a bug in a hint
            raise RuntimeError("RStream internal error: uniforms read ahead of R")


def _bits_needed(dn: float) -> tuple[int, int]:
    """``bits = ceil(log2(dn))`` and the number of 16-bit uniforms ``rbits`` uses."""
    bits = int(math.ceil(math.log2(dn))) if dn > 0 else 0
    return bits, bits // 16 + 1


# --------------------------------------------------------------------------- stream
class RStream:
    """A random stream that reproduces R's default generator draw for draw.

    Parameters
    ----------
    seed : int
        As in R's ``set.seed(seed)``; any integer in R's integer range
        (``-2147483647 .. 2147483647``).

    Notes
    -----
    Only R's default kinds are reproduced: ``RNGkind("Mersenne-Twister",
    "Inversion", "Rejection")`` (R >= 3.6; ``.Random.seed[1] == 10403``).
    Each method consumes uniforms in exactly R's order, so a sequence of calls
    on one stream matches the same sequence of R calls after one ``set.seed``.

    Where R returns ``NA`` with the warning "NAs produced" (e.g. a probability
    outside [0, 1], a negative ``sd``), these methods raise
    :class:`~glmmlite.errors.ArgumentError` naming the offending positions.
    (For those positions R consumes no random number.)

    Examples
    --------
    >>> rs = RStream(1)
    >>> rs.state[:3].tolist()            # .Random.seed[1:3] after set.seed(1)
    [10403, 624, -169270483]
    >>> rs.rbinom(10, 1, 0.3).tolist()   # rbinom(10, 1, 0.3)
    [0, 0, 0, 1, 0, 1, 1, 0, 0, 0]
    """

    def __init__(self, seed: int) -> None:
        self._seed = self._check_seed(seed)
        self._bitgen = np.random.MT19937(0)   # placeholder seed; state set below
        words = self._scramble(self._seed)
        self._set_words(words, _MT_N)

    # ---------------------------------------------------------------- seeding
    @staticmethod
    def _check_seed(seed: Any) -> int:
        if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Real):
            raise ArgumentError(f"seed must be an integer, as in R's set.seed(); got {seed!r}")
        if isinstance(seed, numbers.Integral):
            s = int(seed)
        else:
            if not math.isfinite(seed):
                raise ArgumentError(f"seed must be a finite integer, got {seed!r}")
            s = int(seed)             # R's asInteger() truncates
        if not -_INT_MAX <= s <= _INT_MAX:
            raise ArgumentError(
                f"seed {seed!r} is outside R's integer range (-2147483647 .. 2147483647); "
                "set.seed() would refuse it")
        return s

    @staticmethod
    def _scramble(seed: int) -> np.ndarray:
        """The 624 MT words that ``set.seed(seed)`` produces (R's ``RNG_Init``)."""
        s = seed & 0xFFFFFFFF
        for _ in range(50):                       # initial scrambling
            s = (69069 * s + 1) & 0xFFFFFFFF
        words = np.empty(_MT_N + 1, dtype=np.uint32)
        for j in range(_MT_N + 1):                # slot 0 is mti, overwritten below
            s = (69069 * s + 1) & 0xFFFFFFFF
            words[j] = s
        return words[1:]

    def _set_words(self, words: np.ndarray, mti: int) -> None:
        self._bitgen.state = {
            "bit_generator": "MT19937",
            "state": {"key": np.asarray(words, dtype=np.uint32).copy(), "pos": int(mti)},
        }

    @classmethod
    def from_random_seed(cls, random_seed: Sequence[int]) -> "RStream":
        """A stream that continues from an R ``.Random.seed`` vector.

        Parameters
        ----------
        random_seed : sequence of int
            The 626 integers of ``.Random.seed`` (first element 10403).

        Returns
        -------
        RStream
        """
        if isinstance(random_seed, RStream):
            return random_seed.check().copy()
        try:
            v = np.asarray(random_seed).ravel()
        except (TypeError, ValueError):
            raise ArgumentError(
                f".Random.seed must be a vector of {_MT_N + 2} integers, not "
                f"{type(random_seed).__name__}") from None
        if v.size != _MT_N + 2:
            raise ArgumentError(
                f".Random.seed for Mersenne-Twister has {_MT_N + 2} integers, got {v.size}")
        if not np.issubdtype(v.dtype, np.integer):
            raise ArgumentError(f".Random.seed must hold integers, got dtype {v.dtype}")
        if v.min() < -_INT_MAX - 1 or v.max() > _INT_MAX:
            raise ArgumentError(".Random.seed must hold 32-bit integers (R's integers); found "
                                f"values from {int(v.min())} to {int(v.max())}")
        if int(v[0]) != _KIND_CODE:
            raise ArgumentError(
                f".Random.seed[1] is {int(v[0])}; only R's default kinds (10403 = "
                "Mersenne-Twister / Inversion / Rejection) are supported")
        mti = int(v[1])
        if mti == 0:
            mti = _MT_N                     # R's FixupSeeds() does the same
        if not 0 < mti <= _MT_N:
            raise ArgumentError(f".Random.seed[2] (mti) must be in 1..624, got {int(v[1])}")
        words = v[2:].astype(np.int64).astype(np.uint32)
        if not words.any():
            raise ArgumentError(".Random.seed has an all-zero Mersenne-Twister state")
        obj = cls.__new__(cls)
        obj._seed = None
        obj._bitgen = np.random.MT19937(0)
        obj._set_words(words, mti)
        return obj

    def check(self) -> "RStream":
        """Raise :class:`~glmmlite.errors.ArgumentError` unless the stream can go on drawing.

        A stream can continue when it holds a Mersenne-Twister state of 624 words
        with a position in 1..624 and not all words zero, as R's ``.Random.seed``
        requires.  (Only a stream whose internals were replaced or damaged fails.)

        Returns
        -------
        RStream
            ``self``, for chaining.
        """
        bitgen = getattr(self, "_bitgen", None)
        try:
            st = bitgen.state if isinstance(bitgen, np.random.MT19937) else None
            key = np.asarray(st["state"]["key"]) if st is not None else None
            pos = int(st["state"]["pos"]) if st is not None else -1
        except (AttributeError, KeyError, TypeError, ValueError):
            key, pos = None, -1
        if key is None or key.shape != (_MT_N,) or not 0 < pos <= _MT_N or not key.any():
            raise ArgumentError(
                f"this RStream cannot continue: it holds no valid Mersenne-Twister state "
                f"({_MT_N} words and a position in 1..{_MT_N}); make a new one with RStream(seed) "
                "or RStream.from_random_seed(.Random.seed)")
        return self

    @property
    def state(self) -> np.ndarray:
        """R's ``.Random.seed``: 626 int32 values (kind code, mti, 624 MT words)."""
        st = self._bitgen.state["state"]
        key = np.asarray(st["key"], dtype=np.uint32).view(np.int32)
        return np.concatenate([np.array([_KIND_CODE, int(st["pos"])], dtype=np.int32), key])

    @property
    def seed(self) -> int | None:
        """The seed given to the constructor (``None`` if built from a state)."""
        return self._seed

    def copy(self) -> "RStream":
        """An independent stream at the same position."""
        return RStream.from_random_seed(self.state)

    def __repr__(self) -> str:
        pos = int(self._bitgen.state["state"]["pos"])
        origin = f"seed={self._seed}" if self._seed is not None else "from .Random.seed"
        return f"RStream({origin}, mti={pos})"

    # ---------------------------------------------------------------- uniforms
    def unif_rand(self, n: int = 1) -> np.ndarray:
        """``n`` draws of R's C-level ``unif_rand()`` (uniform on (0, 1)).

        Parameters
        ----------
        n : int
            Number of uniforms.

        Returns
        -------
        numpy.ndarray of float
        """
        k = _count(n)
        if k == 0:
            return np.empty(0)
        raw = self._bitgen.random_raw(k)
        u = raw * _TWO_M32                     # exact: raw < 2^32
        u[raw == 0] = 0.5 * _I2_32M1            # R's fixup(): never exactly 0
        return u

    def runif(self, n: Any, min: Any = 0.0, max: Any = 1.0) -> np.ndarray:  # noqa: A002
        """R's ``runif(n, min, max)``.

        Parameters
        ----------
        n : int or sequence
            Number of draws (or a vector whose length is used, as in R).
        min, max : float or array_like
            Bounds, recycled.  Where ``min == max`` R returns ``min`` and consumes
            no random number.

        Returns
        -------
        numpy.ndarray of float
        """
        k = _count(n)
        a = _recycled(min, k, "min")
        b = _recycled(max, k, "max")
        bad = ~np.isfinite(a) | ~np.isfinite(b) | (b < a)
        if bad.any():
            raise ArgumentError(
                "runif: need finite min <= max (R returns NA there); bad positions: "
                + _bad_positions(bad, np.stack([a, b], axis=1).tolist()))
        out = a.copy()
        draw = a != b
        m = int(draw.sum())
        if m:
            u = self.unif_rand(m)
            out[draw] = a[draw] + (b[draw] - a[draw]) * u
        return out

    # ---------------------------------------------------------------- normals
    def _norm_rand(self, m: int) -> np.ndarray:
        """``m`` standard normals by R's "Inversion" (two uniforms each)."""
        if m == 0:
            return np.empty(0)
        u = self.unif_rand(2 * m).reshape(m, 2)
        v = np.floor(_BIG * u[:, 0]) + u[:, 1]
        return r_qnorm(v / _BIG)

    def rnorm(self, n: Any, mean: Any = 0.0, sd: Any = 1.0) -> np.ndarray:
        """R's ``rnorm(n, mean, sd)`` with the default "Inversion" method.

        Parameters
        ----------
        n : int or sequence
            Number of draws (or a vector whose length is used).
        mean, sd : float or array_like
            Recycled, as in R.  Where ``sd == 0`` (or ``mean`` is infinite) R
            returns ``mean`` and consumes no random number.

        Returns
        -------
        numpy.ndarray of float
            ``mean + sd * qnorm(u)``, each ``u`` built from two uniforms.
        """
        k = _count(n)
        mu = _recycled(mean, k, "mean")
        sigma = _recycled(sd, k, "sd")
        bad = np.isnan(mu) | ~np.isfinite(sigma) | (sigma < 0)
        if bad.any():
            raise ArgumentError(
                "rnorm: need a non-NaN mean and a finite sd >= 0 (R returns NA there); "
                "bad positions: " + _bad_positions(bad, np.stack([mu, sigma], axis=1).tolist()))
        out = mu.copy()
        draw = (sigma != 0) & np.isfinite(mu)
        m = int(draw.sum())
        if m:
            out[draw] = mu[draw] + sigma[draw] * self._norm_rand(m)
        return out

    # ---------------------------------------------------------------- sample
    def _unif_index_vec(self, dn: float, k: int) -> np.ndarray:
        """``k`` draws of R's ``R_unif_index(dn)`` (rejection sampling), vectorised."""
        if k == 0:
            return np.empty(0, dtype=np.int64)
        bits, chunks = _bits_needed(dn)
        mask = np.uint64((1 << bits) - 1)
        found: list[np.ndarray] = []
        need = k
        while need > 0:
            # Every remaining draw needs at least one candidate of `chunks` uniforms,
            # so reading `need` candidates never reads past what R reads.
            u = self.unif_rand(need * chunks).reshape(need, chunks)
            parts = np.floor(u * 65536.0).astype(np.uint64)
            v = np.zeros(need, dtype=np.uint64)
            for c in range(chunks):
                v = v * np.uint64(65536) + parts[:, c]
            dv = (v & mask).astype(float)
            ok = dv[dv < dn]
            found.append(ok)
            need -= ok.size
        return np.concatenate(found).astype(np.int64)

    @staticmethod
    def _unif_index_scalar(dn: float, reader: _Reader, later: int) -> int:
        """One ``R_unif_index(dn)``; ``later`` = uniforms surely needed afterwards."""
        bits, chunks = _bits_needed(dn)
        mask = (1 << bits) - 1
        while True:
            v = 0
            for c in range(chunks):
                v = 65536 * v + int(math.floor(reader.take(chunks - c + later) * 65536.0))
            dv = v & mask
            if dv < dn:
                return dv

    def _sample_int(self, dn: float, k: int, replace: bool) -> np.ndarray:
        """R's ``sample.int(dn, k, replace)``: 1-based indices."""
        if not math.isfinite(dn) or dn < 0 or dn > _SAMPLE_MAX or (k > 0 and dn == 0):
            raise ArgumentError(f"sample: invalid population size {dn!r}")
        if not replace and k > dn:
            raise ArgumentError(
                f"sample: cannot take a sample of size {k} from {int(dn)} items "
                "when replace=False")
        if k == 0:
            return np.empty(0, dtype=np.int64)
        use_hash = (not replace) and dn > _HASH_MIN and k <= dn / 2
        if use_hash:                     # .Internal(sample2(n, size))
            return self._sample_hash(dn, k)
        if replace or k < 2:
            return self._unif_index_vec(dn, k) + 1
        # partial Fisher-Yates, as R's do_sample: y[i] = x[j] + 1; x[j] = x[--n]
        n = int(dn)
        y = np.empty(k, dtype=np.int64)
        chunk = np.array([_bits_needed(float(n - i))[1] for i in range(k)], dtype=np.int64)
        later = np.concatenate([np.cumsum(chunk[::-1])[::-1][1:], [0]])
        reader = _Reader(self)
        if k * 8 < n:       # few items from many: keep only the swapped slots
            moved: dict[int, int] = {}
            for i in range(k):
                j = self._unif_index_scalar(float(n), reader, int(later[i]))
                y[i] = moved.get(j, j) + 1
                n -= 1
                moved[j] = moved.get(n, n)
        else:
            x = np.arange(n, dtype=np.int64)
            for i in range(k):
                j = self._unif_index_scalar(float(n), reader, int(later[i]))
                y[i] = x[j] + 1
                n -= 1
                x[j] = x[n]
        reader.close()
        return y

    def _sample_hash(self, dn: float, k: int) -> np.ndarray:
        """R's ``sample2``: redraw duplicates (at most 100 tries per position)."""
        _, chunks = _bits_needed(dn)
        seen: set[int] = set()
        y = np.empty(k, dtype=np.int64)
        reader = _Reader(self)
        for i in range(k):
            later = (k - i - 1) * chunks
            for _ in range(100):
                v = self._unif_index_scalar(dn, reader, later) + 1
                if v not in seen:
                    break
            seen.add(v)
            y[i] = v
        reader.close()
        return y

    def sample(self, x: Any, size: int | None = None, replace: bool = False) -> np.ndarray:
        """R's ``sample(x, size, replace)`` (uniform probabilities, "Rejection").

        Parameters
        ----------
        x : int or sequence
            The population.  As in R, a single whole number ``x >= 1`` means
            ``1:x``; anything else is a vector of items (unlike R, a length-one
            list or array is a population of one item, never ``1:x``).
        size : int, optional
            Number of items; default ``len(x)`` (a permutation).
        replace : bool
            Sample with replacement.

        Returns
        -------
        numpy.ndarray
            The sampled items (1-based integers when ``x`` is a number).
        """
        population: np.ndarray | None
        if (isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))
                and math.isfinite(x) and x >= 1):
            population = None                    # sample(n) means sample(1:n)
            dn = float(math.floor(x))
        elif isinstance(x, (str, bytes)) or np.ndim(x) == 0:
            population = np.array([x])
            dn = 1.0
        else:
            population = np.asarray(x).ravel()
            dn = float(population.size)
        if size is None:
            k = int(dn)
        elif isinstance(size, (bool, np.bool_)) or not isinstance(size, numbers.Real):
            raise ArgumentError(f"'size' must be a whole number, not {size!r}")
        else:
            k = _count(size, "size")
        idx = self._sample_int(dn, k, bool(replace))
        if population is None:
            return idx
        return population[idx - 1]

    # ---------------------------------------------------------------- binomial
    def rbinom(self, n: Any, size: Any, prob: Any) -> np.ndarray:
        """R's ``rbinom(n, size, prob)``, draw for draw.

        Parameters
        ----------
        n : int or sequence
            Number of draws (or a vector whose length is used).
        size : int or array_like
            Numbers of trials (whole numbers >= 0), recycled.
        prob : float or array_like
            Success probabilities in [0, 1], recycled.

        Returns
        -------
        numpy.ndarray of int64

        Notes
        -----
        As R: ``size == 0`` or ``prob == 0`` gives 0 and ``prob == 1`` gives
        ``size``, without consuming a random number.  Otherwise, with
        ``p = min(prob, 1 - prob)``, draws with ``size * p < 30`` use inversion
        (one uniform per draw, in practice always) and the others use BTPE (two
        uniforms per trial, rejection); ``prob > 0.5`` returns ``size - x``.
        R's static cache of set-up values between calls does not change any
        draw: the values are recomputed identically whenever (size, prob)
        changes.  ``size >= 2147483647`` (where R switches to ``qbinom``) is
        not supported.
        """
        k = _count(n)
        nn = _recycled(size, k, "size")
        pp = _recycled(prob, k, "prob")
        bad_n = ~np.isfinite(nn) | (nn < 0) | (np.floor(nn + 0.5) != nn)
        bad_p = ~np.isfinite(pp) | (pp < 0) | (pp > 1)
        if bad_n.any():
            raise ArgumentError(
                "rbinom: 'size' must be a whole number >= 0 (R returns NA there); "
                "bad positions: " + _bad_positions(bad_n, nn))
        if bad_p.any():
            raise ArgumentError(
                "rbinom: 'prob' must be in [0, 1] (R returns NA there); bad positions: "
                + _bad_positions(bad_p, pp))
        if (nn >= _INT_MAX).any():
            raise ArgumentError(
                "rbinom: size >= 2147483647 is not supported (R switches to qbinom there)")
        ni = nn.astype(np.int64)
        out = np.zeros(k, dtype=np.int64)
        one = (pp == 1.0) & (ni > 0)
        out[one] = ni[one]
        active = np.flatnonzero((ni > 0) & (pp > 0.0) & (pp < 1.0))
        if active.size == 0:
            return out
        a_n = ni[active]
        a_pp = pp[active]
        p = np.minimum(a_pp, 1.0 - a_pp)
        q = 1.0 - p
        np_ = a_n * p
        r = p / q
        g = r * (a_n + 1)
        inv = np_ < 30.0
        qn = np.where(inv, _r_pow_di(q, a_n), np.nan)
        res = np.empty(active.size, dtype=np.int64)

        # Runs of consecutive inversion draws are vectorised; BTPE draws are scalar.
        m = active.size
        cuts = np.flatnonzero(inv[1:] != inv[:-1]) + 1
        for i, j in zip(np.concatenate([[0], cuts]).tolist(), np.concatenate([cuts, [m]]).tolist()):
            if inv[i]:
                res[i:j] = self._binv_run(qn[i:j], g[i:j], r[i:j])
            else:
                # each later draw in this BTPE run needs >= 2 uniforms
                reader = _Reader(self)
                for t in range(i, j):
                    later = 2 * (j - t - 1)
                    res[t] = _btpe(int(a_n[t]), float(a_pp[t]), reader, later)
                reader.close()
        flip = a_pp > 0.5
        res[flip] = a_n[flip] - res[flip]
        out[active] = res
        return out

    def _binv_run(self, qn: np.ndarray, g: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Binomial inversion for consecutive draws (before the ``p > 0.5`` flip).

        Each draw consumes one uniform unless its search passes ``ix > 110``,
        when R starts it again with a new uniform.  Reading one uniform per
        pending draw therefore never reads ahead of R; after a restart the
        uniforms already read simply move one draw along.
        """
        m = qn.size
        res = np.empty(m, dtype=np.int64)
        buf = np.empty(0)
        pos = 0
        while pos < m:
            need = m - pos
            if buf.size < need:
                buf = np.concatenate([buf, self.unif_rand(need - buf.size)])
            ix, failed = _binv_attempt(buf[:need], qn[pos:], g[pos:], r[pos:])
            if not failed.any():
                res[pos:] = ix
                buf = buf[need:]
                break
            f = int(np.argmax(failed))
            res[pos:pos + f] = ix[:f]
            buf = buf[f + 1:]
            pos += f
        return res


def _binv_attempt(u: np.ndarray, qn: np.ndarray, g: np.ndarray,
                  r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One pass of R's inversion loop per draw; returns (ix, failed)."""
    m = u.size
    ix = np.zeros(m, dtype=np.int64)
    failed = np.zeros(m, dtype=bool)
    act = np.arange(m)
    uu = u.copy()
    f = qn.copy()
    k = 0
    while act.size:
        hit = uu[act] < f[act]
        ix[act[hit]] = k
        act = act[~hit]
        if not act.size:
            break
        if k > 110:
            failed[act] = True
            break
        uu[act] -= f[act]
        k += 1
        f[act] *= g[act] / k - r[act]
    return ix, failed


def _btpe(n: int, pp: float, reader: _Reader, later: int) -> int:
    """One BTPE draw as R 4.2's ``rbinom`` (``n * min(p, 1 - p) >= 30``).

    Returns the count before the ``pp > 0.5`` flip.
    """
    p = min(pp, 1.0 - pp)
    q = 1.0 - p
    np_ = n * p
    r = p / q
    g = r * (n + 1)
    ffm = np_ + p
    m = int(ffm)
    fm = float(m)
    npq = np_ * q
    p1 = int(2.195 * math.sqrt(npq) - 4.6 * q) + 0.5
    xm = fm + 0.5
    xl = xm - p1
    xr = xm + p1
    c = 0.134 + 20.5 / (15.3 + fm)
    al = (ffm - xl) / (ffm - xl * p)
    xll = al * (1.0 + 0.5 * al)
    al = (xr - ffm) / (xr * q)
    xlr = al * (1.0 + 0.5 * al)
    p2 = p1 * (1.0 + c + c)
    p3 = p2 + c / xll
    p4 = p3 + c / xlr
    while True:
        u = reader.take(2 + later) * p4
        v = reader.take(1 + later)
        if u <= p1:                                   # triangular region
            return int(xm - p1 * v + u)
        if u <= p2:                                   # parallelogram region
            x = xl + (u - p1) / c
            v = v * c + 1.0 - abs(xm - x) / p1
            if v > 1.0 or v <= 0.0:
                continue
            ix = int(x)
        elif u > p3:                                  # right tail
            ix = int(xr - math.log(v) / xlr)
            if ix > n:
                continue
            v = v * (u - p3) * xlr
        else:                                         # left tail
            ix = int(xl + math.log(v) / xll)
            if ix < 0:
                continue
            v = v * (u - p2) * xll
        k = abs(ix - m)
        if k <= 20 or k >= npq / 2 - 1:
            # explicit evaluation of f(ix) / f(m)
            f = 1.0
            if m < ix:
                for i in range(m + 1, ix + 1):
                    f *= g / i - r
            elif m != ix:
                for i in range(ix + 1, m + 1):
                    f /= g / i - r
            if v <= f:
                return ix
        else:
            # squeeze with bounds on log(f(x)) (R 4.2's constants)
            amaxp = (k / npq) * ((k * (k / 3.0 + 0.625) + 0.1666666666666) / npq + 0.5)
            ynorm = float(-k * k) / (2.0 * npq)
            alv = math.log(v)
            if alv < ynorm - amaxp:
                return ix
            if alv <= ynorm + amaxp:
                x1 = float(ix + 1)
                f1 = fm + 1.0
                z = float(n + 1) - fm
                w = float(n - ix) + 1.0
                z2 = z * z
                x2 = x1 * x1
                f2 = f1 * f1
                w2 = w * w
                bound = (xm * math.log(f1 / x1)
                         + (n - m + 0.5) * math.log(z / w)
                         + (ix - m) * math.log(w * p / (x1 * q))
                         + (13860. - (462. - (132. - (99. - 140. / f2) / f2) / f2) / f2) / f1 / 166320.
                         + (13860. - (462. - (132. - (99. - 140. / z2) / z2) / z2) / z2) / z / 166320.
                         + (13860. - (462. - (132. - (99. - 140. / x2) / x2) / x2) / x2) / x1 / 166320.
                         + (13860. - (462. - (132. - (99. - 140. / w2) / w2) / w2) / w2) / w / 166320.)
                if alv <= bound:
                    return ix


def r_set_seed(seed: int) -> RStream:
    """``set.seed(seed)``: a new :class:`RStream`.

    Parameters
    ----------
    seed : int

    Returns
    -------
    RStream
    """
    return RStream(seed)


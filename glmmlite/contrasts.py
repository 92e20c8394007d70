"""R's factors, contrasts and ``model.matrix`` column layout, vectorised with numpy.

Level order (what R's ``factor()`` gives):

* pandas ``Categorical``: its category order (unused categories dropped, as
  ``model.frame(drop.unused.levels = TRUE)`` does);
* booleans: ``FALSE < TRUE`` (labels ``"FALSE"``/``"TRUE"``, so a column ``flag``
  gives the coefficient ``flagTRUE``);
* numbers (grouping factors, ``factor(x)``): numeric order, labels as R's
  ``as.character`` writes them (``1``, ``2.5``, ``1e+05``);
* strings: R's ``sort()`` in an English UTF-8 locale (the reference fits ran in
  one).  We approximate glibc's ``en_US.UTF-8`` collation with the key
  ``(s.casefold(), lowercase-before-uppercase)``: case is ignored first, then
  lowercase sorts before uppercase (``"a" < "A" < "b" < "B"``).  For plain
  lowercase labels this is ordinary sorting.  Punctuation is compared by code
  point, which may differ from glibc for labels that differ only in
  punctuation.

Contrasts: treatment contrasts (first level is the reference) for unordered
factors, ``contr.poly`` for ordered categoricals (columns ``x.L``, ``x.Q``,
``x.C``, ``x^4``, ...), and full indicator coding where R's ``terms.formula``
rule asks for it (see :func:`term_codes`).
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Sequence

import numpy as np
import pandas as pd

from .collate import r_sort, r_sort_key

__all__ = [
    "r_sort_key", "r_sort", "r_number_label", "r_label", "FactorInfo", "factorize",
    "recode", "stray_strings", "contr_poly", "VarCoding", "term_codes", "design_columns",
]


# ----------------------------------------------------------------------------- labels / order
def r_number_label(x: float) -> str:
    """A double as R's ``as.character`` writes it (15 significant digits, R's fixed/sci choice)."""
    x = float(x)
    if np.isnan(x):
        return "NaN"
    if np.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    if x == 0:
        return "0"
    d = Decimal(format(x, ".14e")).normalize()  # 15 significant digits
    sign, digits, exp = d.as_tuple()
    mant = "".join(map(str, digits))
    e10 = exp + len(mant) - 1  # exponent of the leading digit
    sci = mant[0] + ("." + mant[1:] if len(mant) > 1 else "")
    sci += "e" + ("-" if e10 < 0 else "+") + f"{abs(e10):02d}"
    fixed = format(d, "f")
    if "." in fixed:
        fixed = fixed.rstrip("0").rstrip(".")
    if sign:
        sci, fixed = "-" + sci, (fixed if fixed.startswith("-") else "-" + fixed)
    return fixed if len(fixed) <= len(sci) else sci


def r_label(value) -> str:
    """The level label R would give one value (numbers as R prints them, bools as TRUE/FALSE)."""
    if isinstance(value, (np.timedelta64, np.datetime64, datetime.timedelta, datetime.date)):
        return str(value)        # np.timedelta64 is an np.integer subclass: not a number here
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return r_number_label(value)
    return str(value)


def _labels_of(values: np.ndarray) -> list[str]:
    return [r_label(v) for v in values]


# ----------------------------------------------------------------------------- factors
@dataclass
class FactorInfo:
    """How a column was turned into a factor.

    Attributes
    ----------
    labels : list of str
        Level labels in R's order (only levels present in the data).
    ordered : bool
        True for an ordered pandas Categorical (R's ``ordered`` factor: ``contr.poly``).
    kind : str
        "categorical", "bool", "numeric" or "string" (how new data are matched).
    """

    labels: list[str]
    ordered: bool = False
    kind: str = "string"
    _index: pd.Index | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict:
        # the lookup caches of _recode_fast (a pandas hash table cannot be pickled) are rebuilt
        return {k: v for k, v in self.__dict__.items() if k not in ("_str_table", "_int_index")}

    @property
    def index(self) -> pd.Index:
        if self._index is None:
            self._index = pd.Index(self.labels, dtype=object)
        return self._index


def column_kind(s: pd.Series) -> str:
    """"bool", "numeric", "categorical", "datetime", "timedelta", "string", or "other" (values
    that cannot be labels: lists, dicts, sets ...).  Strings and anything else hashable are
    treated as labels."""
    dt = s.dtype
    if isinstance(dt, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_bool_dtype(dt):
        return "bool"
    if pd.api.types.is_timedelta64_dtype(dt):
        return "timedelta"
    if pd.api.types.is_numeric_dtype(dt):
        return "numeric"
    if dt == object:
        inferred = pd.api.types.infer_dtype(s, skipna=True)
        if inferred == "boolean":
            return "bool"
        if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
            return "numeric"
        if inferred == "empty":
            return "numeric"
        if inferred == "timedelta":
            return "timedelta"
        if inferred in ("datetime", "datetime64", "date"):
            return "datetime"
        if inferred == "mixed" and _unhashable_values(s):
            return "other"
    if pd.api.types.is_datetime64_any_dtype(dt) or isinstance(dt, pd.PeriodDtype):
        return "datetime"
    return "string"


def _unhashable_values(s: pd.Series) -> list:
    """The first few values of an object column that cannot be factor labels (lists, dicts, ...)."""
    out = []
    for v in s:
        if isinstance(v, (list, dict, set, np.ndarray, pd.Series, pd.DataFrame)):
            out.append(v)
            if len(out) >= 3:
                break
        else:
            try:
                hash(v)
            except TypeError:
                out.append(v)
                if len(out) >= 3:
                    break
    return out


_NA_WORDS = frozenset({"nan", "-nan", "+nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"})


def stray_strings(codes: np.ndarray, labels: Sequence[str], k: int = 5) -> tuple[list, int] | None:
    """For a text column that holds mostly numbers: (some non-numeric labels, how many rows
    hold one); None when the column is not of that kind.  ``codes``/``labels`` are
    :func:`factorize`'s, so the check costs one pass over the levels and a ``bincount``.

    "Mostly numbers": at least half of the non-missing rows are numbers or text that reads as
    a number (``"1.5"``, ``"2e3"``), and some rows are not (``"."``, ``"n/a"``, ``"NA "``): what a
    spreadsheet or ``read_csv`` gives when one cell marks a missing value.  ``"nan"``/``"inf"``
    spelled out count as markers, not numbers.
    """
    if not len(labels):
        return None
    numeric = np.zeros(len(labels), dtype=bool)
    for i, v in enumerate(labels):
        t = str(v).strip()
        if t.lower() in _NA_WORDS or t in ("TRUE", "FALSE"):
            continue
        try:
            float(t)
        except ValueError:
            continue
        numeric[i] = True
    if numeric.all() or not numeric.any():
        return None
    counts = np.bincount(codes[codes >= 0], minlength=len(labels))
    n_numeric = int(counts[numeric].sum())
    n_other = int(counts[~numeric].sum())
    if n_numeric < n_other:
        return None
    bad = [labels[i] for i in np.flatnonzero(~numeric)[:k]]
    return bad, n_other


def factorize(s: pd.Series) -> tuple[np.ndarray, FactorInfo]:
    """Codes (int64, -1 for missing) and level info of ``s`` as R's ``factor()`` would build them.

    Vectorised: ``pd.factorize`` then a sort of the (few) unique values.
    """
    kind = column_kind(s)
    if kind == "categorical":
        cat = s.array
        codes = np.asarray(cat.codes, dtype=np.int64)
        cats = cat.categories
        present = np.zeros(len(cats), dtype=bool)
        present[codes[codes >= 0]] = True
        remap = np.full(len(cats) + 1, -1, dtype=np.int64)
        remap[:-1][present] = np.arange(int(present.sum()))
        codes = remap[codes]  # -1 -> last entry (-1)
        labels = _labels_of(np.asarray(cats)[present])
        return codes, FactorInfo(labels, bool(cat.ordered), "categorical")
    if kind == "numeric":
        return _factorize_numbers(s)
    if kind == "bool":
        arr = s.to_numpy(dtype=object) if s.dtype == object else s.to_numpy(dtype=float, na_value=np.nan)
        mask = pd.isna(arr)
        vals = np.where(mask, 0, arr).astype(bool)
        f = np.zeros(len(vals), dtype=np.int64)
        f[vals] = 1
        present = [bool((~mask & ~vals).any()), bool((~mask & vals).any())]
        labels = [lab for lab, p in zip(["FALSE", "TRUE"], present) if p]
        if not present[0]:
            f = f - 1
        f[mask] = -1
        return f, FactorInfo(labels, False, "bool")
    # strings (and anything else): R labels, sorted in R's collation
    codes, uniques = pd.factorize(s, sort=False, use_na_sentinel=True)
    labels = _labels_of(np.asarray(uniques, dtype=object))
    if len(set(labels)) != len(labels):  # e.g. 1 and "1" in an object column: merge
        uniq_labels = r_sort(set(labels))
        pos = {lab: i for i, lab in enumerate(uniq_labels)}
        remap = np.array([pos[lab] for lab in labels] + [-1], dtype=np.int64)
        return remap[codes], FactorInfo(uniq_labels, False, "string")
    order = sorted(range(len(labels)), key=lambda i: r_sort_key(labels[i]))
    remap = np.empty(len(labels) + 1, dtype=np.int64)
    remap[-1] = -1
    remap[np.asarray(order, dtype=np.int64)] = np.arange(len(labels))
    return remap[np.asarray(codes, dtype=np.int64)], FactorInfo([labels[i] for i in order], False, "string")


def _all_integers(s: pd.Series) -> bool:
    """Integer dtype, or an object column holding only (Python or numpy) integers."""
    if pd.api.types.is_integer_dtype(s.dtype):
        return True
    if s.dtype == object:
        return pd.api.types.infer_dtype(s, skipna=True) == "integer"
    return False


def _factorize_numbers(s: pd.Series) -> tuple[np.ndarray, FactorInfo]:
    """R's ``factor()`` of numbers: levels from the values as they are.

    Integers are never converted to float (int64 ids above 2**53, uint64 and Python ints
    beyond int64 stay distinct); doubles are labelled as R's ``as.character`` (15
    significant digits) and values with the same label are one level, as R's
    ``factor()`` matches on the labels (``0.1 + 0.2`` and ``0.3`` are level ``"0.3"``).
    """
    if _all_integers(s):
        if isinstance(s.dtype, np.dtype):            # int64, uint64 ... or object of Python ints
            values = s.to_numpy()
        else:                                         # nullable Int64 / UInt64 (pd.NA for missing)
            values = s.array
        codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=True)
        labels = [str(int(u)) for u in np.asarray(uniques, dtype=object)]
        return np.asarray(codes, dtype=np.int64), FactorInfo(labels, False, "numeric")
    vals = s.to_numpy(dtype=float, na_value=np.nan)
    codes, uniques = pd.factorize(vals, sort=True, use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    labels = [r_number_label(u) for u in uniques]
    if len(set(labels)) != len(labels):
        # R: levels <- unique(as.character(sort(unique(x)))); match(as.character(x), levels)
        merged: list[str] = []
        pos: dict[str, int] = {}
        remap = np.empty(len(labels) + 1, dtype=np.int64)
        remap[-1] = -1
        for i, lab in enumerate(labels):
            if lab not in pos:
                pos[lab] = len(merged)
                merged.append(lab)
            remap[i] = pos[lab]
        return remap[codes], FactorInfo(merged, False, "numeric")
    return codes, FactorInfo(labels, False, "numeric")


def _int_levels(info: FactorInfo) -> pd.Index | None:
    """The levels as an int64 Index when every label is a plain integer ("12", "-3"), else None
    (cached on ``info``: it depends only on the fit)."""
    cached = info.__dict__.get("_int_index", False)
    if cached is not False:
        return cached
    out = None
    try:
        vals = [int(lab) for lab in info.labels]
        if all(str(v) == lab for v, lab in zip(vals, info.labels)) and \
                all(-2 ** 62 < v < 2 ** 62 for v in vals):
            out = pd.Index(np.asarray(vals, dtype=np.int64))
    except (TypeError, ValueError):
        out = None
    info.__dict__["_int_index"] = out
    return out


def _string_table(info: FactorInfo):
    """pandas' hash table of text keys for the labels (built once per fit; about three times
    faster than ``Index.get_indexer`` on Python strings); None if this pandas has none.  Values
    that are not text (numbers, missing) are not found (-1)."""
    cached = info.__dict__.get("_str_table", False)
    if cached is not False:
        return cached
    try:
        from pandas._libs import hashtable as _ht
        table = _ht.StringHashTable(max(len(info.labels), 1))
        table.map_locations(np.asarray(info.labels, dtype=object))
        if list(table.lookup(np.asarray(info.labels[:2], dtype=object))) != list(range(min(2, len(info.labels)))):
            table = None
    except (ImportError, AttributeError, TypeError, ValueError):   # pragma: no cover - other pandas
        table = None
    info.__dict__["_str_table"] = table
    return table


def _recode_fast(s: pd.Series, info: FactorInfo) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`recode` in one hash lookup per row, for the common cases: text levels matched by
    text values, integer levels matched by integer (or whole float) values.  None when the
    values need :func:`factorize`'s labelling (anything else, or some value not found: the
    general path then tells an unseen level from a different spelling such as 1 vs "1")."""
    dt = s.dtype
    if info.kind == "string" and (dt == object or isinstance(dt, pd.StringDtype)):
        vals = s.to_numpy(dtype=object)
        table = _string_table(info)
        if table is not None:
            codes = np.asarray(table.lookup(vals), dtype=np.int64)
        else:
            codes = np.asarray(info.index.get_indexer(vals), dtype=np.int64)
    elif info.kind == "numeric" and isinstance(dt, np.dtype) and dt.kind in "iuf":
        index = _int_levels(info)
        if index is None:
            return None
        vals = s.to_numpy()
        if dt.kind == "f":
            finite = np.isfinite(vals)
            if not np.all(vals[finite] == np.round(vals[finite])) or \
                    (finite.any() and np.abs(vals[finite]).max() >= 2 ** 53):
                return None
            codes = np.full(vals.shape[0], -1, dtype=np.int64)
            codes[finite] = index.get_indexer(vals[finite].astype(np.int64))
        elif dt.kind == "u" and vals.size and vals.max() >= 2 ** 62:
            return None
        else:
            codes = np.asarray(index.get_indexer(vals.astype(np.int64)), dtype=np.int64)
    else:
        return None
    missing = np.zeros(codes.shape[0], dtype=bool)
    neg = np.flatnonzero(codes < 0)
    if neg.size:
        miss = np.asarray(pd.isna(s.iloc[neg]), dtype=bool)
        if not miss.all():
            return None
        missing[neg] = True
    return codes, missing


def recode(s: pd.Series, info: FactorInfo) -> tuple[np.ndarray, np.ndarray]:
    """Codes of new data ``s`` in the levels of ``info``.

    Returns
    -------
    codes : ndarray of int64
        Level index, or -1 where the value is missing or not a known level.
    missing : ndarray of bool
        True where the value is missing (so -1 for other rows means "unseen level").
    """
    fast = _recode_fast(s, info)
    if fast is not None:
        return fast
    missing = np.asarray(pd.isna(s), dtype=bool)
    codes_new, info_new = factorize(s)
    lookup = info.index.get_indexer(pd.Index(info_new.labels, dtype=object))
    lookup = np.append(lookup, -1).astype(np.int64)
    return lookup[codes_new], missing


# ----------------------------------------------------------------------------- contrasts
def contr_poly(k: int) -> np.ndarray:
    """R's ``contr.poly(k)``: orthonormal polynomial contrasts, shape (k, k - 1)."""
    scores = np.arange(1, k + 1, dtype=float)
    y = scores - scores.mean()
    X = np.vander(y, k, increasing=True)
    q, r = np.linalg.qr(X)
    z = q * np.sign(np.diag(r))  # R: qr.qy(QR, diag(R)) then unit columns
    return z[:, 1:]


def poly_names(k: int) -> list[str]:
    """Column suffixes of ``contr.poly``: ``.L .Q .C ^4 ^5 ...``."""
    out = []
    for d in range(1, k):
        out.append({1: ".L", 2: ".Q", 3: ".C"}.get(d, f"^{d}"))
    return out


@dataclass
class VarCoding:
    """One variable of a model matrix: numeric, or a factor with its levels.

    Attributes
    ----------
    label : str
        The variable as R names it (``"trt"``, ``"log(x)"``).
    factor : FactorInfo or None
        None for a numeric variable.
    """

    label: str
    factor: FactorInfo | None = None

    @property
    def is_factor(self) -> bool:
        return self.factor is not None

    @property
    def nlevels(self) -> int:
        return len(self.factor.labels) if self.factor is not None else 0


def term_codes(terms: Sequence[tuple[str, ...]], intercept: bool,
               codings: dict[str, VarCoding]) -> list[dict[str, int]]:
    """R's coding of each factor in each term: 1 = contrasts, 2 = full indicators.

    ``terms.formula`` (C ``TermCode``): a variable in a term is coded by contrasts if
    the term without it is empty, or is contained in one of the *preceding* terms;
    otherwise by indicators.  ``model.matrix`` then, when there is no intercept,
    switches the first factor (with more than one level) of the first term that has
    one to indicator coding.
    """
    out: list[dict[str, int]] = []
    sets = [frozenset(t) for t in terms]
    for k, t in enumerate(terms):
        codes = {}
        for v in t:
            rest = sets[k] - {v}
            if not rest or any(rest <= sets[j] for j in range(k)):
                codes[v] = 1
            else:
                codes[v] = 2
        out.append(codes)
    if not intercept:
        done = False
        for k, t in enumerate(terms):
            for v in t:
                c = codings[v]
                if c.is_factor and c.nlevels > 1:
                    out[k][v] = 2
                    done = True
                    break
            if done:
                break
    return out


def _factor_columns(coding: VarCoding, code: int, codes: np.ndarray,
                    missing: np.ndarray | None) -> tuple[list[np.ndarray], list[str]]:
    info = coding.factor
    k = len(info.labels)
    cols: list[np.ndarray] = []
    names: list[str] = []
    if code == 2 or (code == 1 and not info.ordered):
        first = 0 if code == 2 else 1
        for j in range(first, k):
            col = (codes == j).astype(float)
            cols.append(col)
            names.append(coding.label + info.labels[j])
    else:  # ordered factor with contrasts: contr.poly
        C = contr_poly(k)
        safe = np.where(codes >= 0, codes, 0)
        for j, suffix in enumerate(poly_names(k)):
            cols.append(C[safe, j].astype(float))
            names.append(coding.label + suffix)
    if missing is not None and missing.any():
        for col in cols:
            col[missing] = np.nan
    return cols, names


def design_columns(terms: Sequence[tuple[str, ...]], intercept: bool,
                   codings: dict[str, VarCoding], values: dict[str, np.ndarray],
                   n: int, codes: list[dict[str, int]] | None = None,
                   missing: dict[str, np.ndarray] | None = None
                   ) -> tuple[np.ndarray, list[str], list[dict[str, int]]]:
    """R's ``model.matrix`` for the given terms.

    Parameters
    ----------
    terms, intercept
        From a :class:`~glmmlite.formula.TermSet`.
    codings
        Variable label -> VarCoding.
    values
        Variable label -> float array (numeric) or int64 level codes (factor).
    n
        Number of rows.
    codes
        Contrast codes from :func:`term_codes` (computed when None).
    missing
        Variable label -> bool mask of missing factor values (rows become NaN).

    Returns
    -------
    X : ndarray (n, p), names : list of str, codes : the contrast codes used
    """
    if codes is None:
        codes = term_codes(terms, intercept, codings)
    cols: list[np.ndarray] = []
    names: list[str] = []
    if intercept:
        cols.append(np.ones(n))
        names.append("(Intercept)")
    for term, tcodes in zip(terms, codes):
        tcols: list[np.ndarray] = [np.ones(n)]
        tnames: list[str] = [""]
        for v in term:  # first variable varies fastest
            c = codings[v]
            if c.is_factor:
                vcols, vnames = _factor_columns(c, tcodes[v], values[v],
                                                None if missing is None else missing.get(v))
            else:
                vals = np.asarray(values[v], dtype=float)
                if vals.ndim == 2 and vals.shape[1] == 1:   # poly(x, 1): R's model.matrix adds no suffix
                    vcols, vnames = [vals[:, 0]], [c.label]
                elif vals.ndim == 2:      # a matrix variable, poly(x, 2): R names its columns label1, label2
                    vcols = [vals[:, j] for j in range(vals.shape[1])]
                    vnames = [f"{c.label}{j + 1}" for j in range(vals.shape[1])]
                else:
                    vcols, vnames = [vals], [c.label]
            tcols = [a * b for b in vcols for a in tcols]
            tnames = [(a + ":" + b) if a else b for b in vnames for a in tnames]
        cols.extend(tcols)
        names.extend(tnames)
    X = np.column_stack(cols) if cols else np.empty((n, 0))
    return np.ascontiguousarray(X, dtype=float), names, codes

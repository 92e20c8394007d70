"""Step 2 of the pipeline: data + parsed formula -> response, X and grouping factors.

:func:`build_model_frame` does what lme4's ``glFormula`` does before fitting:

1. parse the formula (:mod:`glmmlite.formula`; never evaluated);
2. check the data and the columns the formula uses (unknown names are reported
   with close matches);
3. drop rows with missing values in any used column, weights or offset (R's
   ``na.omit``), with a :class:`~glmmlite.errors.MissingValuesWarning`;
4. turn the response into proportions ``y`` and prior weights (R's
   ``binomial()$initialize``);
5. build the fixed-effects model matrix as R's ``model.matrix`` (treatment
   contrasts, R's column names and order) and drop aliased columns with a
   pivoted QR (R's ``qr(X, tol = 1e-7)``, as lme4's ``chkRank.drop.cols``);
6. build each random-effects term (``mkReTrms``): the term's model matrix, the
   grouping factor's levels and codes, and order the terms as lme4 does.
"""
from __future__ import annotations

import dataclasses
import difflib
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .contrasts import (
    FactorInfo, VarCoding, column_kind, design_columns, factorize, r_label, recode, stray_strings,
    term_codes,
)
from .errors import user_stacklevel  # noqa: F401  (re-exported)
from .family import Binomial
from .errors import (
    ArgumentError, DataError, FormulaError, GlmmliteWarning, MissingValuesWarning, NewDataError,
    RankDeficiencyWarning, ResponseError, ScaleWarning,
)
from .formula import (
    FACTOR_FUNCTIONS, Call, Formula, Name, Node, Paren, RandomSpec, TermSet, call_data, call_options,
    deparse, evaluate_numeric, names_in, parse_formula, poly_coefs, scale_stats, stateful_calls,
)
from .formula_calls import PolyOptions
from .newdata import as_frame

__all__ = ["RandomTerm", "ResponseInfo", "ModelFrame", "build_model_frame"]

#: emmeans' (estimability package's) tolerance: a linear function L is not estimable when
#: the squared length of its projection on the null space of X exceeds this fraction of |L|^2
ESTIMABLE_TOL = 1e-8
# tolerance of R's qr() used by lme4 to find aliased fixed-effect columns
RANK_TOL = 1e-7
# weights (numbers of trials) at or above this are refused: R's start for binomial fits,
# (w * y + 0.5) / (w + 1), is then 0 or 1 to double precision (infinite on the link scale), and
# a deviance of size sum(w) leaves no digits for lme4's convergence tolerances (2e-3)
MAX_WEIGHT = 1e15
# offsets (on the link scale) beyond this are refused: every probability is then exactly 0 or 1,
# and X beta + offset resolves beta only to |offset| * 2.2e-16; an offset is e.g. log(exposure),
# so a value this large is a units mistake
MAX_ABS_OFFSET = 1e8
# numeric model-matrix values beyond this are refused: X'WX and the Hessian square them, and
# (1e150)^2 already overflows double precision (1.8e308); 1e100 leaves room for any number of rows
MAX_ABS_PREDICTOR = 1e100
# R's binomial()$initialize warns when |y * n - round(y * n)| exceeds this
INTEGER_TOL = 1e-3


@dataclass
class RandomTerm:
    """One random-effects term ``(expr | group)`` after expansion.

    ``(x || g)`` becomes one term per column, ``(1 | g1/g2)`` becomes ``(1 | g2:g1)`` and ``(1 | g1)``.

    Attributes
    ----------
    group : str
        The grouping-factor label as lme4 prints it ("id", "g2:g1").
    names : list of str
        Column names of the term's model matrix, R's names ("(Intercept)", "x").
    levels : list
        Level labels of the grouping factor in R's order (sorted as R sorts factor levels).
    codes : ndarray of int64, shape (n,)
        Level index of each row, in ``range(len(levels))``.
    X : ndarray of float64, shape (n, k)
        The term's model matrix (k = len(names)).
    """

    group: str
    names: list[str]
    levels: list
    codes: np.ndarray
    X: np.ndarray
    spec: Any = None  # whatever is needed to rebuild X/codes for new data

    @property
    def nlevels(self) -> int:
        return len(self.levels)

    @property
    def k(self) -> int:
        return len(self.names)


@dataclass
class ResponseInfo:
    """What the response was, so that simulate/predict can give back the same kind.

    kind : "binary" (0/1 numbers or booleans), "factor" (two levels, first = failure),
           "cbind" (successes, failures), "proportion" (with weights = trials)
    name : the response expression as written in the formula
    levels : the two factor levels for kind == "factor", else None
    columns : for "cbind", the two column labels R would give (e.g. ["incidence", ""])
    trials : for "cbind", successes + failures per row used (the weights are these times
        ``weights=``); R's binomial log-likelihood constant depends on them
    """

    kind: str
    name: str
    levels: list | None = None
    columns: list[str] | None = None
    trials: np.ndarray | None = field(default=None, repr=False, compare=False)


# ----------------------------------------------------------------------------- specs for new data
@dataclass
class _DesignSpec:
    """How to rebuild a model matrix (fixed part or one random term's left side) for new data."""

    terms: list[tuple[str, ...]]
    intercept: bool
    nodes: dict[str, Node]
    codings: dict[str, VarCoding]
    codes: list[dict[str, int]]
    names: list[str]                   # all columns, before dropping aliased ones
    keep: np.ndarray | None = None     # indices of the kept columns (None = all)
    null_basis: np.ndarray | None = None  # orthonormal basis of the null space of all columns (aliased only)
    transforms: dict[str, tuple] = field(default_factory=dict)  # scale(...) -> centre, sd of the fit


@dataclass
class _GroupSpec:
    """How to rebuild a grouping factor's codes for new data."""

    columns: tuple[str, ...]
    infos: list[FactorInfo]
    keys: np.ndarray          # mixed-radix key of each level (sorted)
    radix: list[int]


@dataclass
class _TermSpec:
    random: RandomSpec
    design: _DesignSpec
    group: _GroupSpec


@dataclass
class _FrameSpec:
    formula: Formula
    fixed: _DesignSpec
    offsets: list[Node] = field(default_factory=list)
    transforms: dict[str, tuple] = field(default_factory=dict)


@dataclass
class ModelFrame:
    """Everything the numerical core needs, and what predict/simulate need to rebuild it.

    Attributes
    ----------
    formula : str
    data : DataFrame of the rows used (after dropping missing values), original columns
    y : proportion of successes per row, in [0, 1]
    weights : prior weights (number of trials for cbind / proportions; 1 for 0/1 data)
    offset : zeros unless the formula has ``offset(...)``
    X : (n, p) fixed-effects model matrix (aliased columns already dropped)
    fixef_names : R's column names of X
    random : list of RandomTerm, in lme4's order: formula order (``||`` and ``/`` expanded in
        place) unless some term has more levels than the one before it; then lme4's
        ``rev(order(nl))``, i.e. decreasing number of levels with ties in *reverse* formula order
    response : ResponseInfo
    n_dropped : number of rows dropped for missing values
    dropped_fixef : names of aliased fixed-effect columns that were dropped
    """

    formula: str
    data: pd.DataFrame
    y: np.ndarray
    weights: np.ndarray
    offset: np.ndarray
    X: np.ndarray
    fixef_names: list[str]
    random: list[RandomTerm]
    response: ResponseInfo
    n_dropped: int = 0
    dropped_fixef: list[str] = field(default_factory=list)
    spec: Any = None

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def parsed(self) -> Formula:
        """The parsed formula (:class:`glmmlite.formula.Formula`)."""
        return self.spec.formula

    @property
    def log_choose(self) -> np.ndarray:
        """Per row, the log binomial coefficient of R's ``binomial()$aic`` (the constant of
        the log-likelihood): see :meth:`glmmlite.family.Binomial.log_choose`."""
        return Binomial.log_choose(self.y, self.weights, self.response.trials)

    @property
    def successes(self) -> np.ndarray:
        """Number of successes per row, ``y * weights``."""
        return self.y * self.weights

    def without_fixed_terms(self, labels: list[str]) -> "ModelFrame":
        """The same rows, response, weights, offset and random effects with the fixed-effect
        terms ``labels`` (R's term labels, ``"trt:sex"``) left out: R's ``update(m, . ~ . - term)``.

        The remaining terms are coded afresh, as R codes the new formula: dropping ``trt`` from
        ``trt * sex`` leaves ``trt:sex`` coded with both levels of ``trt`` (the same columns'
        span).
        """
        parsed = self.parsed
        drop = set(labels)
        unknown = [lab for lab in labels if lab not in parsed.fixed.labels]
        if unknown:
            raise ArgumentError(f"{', '.join(map(repr, unknown))} is not a fixed-effect term of {self.formula!r}; "
                                f"its terms: {', '.join(parsed.fixed.labels) or 'none'}")
        terms = [t for t, lab in zip(parsed.fixed.terms, parsed.fixed.labels) if lab not in drop]
        used = {v for t in terms for v in t}
        fixed = TermSet(parsed.fixed.intercept, {k: v for k, v in parsed.fixed.variables.items() if k in used},
                        terms)
        rhs = [fixed.deparse()] + [f"offset({deparse(o)})" for o in parsed.offsets] + \
              [f"({r.text})" for r in parsed.random]
        text = f"{parsed.response_label} ~ " + " + ".join(rhs)
        transforms = self.spec.transforms
        X, names, fspec, dropped = _fixed_part(self.data, fixed, self.n, transforms)
        spec = _FrameSpec(dataclasses.replace(parsed, text=text, fixed=fixed), fspec, list(parsed.offsets), transforms)
        return dataclasses.replace(self, formula=text, X=X, fixef_names=names, dropped_fixef=dropped, spec=spec)

    def fixed_assign(self) -> list[int]:
        """R's ``attr(X, "assign")``: for each column of X (aliased ones dropped), the term it
        belongs to -- 0 for the intercept, ``i`` for the i-th term of ``parsed.fixed.labels``."""
        d = self.spec.fixed
        row = self.data.iloc[:1]
        assign = [0] if d.intercept else []
        for i, (term, codes) in enumerate(zip(d.terms, d.codes), start=1):
            alone = dataclasses.replace(d, terms=[term], codes=[codes], intercept=False)
            assign += [i] * _rebuild_design(alone, row, "fixed effects").shape[1]
        return assign if d.keep is None else [assign[j] for j in d.keep]

    def fixed_matrix(self, newdata: pd.DataFrame) -> np.ndarray:
        """X for ``newdata``: same columns in the same order (raises NewDataError).

        ``newdata`` needs the columns of the fixed-effect terms only (not the
        response).  Factor levels must be levels seen in the fitted data; missing
        values give NaN rows.
        """
        return self.drop_aliased(self.fixed_matrix_full(newdata))

    def fixed_matrix_full(self, newdata: pd.DataFrame) -> np.ndarray:
        """X for ``newdata`` with every column of the formula, aliased ones included."""
        return _rebuild_design(self.spec.fixed, _as_newdata(newdata), "fixed effects")

    def drop_aliased(self, X_full: np.ndarray) -> np.ndarray:
        """The columns of a full fixed-effects matrix (or of linear functions ``L``) that the fit kept."""
        keep = self.spec.fixed.keep
        return X_full if keep is None else X_full[:, keep]

    def estimable(self, L_full: np.ndarray) -> np.ndarray:
        """Per row of ``L_full`` (linear functions of all the formula's fixed-effect columns):
        whether the data identify it (emmeans' estimability check).

        A rank-deficient X identifies ``L beta`` only when ``L`` is orthogonal to the null space
        of X: with an empty cell (no treated men, say) the cell's mean needs the dropped
        interaction, and a value computed without it is an extrapolation, not an estimate.
        """
        L_full = np.atleast_2d(np.asarray(L_full, float))
        N = self.spec.fixed.null_basis
        if N is None:
            return np.ones(L_full.shape[0], dtype=bool)
        off = np.einsum("ij,ij->i", L_full @ N, L_full @ N)
        return off <= ESTIMABLE_TOL * np.einsum("ij,ij->i", L_full, L_full)

    def random_matrices(self, newdata: pd.DataFrame, allow_new_levels: bool = False,
                        new_level_hint: str | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each RandomTerm, (codes, X) for ``newdata``; code -1 marks an unseen level
        (allowed only with ``allow_new_levels``, else NewDataError, whose message ends with
        ``new_level_hint`` if given)."""
        nd = _as_newdata(newdata)
        out = []
        for term in self.random:
            ts: _TermSpec = term.spec
            codes = _rebuild_group(ts.group, nd, term.group, allow_new_levels, new_level_hint)
            X = _rebuild_design(ts.design, nd, f"random term ({ts.random.text})")
            out.append((codes, X))
        return out

    def new_offset(self, newdata: pd.DataFrame) -> np.ndarray:
        """The formula's ``offset(...)`` terms for ``newdata`` (zeros if there are none).

        An ``offset=`` array given to :func:`build_model_frame` cannot be rebuilt
        for new data and is not included.
        """
        nd = _as_newdata(newdata)
        off = np.zeros(len(nd))
        for node in self.spec.offsets:
            _require_columns(nd, names_in(node), "offset", NewDataError)
            off = off + _numeric_expr(nd, node, NewDataError, self.spec.transforms)
        return off


# ----------------------------------------------------------------------------- helpers
def _close_matches(name: str, columns: list[str]) -> list[str]:
    out = difflib.get_close_matches(name, columns, n=3, cutoff=0.6)
    for c in columns:
        if c.lower() == name.lower() and c not in out:
            out.insert(0, c)
    return out


def _require_columns(data: pd.DataFrame, names: list[str], where: str,
                     exc: type[Exception] = DataError) -> None:
    cols = [str(c) for c in data.columns]
    for name in names:
        if name not in cols:
            close = _close_matches(name, cols)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            shown = ", ".join(repr(c) for c in cols[:20]) + (", ..." if len(cols) > 20 else "")
            raise exc(f"column {name!r} used in the {where} is not in the data{hint} "
                      f"(columns: {shown})")
        if cols.count(name) > 1:
            raise exc(f"the data have more than one column named {name!r}")


def _col(data: pd.DataFrame, name: str) -> pd.Series:
    if name in data.columns:
        return data[name]
    for c in data.columns:
        if str(c) == name:
            return data[c]
    raise KeyError(name)  # pragma: no cover - checked before


def _numeric_column(data: pd.DataFrame, name: str, what: str,
                    exc: type[Exception] = DataError) -> np.ndarray:
    s = _col(data, name)
    kind = column_kind(s)
    _check_usable(s, name, what, exc)
    if kind == "bool":
        return s.to_numpy(dtype=float, na_value=np.nan) if s.dtype != object else \
            np.array([np.nan if pd.isna(v) else float(v) for v in s], dtype=float)
    if kind != "numeric":
        _check_usable(s, name, what, exc)
        stray = stray_strings(*_codes_labels(s)) if kind == "string" else None
        if stray is not None:
            raise exc(_stray_message(name, stray, what, factor_hint=False))
        raise exc(f"column {name!r} used in {what} must be numeric, but it holds "
                  f"{_describe_values(s)}")
    return s.to_numpy(dtype=float, na_value=np.nan)


def _codes_labels(s: pd.Series) -> tuple[np.ndarray, list[str]]:
    codes, info = factorize(s)
    return codes, info.labels


def _check_usable(s: pd.Series, name: str, what: str, exc: type[Exception] = DataError) -> None:
    """Errors for columns no formula can use as they are: lists/dicts, time differences,
    complex numbers (numpy would drop the imaginary part with only a ComplexWarning)."""
    if pd.api.types.is_complex_dtype(s.dtype) or (
            s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) == "complex"):
        raise exc(f"column {name!r} used in {what} holds complex numbers ({s.dtype}); a model column "
                  f"needs real numbers: use its real part (d[{name!r}].to_numpy().real) or its modulus "
                  f"(abs) explicitly if that is what is meant")
    kind = column_kind(s)
    if kind == "other":
        from .contrasts import _unhashable_values
        shown = ", ".join(repr(v)[:40] for v in _unhashable_values(s)[:2])
        raise exc(f"column {name!r} used in {what} holds values that are neither numbers nor labels "
                  f"(e.g. {shown}); a model column needs one number or one label per row")
    if kind == "timedelta":
        raise exc(f"column {name!r} used in {what} holds time differences ({s.dtype}); convert it to "
                  f"a number first, e.g. d[{name!r}].dt.total_seconds() / 86400 for days")


def _dates_message(s: pd.Series, name: str, what: str) -> str:
    return (f"column {name!r} used in {what} holds dates/times ({s.dtype}); convert it to a number "
            "(e.g. days since the start) or to strings for a factor")


def _refuse_numbers_and_text(s: pd.Series, name: str) -> None:
    """A DataError for an object column that holds both numbers and strings (``3`` and ``"3"``,
    say, from a spreadsheet cell formatted as text): as a factor it would turn a numeric
    variable into one coefficient per value, as a number it would guess at the text."""
    if s.dtype != object or pd.api.types.infer_dtype(s, skipna=True) not in ("mixed-integer", "mixed"):
        return
    is_text = np.fromiter((isinstance(v, str) for v in s), dtype=bool, count=len(s))
    is_number = np.fromiter((isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_))
                             and not pd.isna(v) for v in s), dtype=bool, count=len(s))
    if not (is_text.any() and is_number.any()):
        return
    n_text, n_num = int(is_text.sum()), int(is_number.sum())
    shown = ", ".join(repr(v) for v in pd.unique(s[is_text])[:3])
    raise DataError(
        f"column {name!r} used in the formula mixes numbers ({n_num} row(s)) and text ({n_text} row(s), "
        f"e.g. {shown}). glmmlite will not guess which it is meant to be: for a numeric variable "
        f"convert it with pd.to_numeric(d[{name!r}]) (errors='coerce' makes text that is not a number "
        f"NaN); for a factor make every value text with d[{name!r}].astype(str)")


def _stray_message(name: str, stray: tuple[list, int], what: str, factor_hint: bool = True) -> str:
    bad, nrows = stray
    shown = ", ".join(repr(v) for v in bad)
    hint = (f", or if {name!r} is a factor write factor({name}) in the formula" if factor_hint else
            f", or if it is a factor use factor({name}) in the formula, not in arithmetic")
    return (f"column {name!r} used in {what} holds numbers and {nrows} row(s) of text that is not a "
            f"number: {shown}. glmmlite will not guess: if these mark missing values, make them NaN "
            f"(e.g. d[{name!r}] = pd.to_numeric(d[{name!r}], errors='coerce')){hint}")


def _nonfinite_response(label: str, y: np.ndarray, node: Node, from_expression: bool) -> str:
    """The message for a response with Inf (NaN rows were dropped as missing before)."""
    bad = ~np.isfinite(y)
    shown = ", ".join(sorted({r_label(v) for v in y[bad]}))
    where = f"{int(bad.sum())} row(s), e.g. row {int(np.flatnonzero(bad)[0])} of the rows used"
    if not from_expression:
        return (f"the response {label!r} has infinite values ({shown}) in {where}; a binomial response "
                "is 0/1, two levels, or proportions with weights=: fix or drop those rows")
    divides = "/" in deparse(node)
    hint = ("a division by zero trials gives NaN or Inf: drop the rows with zero trials, or use "
            "cbind(successes, failures)" if divides else
            "e.g. log(0) = -Inf: the response must be 0/1, two levels, cbind(successes, failures) or "
            "proportions with weights=, not a transformation of one")
    return f"the response {label!r} evaluates to {shown} in {where} ({hint})"


def _warn_repeated_terms(terms: list[RandomTerm]) -> None:
    """Warn when two random-effect terms on one grouping factor share a column, as in
    ``(1 | id) + (1 | id)`` or ``(1 + x | id) + (1 | id)``: lme4 fits them (so does glmmlite), but
    only the sum of their variances is identified, so the split between them is arbitrary."""
    for i, a in enumerate(terms):
        for b in terms[i + 1:]:
            shared = [c for c in a.names if c in b.names]
            if a.group == b.group and shared:
                ta, tb = (t.spec.random.text if t.spec is not None else t.group for t in (a, b))
                warnings.warn(GlmmliteWarning(
                    f"random-effect terms ({ta}) and ({tb}) both give {', '.join(shared)} a random effect "
                    f"for grouping factor {a.group!r}: only the sum of their variances is identified, so "
                    "how the fit splits it between the two terms is arbitrary (lme4 fits this too). "
                    "Keep one of them."), stacklevel=user_stacklevel())


def _describe_values(s: pd.Series, k: int = 5) -> str:
    try:
        vals = pd.unique(s.dropna())[:k]
    except TypeError:           # unhashable values (lists, dicts): the first few as they are
        vals = list(s.dropna().iloc[:k])
        return f"{s.dtype} values such as " + ", ".join(repr(v)[:40] for v in vals)
    return f"{s.dtype} values such as " + ", ".join(repr(r_label(v)) for v in vals)


def _numeric_expr(data: pd.DataFrame, node: Node, exc: type[Exception] = DataError,
                  transforms: dict[str, tuple] | None = None) -> np.ndarray:
    what = repr(deparse(node))
    cols = {n: _numeric_column(data, n, what, exc) for n in names_in(node)}
    v = np.asarray(evaluate_numeric(node, cols, transforms), dtype=float)
    if v.ndim == 2:                 # poly(x, degree): one column per degree
        return v
    return np.broadcast_to(v, (len(data),)).copy()


def _factor_source(node: Node) -> str | None:
    """Column name if ``node`` is turned into a factor (``factor(x)``), else None."""
    if isinstance(node, Call) and node.func in FACTOR_FUNCTIONS:
        inner = node.args[0]
        while isinstance(inner, Paren):
            inner = inner.expr
        return inner.id
    return None


def _variable_values(data: pd.DataFrame, label: str, node: Node,
                     transforms: dict[str, tuple] | None = None) -> tuple[VarCoding, np.ndarray]:
    """Coding and values (floats, or int64 level codes) of one model variable."""
    src = _factor_source(node)
    if src is not None:
        s = _col(data, src)
        _check_usable(s, src, f"{label}")
        codes, info = factorize(s)
        return VarCoding(label, info), codes
    if isinstance(node, Name):
        s = _col(data, node.id)
        kind = column_kind(s)
        _check_usable(s, node.id, "the formula")
        if kind == "numeric":
            return VarCoding(label), s.to_numpy(dtype=float, na_value=np.nan)
        if kind == "datetime":
            raise DataError(_dates_message(s, node.id, "the formula"))
        codes, info = factorize(s)
        if kind == "string":
            # missing-value markers among numbers ("." or "n/a") first: that message says what they are
            stray = stray_strings(codes, info.labels)
            if stray is not None:
                raise DataError(_stray_message(node.id, stray, "the formula"))
            _refuse_numbers_and_text(s, node.id)
        return VarCoding(label, info), codes
    return VarCoding(label), _numeric_expr(data, node, DataError, transforms)


def _transform_table(data: pd.DataFrame, nodes: list[Node]) -> dict[str, tuple]:
    """The data's numbers behind every ``scale(...)`` (centre and scale: the mean and standard
    deviation unless ``center =``/``scale =`` say otherwise) and orthogonal ``poly(x, degree)``
    (R's alpha and norm2; raw powers need none) in ``nodes``, computed on all rows of ``data``
    where the argument is not missing, before rows with missing values elsewhere are dropped
    (R's model frame; R's poly refuses missing values outright).  Kept for new data."""
    table: dict[str, tuple] = {}
    for call in stateful_calls(nodes):
        opts = call_options(call)
        if isinstance(opts, PolyOptions) and opts.raw:      # the powers: nothing to keep
            continue
        inner = _numeric_expr(data, call_data(call), DataError, table)
        try:
            if isinstance(opts, PolyOptions):
                table[deparse(call)] = poly_coefs(inner, opts.degree, deparse(call))
            else:
                table[deparse(call)] = scale_stats(inner, deparse(call), opts.center, opts.scale)
        except FormulaError as e:         # a property of the data, not of the formula's text
            raise DataError(str(e)) from None
    return table


#: lme4's check.scaleX tolerance: a numeric column's SD beyond 1e3 or below 1e-3, or two such
#: SDs more than 1e3 apart, gives "Some predictor variables are on very different scales"
SCALE_X_TOL = 1e3


def _check_scale_x(X: np.ndarray, names: list[str]) -> None:
    """lme4's ``checkScaleX`` (glmer's ``check.scaleX = "warning"``): columns that are not all 0/1
    whose standard deviations are far from 1 or from each other."""
    if X.shape[0] < 2:
        return
    cont = [j for j in range(X.shape[1]) if not np.all((X[:, j] == 0) | (X[:, j] == 1))]
    if not cont:
        return
    sd = X[:, cont].std(axis=0, ddof=1)
    with np.errstate(divide="ignore"):
        logsd = np.log(sd)
    lim = np.log(SCALE_X_TOL)
    if np.all(np.abs(logsd) <= lim) and np.ptp(logsd) <= lim:
        return
    shown = ", ".join(f"{names[j]} {float(v):.3g}" for j, v in zip(cont, sd))
    warnings.warn(ScaleWarning(
        "Some predictor variables are on very different scales: consider rescaling (lme4's warning; "
        f"standard deviations of the numeric model-matrix columns: {shown}). The fit is the same "
        "model in other units, but a coefficient per 1 unit of a large-scale variable is tiny and hard "
        "to read, and very unequal scales make the optimizer's job harder: centre and scale such "
        "variables, e.g. scale(x) in the formula"), stacklevel=user_stacklevel())


def _fixed_part(frame: pd.DataFrame, ts: TermSet, n: int, transforms: dict[str, tuple]
                ) -> tuple[np.ndarray, list[str], _DesignSpec, list[str]]:
    """X (aliased columns dropped, with lme4's warning), its column names, how to rebuild it,
    and the names of the dropped columns."""
    X, fspec = _build_design(frame, ts, "fixed effects", n, transforms)
    names = list(fspec.names)
    _check_scale_x(X, names)
    dropped: list[str] = []
    aliased = _aliased_columns(X)
    if aliased:
        keep_cols = np.array([j for j in range(X.shape[1]) if j not in set(aliased)], dtype=np.int64)
        dropped = [names[j] for j in aliased]
        fspec.null_basis = _null_basis(X, keep_cols, np.asarray(aliased, dtype=np.int64))
        X = np.ascontiguousarray(X[:, keep_cols])
        names = [names[j] for j in keep_cols]
        fspec.keep = keep_cols
        k = len(dropped)
        warnings.warn(RankDeficiencyWarning(
            f"fixed-effect model matrix is rank deficient so dropping {k} column"
            f"{'s' if k > 1 else ''} / coefficient{'s' if k > 1 else ''}: "
            f"{', '.join(dropped)}"), stacklevel=user_stacklevel())
    return X, names, fspec, dropped


def _build_design(data: pd.DataFrame, ts: TermSet, where: str, n: int,
                  transforms: dict[str, tuple] | None = None) -> tuple[np.ndarray, _DesignSpec]:
    codings: dict[str, VarCoding] = {}
    values: dict[str, np.ndarray] = {}
    for label, node in ts.variables.items():
        coding, vals = _variable_values(data, label, node, transforms)
        if coding.is_factor and coding.nlevels < 2:
            lev = coding.factor.labels
            raise DataError(
                f"factor {label!r} in the {where} has only one level"
                f"{' (' + repr(lev[0]) + ')' if lev else ''} in the rows used, so it cannot be "
                "estimated (R: contrasts can be applied only to factors with 2 or more levels); "
                "remove it from the formula")
        if not coding.is_factor and not np.all(np.isfinite(vals)):
            bad = np.flatnonzero(~np.isfinite(vals))
            row = bad[0] // (vals.shape[1] if vals.ndim == 2 else 1)
            raise DataError(f"variable {label!r} in the {where} has non-finite values "
                            f"(e.g. {vals.ravel()[bad[0]]} in row {row} of the rows used)")
        if not coding.is_factor and vals.size and np.max(np.abs(vals)) > MAX_ABS_PREDICTOR:
            raise DataError(
                f"variable {label!r} in the {where} has values as large as "
                f"{r_label(float(vals[np.argmax(np.abs(vals))]))}: the fit squares them (X'WX, the Hessian), "
                f"which overflows double precision; rescale it (e.g. (x - mean) / sd) -- values up to "
                f"{MAX_ABS_PREDICTOR:g} are accepted")
        codings[label] = coding
        values[label] = vals
    codes = term_codes(ts.terms, ts.intercept, codings)
    X, names, codes = design_columns(ts.terms, ts.intercept, codings, values, n, codes)
    spec = _DesignSpec(list(ts.terms), ts.intercept, dict(ts.variables), codings, codes, names,
                       transforms=dict(transforms or {}))
    return X, spec


def _rebuild_design(d: _DesignSpec, nd: pd.DataFrame, where: str) -> np.ndarray:
    needed: list[str] = []
    for node in d.nodes.values():
        for name in names_in(node):
            if name not in needed:
                needed.append(name)
    _require_columns(nd, needed, where, NewDataError)
    values: dict[str, np.ndarray] = {}
    missing: dict[str, np.ndarray] = {}
    for label, node in d.nodes.items():
        coding = d.codings[label]
        if coding.is_factor:
            src = _factor_source(node) or node.id
            col = _col(nd, src)
            if column_kind(col) in ("other", "timedelta"):
                _check_usable(col, src, f"the {where}", NewDataError)
            codes, miss = recode(col, coding.factor)
            unseen = (codes < 0) & ~miss
            if unseen.any():
                vals = pd.unique(col[unseen])
                shown = ", ".join(repr(r_label(v)) for v in vals[:5])
                raise NewDataError(
                    f"new data have level(s) {shown} of factor {label!r} ({where}) that were not in "
                    f"the fitted data; known levels: {', '.join(map(repr, coding.factor.labels))}")
            values[label] = codes
            missing[label] = miss
        else:
            if isinstance(node, Name):
                values[label] = _numeric_column(nd, node.id, f"the {where}", NewDataError)
            else:
                values[label] = _numeric_expr(nd, node, NewDataError, d.transforms)
    X, _, _ = design_columns(d.terms, d.intercept, d.codings, values, len(nd), d.codes, missing)
    return X


def _as_newdata(newdata) -> pd.DataFrame:
    return as_frame(newdata, "newdata", NewDataError)


# ----------------------------------------------------------------------------- grouping factors
def _group_factor(data: pd.DataFrame, columns: tuple[str, ...], label: str
                  ) -> tuple[np.ndarray, list[str], _GroupSpec]:
    """Codes/levels of a grouping factor; for ``a:b`` the observed combinations, ordered
    by a's level then b's (lme4's ``%i%`` / R's ``a:b`` then dropping unused levels)."""
    comp_codes, infos = [], []
    for c in columns:
        s = _col(data, c)
        if column_kind(s) == "other":
            _check_usable(s, c, f"grouping factor {label!r}")
        if column_kind(s) in ("datetime", "timedelta"):
            s = s.astype(str)
        codes, info = factorize(s)
        comp_codes.append(codes)
        infos.append(info)
    if len(columns) == 1:
        info = infos[0]
        keys = np.arange(len(info.labels), dtype=np.int64)
        return comp_codes[0], list(info.labels), _GroupSpec(columns, infos, keys, [len(info.labels)])
    radix = [len(i.labels) for i in infos]
    if float(np.prod([float(r) for r in radix])) >= 2.0 ** 62:
        raise DataError(f"grouping factor {label!r} has too many level combinations")
    key = np.zeros(len(data), dtype=np.int64)
    for codes, r in zip(comp_codes, radix):
        key = key * r + codes
    uniq, inverse = np.unique(key, return_inverse=True)
    labels = []
    for k in uniq.tolist():
        parts = []
        for r, info in zip(reversed(radix), reversed(infos)):
            parts.append(info.labels[k % r])
            k //= r
        labels.append(":".join(reversed(parts)))
    return inverse.astype(np.int64).ravel(), labels, _GroupSpec(columns, infos, uniq, radix)


def _rebuild_group(g: _GroupSpec, nd: pd.DataFrame, label: str, allow_new_levels: bool,
                   hint: str | None = None) -> np.ndarray:
    _require_columns(nd, list(g.columns), f"grouping factor {label!r}", NewDataError)
    n = len(nd)
    key = np.zeros(n, dtype=np.int64)
    bad = np.zeros(n, dtype=bool)
    miss_any = np.zeros(n, dtype=bool)
    for c, info, r in zip(g.columns, g.infos, g.radix):
        s = _col(nd, c)
        kind = column_kind(s)
        if kind == "other":
            _check_usable(s, c, f"grouping factor {label!r}", NewDataError)
        if kind in ("datetime", "timedelta"):
            s = s.astype(str)
        codes, miss = recode(s, info)
        if len(g.columns) == 1:          # the levels are the codes themselves (keys = 0, 1, ...)
            key, bad, miss_any = codes, codes < 0, miss
            break
        bad |= codes < 0
        miss_any |= miss
        key = key * r + np.where(codes < 0, 0, codes)
    if len(g.columns) == 1:
        idx = np.asarray(key, dtype=np.int64).copy()
    else:
        idx = pd.Index(g.keys).get_indexer(key).astype(np.int64)
        idx[bad] = -1
    if not allow_new_levels and (idx < 0).any():
        rows = np.flatnonzero(idx < 0)
        vals = []
        for i in rows[:5]:
            vals.append(":".join("NA" if pd.isna(_col(nd, c).iloc[i]) else r_label(_col(nd, c).iloc[i])
                                 for c in g.columns))
        vals = list(dict.fromkeys(vals))
        what = "missing or new" if miss_any[rows].any() else "new"
        raise NewDataError(
            f"new data have {what} level(s) {', '.join(map(repr, vals))} of grouping factor "
            f"{label!r} that were not in the fitted data; " + (hint or
            "use allow_new_levels=True to predict them at the population level (random effect 0)"))
    return idx


# ----------------------------------------------------------------------------- rank
def _null_basis(X: np.ndarray, keep: np.ndarray, aliased: np.ndarray) -> np.ndarray:
    """Orthonormal basis (p, k) of the null space of X, whose columns ``aliased`` are
    combinations of the columns ``keep``: each aliased column a gives ``e_a - (coefficients of a
    on the kept columns)``."""
    N = np.zeros((X.shape[1], aliased.size))
    if keep.size:
        C = np.linalg.lstsq(X[:, keep], X[:, aliased], rcond=None)[0]
        N[keep] = -C
    N[aliased, np.arange(aliased.size)] = 1.0
    return np.linalg.qr(N)[0]


def _aliased_columns(X: np.ndarray, tol: float = RANK_TOL) -> list[int]:
    """Columns R's ``qr(X, tol)`` (LINPACK dqrdc2, limited pivoting) moves to the end.

    A column is aliased when its norm after projecting out the previous
    non-aliased columns is below ``tol`` times its original norm.
    """
    n, p = X.shape
    if p == 0:
        return []
    # the test is relative to each column's norm: scale columns to max |x| = 1 first so that
    # squares of huge values (1e200) cannot overflow
    scale = np.max(np.abs(X), axis=0) if n else np.ones(p)
    X = X / np.where((scale > 0) & np.isfinite(scale), scale, 1.0)
    norms = np.sqrt(np.einsum("ij,ij->j", X, X))
    if np.all(norms > 0):
        G = X.T @ X
        C = G / np.outer(norms, norms)
        if np.linalg.eigvalsh(C)[0] > 1e-10:  # smallest singular value of scaled X > 1e-5
            return []
    Q = np.empty((n, p))
    k = 0
    aliased = []
    for j in range(p):
        x = X[:, j]
        if norms[j] == 0:
            aliased.append(j)
            continue
        r = x.copy()
        for _ in range(2):  # re-orthogonalise once for accuracy
            if k:
                r -= Q[:, :k] @ (Q[:, :k].T @ r)
        nr = np.linalg.norm(r)
        if nr < tol * norms[j]:
            aliased.append(j)
        else:
            Q[:, k] = r / nr
            k += 1
    return aliased


# ----------------------------------------------------------------------------- response
def _response(data: pd.DataFrame, formula: Formula, weights: np.ndarray | None
              ) -> tuple[np.ndarray, np.ndarray, ResponseInfo]:
    node = formula.response
    while isinstance(node, Paren):
        node = node.expr
    label = formula.response_label
    n = len(data)
    w_user = np.ones(n) if weights is None else weights

    if isinstance(node, Call) and node.func == "cbind":
        parts = []
        for i, arg in enumerate(node.args):
            what = ("successes" if i == 0 else "failures")
            v = _numeric_expr(data, arg, ResponseError)
            a = deparse(arg)
            if not np.all(np.isfinite(v)):
                raise ResponseError(f"cbind() {what} {a!r} has non-finite values")
            if (v < 0).any():
                bad = np.unique(v[v < 0])[:5]
                hint = (" (did you write cbind(successes, trials) instead of "
                        "cbind(successes, trials - successes)?)" if i == 1 else "")
                raise ResponseError(
                    f"cbind() {what} {a!r} has negative counts "
                    f"({', '.join(r_label(b) for b in bad)}); counts must be >= 0{hint}")
            frac = np.abs(v - np.round(v)) > INTEGER_TOL
            if frac.any():
                bad = np.unique(v[frac])[:5]
                raise ResponseError(f"cbind() {what} {a!r} has non-integer counts "
                                    f"({', '.join(r_label(b) for b in bad)})")
            parts.append(v)
        s, f = parts
        trials = s + f
        y = np.divide(s, trials, out=np.zeros(n), where=trials > 0)
        cols = [(arg.id if isinstance(arg, Name) else "") for arg in node.args]
        return y, w_user * trials, ResponseInfo("cbind", label, None, cols, trials=trials)

    is_column = isinstance(node, Name) or (isinstance(node, Call) and node.func in FACTOR_FUNCTIONS)
    if is_column:
        src = node.id if isinstance(node, Name) else _factor_source(node)
        s = _col(data, src)
        kind = column_kind(s)
        _check_usable(s, src, "the response", ResponseError)
        if kind == "datetime" and isinstance(node, Name):   # factor(date) is asked for; a bare date is not
            raise ResponseError(_dates_message(s, src, "the response") + "; a binomial response is 0/1, "
                                "two levels, cbind(successes, failures) or proportions with weights=")
        if kind == "bool":
            y = _numeric_column(data, src, "the response")
            return y, w_user.copy(), ResponseInfo("binary", label)
        if kind in ("string", "categorical", "datetime") or isinstance(node, Call):
            codes, info = factorize(s)
            if len(info.labels) != 2:
                lv = ", ".join(repr(x) for x in info.labels[:10])
                more = "" if len(info.labels) <= 10 else f", ... ({len(info.labels)} levels)"
                raise ResponseError(
                    f"the response {label!r} must have exactly two levels (failure, success) "
                    f"for a binomial model, but it has {len(info.labels)}: {lv}{more}")
            y = (codes == 1).astype(float)
            return y, w_user.copy(), ResponseInfo("factor", label, list(info.labels))
        y = _numeric_column(data, src, "the response", ResponseError)
        from_expression = False
    else:
        y = _numeric_expr(data, node, ResponseError)
        from_expression = True

    if not np.all(np.isfinite(y)):
        raise ResponseError(_nonfinite_response(label, y, node, from_expression))
    binary = bool(np.all((y == 0) | (y == 1)))
    if weights is None:
        if binary:
            return y, w_user, ResponseInfo("binary", label)
        if y.min() >= 0 and y.max() <= 1:
            ex = y[(y > 0) & (y < 1)][0]
            raise ResponseError(
                f"the response {label!r} has values strictly between 0 and 1 (e.g. {r_label(ex)}): "
                "for proportions give the number of trials with weights=..., or use "
                "cbind(successes, failures) as the response")
        seen = np.unique(y)
        shown = ", ".join(r_label(v) for v in seen[:10]) + (", ..." if len(seen) > 10 else "")
        hint = ""
        if set(seen.tolist()) == {1.0, 2.0}:
            hint = " It looks coded 1/2: recode it as 0/1 (e.g. use y - 1 or a 0/1 column)."
        raise ResponseError(
            f"the response {label!r} must be 0/1 (or two levels, or cbind(successes, failures), "
            f"or proportions with weights=); values seen: {shown}.{hint}")
    # numeric response with prior weights: proportions, weights = trials
    if y.min() < 0 or y.max() > 1:
        bad = np.unique(y[(y < 0) | (y > 1)])[:5]
        what = "more successes than trials" if (y > 1).any() else "negative values"
        raise ResponseError(
            f"the response {label!r} must be a proportion in [0, 1] when weights are given, "
            f"but has {what} (values {', '.join(r_label(b) for b in bad)})")
    m = y * w_user
    frac = np.abs(m - np.round(m)) > INTEGER_TOL
    if frac.any():
        i = int(np.flatnonzero(frac)[0])
        raise ResponseError(
            f"non-integer number of successes: response {label!r} times weights is not a whole "
            f"number (e.g. {r_label(y[i])} * {r_label(w_user[i])} = {r_label(m[i])} in row {i} of the "
            "rows used); weights must be the numbers of trials")
    kind = "binary" if binary and not from_expression else "proportion"
    return y, w_user.copy(), ResponseInfo(kind, label)


def _check_not_constant(y: np.ndarray, w: np.ndarray, resp: ResponseInfo) -> None:
    """lme4's "Response is constant": all successes or all failures (rows with weight > 0)."""
    used = w > 0
    if not used.any():
        raise ResponseError(f"the response {resp.name!r} has no trials: every row has 0 trials (weight 0)")
    yu = y[used]
    if np.all(yu == 0) or np.all(yu == 1):
        what = "a failure (0)" if np.all(yu == 0) else "a success (1)"
        raise ResponseError(
            f"the response {resp.name!r} is constant: every observation used is {what}, so there is "
            "nothing to model (lme4: 'Response is constant'); check the response column and the rows used")


# ----------------------------------------------------------------------------- arguments
def _as_data(data) -> pd.DataFrame:
    return as_frame(data, "data", DataError)


def _vector_argument(value, name: str, data: pd.DataFrame, n: int) -> tuple[np.ndarray, str | None]:
    """weights=/offset=: a column name or an array of length n; NaN = missing."""
    if isinstance(value, str):
        _require_columns(data, [value], f"{name}= argument", ArgumentError)
        s = _col(data, value)
        if column_kind(s) != "numeric":
            raise ArgumentError(f"{name}= column {value!r} must be numeric, "
                                f"but holds {_describe_values(s)}")
        return s.to_numpy(dtype=float, na_value=np.nan), value
    if isinstance(value, pd.Series):
        value = _aligned(value, name, data)
        arr = value.to_numpy(dtype=float, na_value=np.nan) if column_kind(value) in ("numeric", "bool") \
            else None
    else:
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            arr = None
    if arr is None:
        raise ArgumentError(f"{name}= must be numbers (an array with one value per row) "
                            "or the name of a numeric column")
    if arr.ndim == 0:
        raise ArgumentError(f"{name}= must have one value per row of data ({n}), got a scalar")
    if arr.ndim != 1:
        raise ArgumentError(f"{name}= must be one-dimensional, got shape {arr.shape}")
    if len(arr) != n:
        raise ArgumentError(f"{name}= has length {len(arr)} but data have {n} rows")
    return arr, None


def _aligned(value: pd.Series, name: str, data: pd.DataFrame) -> pd.Series:
    """A weights=/offset= Series matched to the data's rows by index, as pandas aligns.

    The same index (in any order) is aligned; any other index is an error rather than a
    silent match by position.
    """
    idx = data.index
    if value.index.equals(idx):
        return value
    if (len(value) == len(idx) and value.index.is_unique and idx.is_unique
            and value.index.sort_values().equals(idx.sort_values())):
        return value.reindex(idx)
    if len(value) != len(idx):
        return value          # the length check below reports it
    extra = value.index.difference(idx)[:3].tolist() if value.index.is_unique else []
    missing = idx.difference(value.index)[:3].tolist() if value.index.is_unique else []
    detail = (f" (labels such as {extra} are not in the data's index, and {missing} of the data's "
              "are missing)" if extra or missing else " (it has repeated labels)")
    raise ArgumentError(
        f"{name}= is a pandas Series whose index does not match the data's index{detail}: pandas "
        f"would align them by label. Give a Series with the data's index, or {name}=s.to_numpy() to "
        "match by position.")


# ----------------------------------------------------------------------------- main
def build_model_frame(formula: str, data: pd.DataFrame, weights=None, offset=None) -> ModelFrame:
    """Parse ``formula`` and build the ModelFrame from ``data``.

    Parameters
    ----------
    formula : str
        An lme4 formula, e.g. ``"y ~ trt * sex + (1 | id)"`` or
        ``"cbind(incidence, size - incidence) ~ period + (1 | herd)"``.
    data : DataFrame or dict of columns
    weights : array-like or str, optional
        Prior weights, one per row (or the name of a column).  For a proportion
        response they are the numbers of trials.
    offset : array-like or str, optional
        A known term added to the linear predictor (also ``offset(...)`` in the formula).

    Returns
    -------
    ModelFrame

    Raises
    ------
    FormulaError, DataError, ResponseError, ArgumentError
        With a message naming the column, value or place in the formula.

    Warns
    -----
    MissingValuesWarning
        When rows with missing values are dropped.
    RankDeficiencyWarning
        When aliased fixed-effect columns are dropped.
    """
    parsed = formula if isinstance(formula, Formula) else parse_formula(formula)
    text = parsed.text
    data = _as_data(data)
    _require_columns(data, parsed.column_names(), "formula")
    n0 = len(data)
    if n0 == 0:
        raise DataError("the data have no rows")

    w_arr, w_col = (None, None) if weights is None else _vector_argument(weights, "weights", data, n0)
    o_arr, o_col = (None, None) if offset is None else _vector_argument(offset, "offset", data, n0)
    if w_arr is not None:
        if np.isinf(w_arr).any():
            raise ArgumentError("weights= must be finite; found infinite values")
        if (w_arr < 0).any():
            bad = np.unique(w_arr[w_arr < 0])[:5]
            raise ArgumentError(f"weights= must be >= 0 (they are numbers of trials or prior "
                                f"weights); found negative values {', '.join(r_label(b) for b in bad)}")
        big = w_arr >= MAX_WEIGHT
        if big.any():
            raise ArgumentError(
                f"weights= has values as large as {r_label(float(np.nanmax(w_arr)))}: weights (numbers of "
                f"trials) must be below {MAX_WEIGHT:g}; at that size a count of trials has too few "
                "digits left in double precision for the fit (and cannot be a real count of trials)")
        if np.all((w_arr == 0) | np.isnan(w_arr)):
            raise ArgumentError("weights= are all 0 (or missing): no observation carries any information, "
                                "so there is nothing to fit")
    if o_arr is not None and np.isinf(o_arr).any():
        raise ArgumentError("offset= must be finite; found infinite values")
    if o_arr is not None and (np.abs(o_arr) > MAX_ABS_OFFSET).any():
        worst = float(o_arr[np.nanargmax(np.abs(o_arr))])
        raise ArgumentError(
            f"offset= has values as large as {r_label(worst)}: an offset is on the link scale (e.g. "
            f"log(exposure)), where anything beyond +-40 already means a probability of exactly 0 or 1; "
            f"offsets beyond +-{MAX_ABS_OFFSET:g} are refused")

    # ---- scale(...): centre and sd from every row where its argument is present (R's model frame)
    transforms = _transform_table(data, [*parsed.fixed.variables.values(), *parsed.offsets,
                                 *(v for rs in parsed.random for v in rs.lhs.variables.values())])

    # ---- missing values (R's na.omit on the model frame)
    used = parsed.column_names()
    keep = np.ones(n0, dtype=bool)
    na_counts: dict[str, int] = {}
    for name in used:
        m = np.asarray(pd.isna(_col(data, name)), dtype=bool)
        if m.any():
            na_counts[name] = int(m.sum())
            keep &= ~m
    for label, arr in (("weights=", w_arr), ("offset=", o_arr)):
        if arr is not None:
            m = np.isnan(arr)
            if m.any():
                na_counts[label] = int(m.sum())
                keep &= ~m
    n_dropped = int(n0 - keep.sum())
    if n_dropped:
        if n_dropped == n0:
            raise DataError(
                f"no rows left after dropping rows with missing values (all {n0} rows have a "
                f"missing value in {', '.join(repr(k) for k in na_counts)})")
        detail = ", ".join(f"{k!r} ({v})" for k, v in na_counts.items())
        warnings.warn(MissingValuesWarning(
            f"{n_dropped} of {n0} rows dropped because of missing values in {detail}"),
            stacklevel=user_stacklevel())
        frame = data.loc[keep]
        if w_arr is not None:
            w_arr = w_arr[keep]
        if o_arr is not None:
            o_arr = o_arr[keep]
    else:
        frame = data
    n = len(frame)

    # ---- response and weights
    y, w, resp = _response(frame, parsed, w_arr)
    _check_not_constant(y, w, resp)
    y = np.where(w == 0, 0.0, y)     # as R's binomial()$initialize: a row of weight 0 has y = 0

    # ---- offset
    off = np.zeros(n) if o_arr is None else o_arr.astype(float).copy()
    for node in parsed.offsets:
        v = _numeric_expr(frame, node, DataError, transforms)
        if not np.all(np.isfinite(v)):
            raise DataError(f"offset({deparse(node)}) has non-finite values")
        if (np.abs(v) > MAX_ABS_OFFSET).any():
            raise DataError(
                f"offset({deparse(node)}) has values as large as {r_label(float(v[np.argmax(np.abs(v))]))}: "
                f"an offset is on the link scale (e.g. log(exposure)); offsets beyond +-{MAX_ABS_OFFSET:g} "
                "are refused")
        off = off + v

    # ---- fixed effects
    X, names, fspec, dropped = _fixed_part(frame, parsed.fixed, n, transforms)

    # ---- random effects (lme4's mkReTrms)
    terms: list[RandomTerm] = []
    bernoulli = resp.kind in ("binary", "factor") and bool(np.all(w == 1))
    for rs in parsed.random:
        label = rs.group_label
        codes, levels, gspec = _group_factor(frame, rs.group, label)
        if len(levels) < 2:
            raise DataError(
                f"grouping factor {label!r} has only {len(levels)} level"
                f"{' (' + repr(levels[0]) + ')' if levels else ''} in the rows used; lme4: "
                "grouping factors must have > 1 sampled level")
        if bernoulli and len(levels) >= n:
            raise DataError(
                f"grouping factor {label!r} has {len(levels)} levels for {n} observations, one per "
                "observation: with a 0/1 response a random effect per observation is not identifiable "
                "(a single 0/1 outcome shows no extra-binomial variation, so the data carry no information "
                "on its variance; lme4's glmer fits it anyway and returns an arbitrary variance, often a "
                "boundary fit). Remove the term; an observation-level random effect is meaningful for "
                "counts, cbind(successes, failures) or proportions with weights= (trials > 1)")
        Xr, dspec = _build_design(frame, rs.lhs, f"random term ({rs.text})", n, transforms)
        terms.append(RandomTerm(group=label, names=list(dspec.names), levels=levels, codes=codes,
                                X=Xr, spec=_TermSpec(rs, dspec, gspec)))
    _warn_repeated_terms(terms)
    nl = [t.nlevels for t in terms]
    if any(b > a for a, b in zip(nl, nl[1:])):
        # lme4: ord <- rev(order(nl)); order() is stable, so ties end up reversed
        ordr = sorted(range(len(nl)), key=lambda i: nl[i])[::-1]
        terms = [terms[i] for i in ordr]

    spec = _FrameSpec(parsed, fspec, list(parsed.offsets), transforms)
    return ModelFrame(formula=text, data=frame, y=np.ascontiguousarray(y, dtype=float),
                      weights=np.ascontiguousarray(w, dtype=float), offset=off, X=X,
                      fixef_names=names, random=terms, response=resp, n_dropped=n_dropped,
                      dropped_fixef=dropped, spec=spec)

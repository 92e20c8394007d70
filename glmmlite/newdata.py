"""Small helpers that ``GlmerResult`` and the modules using a fit share (so that none of them
imports ``results`` back): new data as a frame, ``re_form``, the offset for new data, seeds."""
from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .argcheck import type_name
from .errors import ArgumentError, GlmmliteWarning, NewDataError, user_stacklevel

__all__ = ["as_frame", "re_form_terms", "offset_for", "rng", "check_nsim"]


def rng(seed) -> np.random.Generator:
    """A numpy Generator from an int seed, a Generator (used as is) or None."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise ArgumentError(f"seed must be an int, a numpy Generator or None, not {seed!r}")
    return np.random.default_rng(seed)


def check_nsim(nsim) -> int:
    if isinstance(nsim, bool) or not isinstance(nsim, (int, np.integer)) or nsim < 1:
        raise ArgumentError(f"nsim must be a whole number >= 1, not {nsim!r}")
    return int(nsim)


def _frame_hint(obj: Any) -> str:
    """How to turn another library's table into a pandas DataFrame (told by its type's module
    and name, without importing that library)."""
    t = type(obj)
    top = t.__module__.split(".")[0]
    if top == "polars":
        collect = ".collect()" if t.__name__ == "LazyFrame" else ""
        return (f"; convert it with df{collect}.to_pandas() (needs pyarrow) or "
                f"pd.DataFrame(df{collect}.to_dict(as_series=False))")
    if callable(getattr(t, "to_pandas", None)):
        return "; convert it with its .to_pandas()"
    return ""


def as_frame(obj: Any, what: str = "newdata", exc: type[Exception] = NewDataError) -> pd.DataFrame:
    """``obj`` as a DataFrame: a DataFrame as is, a dict of columns made into one; anything else
    (a polars DataFrame, a list, a file name) is an ``exc`` naming its type in full, with how to
    convert it when glmmlite knows (polars, or any object with ``.to_pandas()``).

    Parameters
    ----------
    obj : Any
        What the user gave as ``what`` (glmer's ``data``, ``newdata``).
    what : str
        The argument's name, for the message.
    exc : exception class
        DataError for ``data``, NewDataError for ``newdata``.
    """
    if isinstance(obj, pd.DataFrame):
        return obj
    if isinstance(obj, Mapping):
        try:
            return pd.DataFrame(dict(obj))
        except (ValueError, TypeError) as e:
            raise exc(f"cannot make a data frame of the dict given as {what}: {e}") from None
    raise exc(f"{what} must be a pandas DataFrame or a dict of equal-length columns, not "
              f"{type_name(obj)}{_frame_hint(obj)}")


def offset_for(frame, newdata: pd.DataFrame, offset_argument: bool = False) -> np.ndarray:
    """The formula's ``offset(...)`` terms evaluated on ``newdata`` (a ModelFrame's ``new_offset``);
    warns that an ``offset=`` argument cannot be rebuilt for new data."""
    if offset_argument:
        warnings.warn(
            "the model was fitted with an offset= argument, which cannot be rebuilt for new data: "
            "these predictions leave it out. Put the offset in the formula, e.g. "
            "'y ~ x + offset(log_n) + (1|g)', to have it applied to new data.",
            GlmmliteWarning, stacklevel=user_stacklevel(),
        )
    return frame.new_offset(newdata)


def _norm(s: str) -> str:
    return s.replace(" ", "")


def _unparen(s: str) -> str:
    return _norm(s).replace("(", "").replace(")", "")


def re_form_terms(m: Any, re_form: Any) -> list[int]:
    """Indices of the random-effect terms that ``re_form`` keeps.

    ``None``: all terms (R's ``re.form = NULL``); ``"~0"``, ``"NA"`` or ``np.nan``: none (R's
    ``re.form = NA``); a formula such as ``"~(1|id)"``: the terms it names (lme4's
    ``re.form = ~(1|id)``).  A formula that names no term of the model raises ArgumentError.
    """
    terms = m.frame.random
    if re_form is None:
        return list(range(len(terms)))
    if isinstance(re_form, float) and np.isnan(re_form):
        return []
    if not isinstance(re_form, str):
        raise ArgumentError(f"re_form must be None, '~0' or a formula string such as '~(1|id)', not {re_form!r}")
    s = _norm(re_form)
    if s in ("~0", "NA", "~1-1", "0", "~-1", "~0+1"):
        return []
    body = s[1:] if s.startswith("~") else s
    parts: list[str] = []
    depth, cur = 0, ""
    for ch in body:
        if ch == "(":
            depth += 1
            if depth == 1:
                cur = ""
                continue
        elif ch == ")":
            depth -= 1
            if depth == 0:
                parts.append(cur)
                continue
        if depth >= 1:
            cur += ch
    texts = [_norm(t.spec.random.text) if t.spec is not None else f"{'+'.join(t.names)}|{t.group}" for t in terms]
    keep: list[int] = []
    unknown: list[str] = []
    for p in parts:
        hit = [i for i, t in enumerate(texts) if t == p]
        if not hit and "|" in p:   # (1|id) against a term written (1 | id), or a group name alone
            lhs, grp = p.split("|", 1)
            grp = grp.lstrip("|")
            # a nested group is labelled c:(b:a) as lme4 prints it; c:b:a names it too
            hit = [i for i, t in enumerate(terms) if _unparen(t.group) == _unparen(grp)]
        if not hit:
            unknown.append(f"({p})")
        keep.extend(i for i in hit if i not in keep)
    if unknown or not parts:
        known = ", ".join(f"'({t.spec.random.text if t.spec is not None else t.group})'" for t in terms)
        what = ", ".join(unknown) if unknown else repr(re_form)
        raise ArgumentError(
            f"re_form {re_form!r}: {what} names no random-effects term of the model; the model's terms "
            f"are {known}. Use None for all of them or '~0' for none (population level).")
    return sorted(keep)

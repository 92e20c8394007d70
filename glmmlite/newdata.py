"""Small helpers that ``GlmerResult`` and the modules using a fit share (so that none of them
imports ``results`` back): new data as a frame, ``re_form``, the offset for new data, seeds."""
from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .errors import ArgumentError, GlmmliteWarning, NewDataError, user_stacklevel

__all__ = ["as_frame", "parse_re_form", "offset_for", "rng", "check_nsim"]


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


def as_frame(newdata) -> pd.DataFrame:
    """``newdata`` as a DataFrame: a DataFrame as is, a dict of columns (as ``glmer``'s ``data``)."""
    if isinstance(newdata, pd.DataFrame):
        return newdata
    if isinstance(newdata, Mapping):
        try:
            return pd.DataFrame(dict(newdata))
        except (ValueError, TypeError) as e:
            raise NewDataError(f"cannot make a data frame of the dict given as newdata: {e}") from None
    raise NewDataError(f"newdata must be a pandas DataFrame or a dict of columns, not "
                       f"{type(newdata).__name__}")


def parse_re_form(re_form) -> bool:
    """True to include the random effects (R's re.form = NULL), False for re.form = NA / ~0."""
    if re_form is None:
        return True
    if isinstance(re_form, float) and np.isnan(re_form):
        return False
    if isinstance(re_form, str):
        s = re_form.replace(" ", "")
        if s in ("~0", "NA", "~1-1", "0"):
            return False
    raise ArgumentError(
        f"re_form must be None (include all random effects, R's re.form = NULL) or '~0' "
        f"(population level, R's re.form = NA); got {re_form!r}"
    )


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

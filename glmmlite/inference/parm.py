"""Which parameters: ``parm``/``which`` specifications (names, ``"theta_"``, ``"beta_"``,
0-based indices) turned into positions in lme4's parameter order (sd/cor first, then the
fixed effects)."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import ArgumentError

__all__ = ["resolve_parm", "n_variance"]


def resolve_parm(parm: Any, names: Sequence[str], n_var: int) -> list[int]:
    """Turn a ``parm``/``which`` specification into sorted parameter indices.

    Parameters
    ----------
    parm : None, str, int or list of those
        ``None`` selects every parameter.  A string is a parameter name (e.g.
        ``"sd_(Intercept)|id"``, ``"trttreat"``), ``"theta_"`` (all variance
        parameters) or ``"beta_"`` (all fixed effects).  An int is a 0-based
        position in ``names`` (negative values count from the end).
    names : sequence of str
        All parameter names, variance parameters first (lme4's order).
    n_var : int
        Number of variance parameters at the start of ``names``.

    Returns
    -------
    list of int
        Sorted, unique indices into ``names``.

    Raises
    ------
    ArgumentError
        For an unknown name or an out-of-range index; the message lists the valid
        names.
    """
    names = list(names)
    n = len(names)
    if parm is None:
        return list(range(n))
    if isinstance(parm, (str, int, np.integer)) or not isinstance(parm, (list, tuple, np.ndarray, pd.Index, pd.Series)):
        items = [parm]     # a scalar (even a float: reported below as neither a name nor an index)
    else:
        items = list(parm)
    if len(items) == 0:
        raise ArgumentError("parm is empty; " + _valid_parm_text(names))
    out: set[int] = set()
    for it in items:
        if isinstance(it, (bool, np.bool_)):
            raise ArgumentError(f"parm={it!r} is not a parameter name or index; " + _valid_parm_text(names))
        if isinstance(it, (int, np.integer)):
            i = int(it)
            if not -n <= i < n:
                raise ArgumentError(
                    f"parm index {i} is out of range for {n} parameters (0-based); " + _valid_parm_text(names)
                )
            out.add(i % n)
        elif isinstance(it, str):
            if it == "theta_":
                out.update(range(n_var))
            elif it == "beta_":
                out.update(range(n_var, n))
            elif it in names:
                out.add(names.index(it))
            else:
                raise ArgumentError(f"unknown parameter {it!r} in parm; " + _valid_parm_text(names))
        else:
            raise ArgumentError(
                f"parm entries must be names or integer indices, not {it!r} ({type(it).__name__}); "
                + _valid_parm_text(names)
            )
    return sorted(out)


def _valid_parm_text(names: Sequence[str]) -> str:
    return "valid names are " + ", ".join(repr(s) for s in names) + ', or "theta_" / "beta_", or 0-based indices'


def n_variance(names: Sequence[str]) -> int:
    """How many of ``names`` (lme4's order) are variance parameters: the leading ``sd_``/``cor_`` ones."""
    n = 0
    for s in names:
        if s.startswith(("sd_", "cor_")):
            n += 1
        else:
            break
    return n

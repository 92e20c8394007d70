"""Confidence levels: checking them and naming interval columns as R does ("2.5 %", "97.5 %")."""
from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

from ..errors import ArgumentError

__all__ = ["check_level", "level_colnames"]


def check_level(level: Any) -> float:
    """Return ``level`` as a float in (0, 1) or raise :class:`ArgumentError`.

    Only numbers are taken: a string such as ``"0.95"`` is refused, and so are booleans, NaN
    and the ends 0 and 1.
    """
    if isinstance(level, (bool, np.bool_)) or not isinstance(level, Real) or not 0.0 < float(level) < 1.0:
        raise ArgumentError(f"level must be a number strictly between 0 and 1 (e.g. 0.95), not {level!r}")
    return float(level)


def _format_percent(values: list[float], digits: int = 3) -> list[str]:
    """R's ``format(x, digits = 3, scientific = FALSE, trim = TRUE)``, as ``format.perc`` uses it:
    the fewest decimals that show every number to ``digits`` significant digits, in fixed notation."""
    decs = 0
    for v in values:
        if v == 0 or not math.isfinite(v):
            continue
        e = math.floor(math.log10(abs(v)))
        full = round(v, digits - 1 - e)
        e2 = math.floor(math.log10(abs(full))) if full != 0 else e
        need = next((k for k in range(1, digits + 1) if round(full, k - 1 - e2) == full), digits)
        decs = max(decs, need - 1 - e2)
    return [f"{v:.{decs}f}" for v in values]


def level_colnames(level: float) -> list[str]:
    """Column names of an interval at ``level``, as R's ``format.perc`` ("2.5 %", "97.5 %")."""
    a = (1.0 - level) / 2.0
    lo, hi = _format_percent([100 * a, 100 * (1 - a)], 3)
    return [f"{lo} %", f"{hi} %"]

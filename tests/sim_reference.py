"""Helpers shared by the tests that compare simulate() with lme4's stored draws
(tests/test_simulate_r.py, tests/test_simulate_newdata.py)."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd


def quiet(fun, *args, **kwargs):
    """``fun(*args, **kwargs)`` with warnings silenced (fits of tiny reference data sets)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fun(*args, **kwargs)


def count_differences(sim: pd.DataFrame, case: dict) -> int:
    """How many simulated values differ from R's in ``case["sims"]`` (per column ``sim_k``:
    R's n x 2 matrix for cbind, level strings for a factor, numbers otherwise)."""
    n = 0
    for key, ref in case["sims"].items():
        col = sim[key]
        if isinstance(ref, dict):                     # cbind: R's n x 2 matrix
            assert list(col.columns) == ref["colnames"]
            n += int((col.iloc[:, 0].to_numpy() != np.array(ref["successes"])).sum())
            n += int((col.iloc[:, 1].to_numpy() != np.array(ref["failures"])).sum())
        elif isinstance(ref[0], str):                 # factor
            n += int((col.astype(str).to_numpy() != np.array(ref)).sum())
        else:
            n += int((col.to_numpy(float) != np.array(ref, float)).sum())
    return n

"""The fast paths of new-data recoding (contrasts._recode_fast, issue 11's speed goal) give what
the general path (factorize, then match the labels) gives, value for value."""
from __future__ import annotations

import copy
import pickle

import numpy as np
import pandas as pd
import pytest

from glmmlite import contrasts
from glmmlite.contrasts import factorize, recode


def _general(s: pd.Series, info) -> tuple[np.ndarray, np.ndarray]:
    """recode without the fast path: R's labels of the new values matched to the fit's."""
    missing = np.asarray(pd.isna(s), dtype=bool)
    codes_new, info_new = factorize(s)
    lookup = info.index.get_indexer(pd.Index(info_new.labels, dtype=object))
    return np.append(lookup, -1).astype(np.int64)[codes_new], missing


FIT_COLUMNS = {
    "text": pd.Series(["b", "a", "c", "a", "b"]),
    "text_object": pd.Series(np.array(["b", "a", "c"], dtype=object)),
    "ints": pd.Series([3, 1, 2, 10, 250]),
    "negative_ints": pd.Series([-3, 0, 7]),
    "whole_floats": pd.Series([1.0, 2.0, 3.0]),
    "floats": pd.Series([0.5, 1.25, 3.0]),
}
NEW_COLUMNS = [
    pd.Series(["a", "c", None, "b"]),
    pd.Series(np.array(["a", np.nan, "z"], dtype=object)),
    pd.Series(np.array(["1", 1, "a"], dtype=object)),
    pd.Series([10, 3, 3, 250]),
    pd.Series([10.0, np.nan, 2.0]),
    pd.Series([2.5, 1.0]),
    pd.Series([7, -3, 99]),
    pd.Series(np.array([3, 1], dtype=np.uint64)),
    pd.Series(pd.array([1, None, 3], dtype="Int64")),
    pd.Series(["10", "3"]),
    pd.Series(pd.Categorical(["a", "b"], categories=["b", "a", "q"])),
    pd.Series([True, False]),
    pd.Series([0.5, 3.0, np.inf]),
]


@pytest.mark.parametrize("fit", list(FIT_COLUMNS))
@pytest.mark.parametrize("j", range(len(NEW_COLUMNS)))
def test_fast_recode_equals_the_general_path(fit, j):
    _, info = factorize(FIT_COLUMNS[fit])
    s = NEW_COLUMNS[j]
    got = recode(s, info)
    want = _general(s, info)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def test_the_fast_path_is_taken_for_text_and_integers():
    _, info = factorize(pd.Series(["treat", "control"]))
    assert contrasts._recode_fast(pd.Series(["control", "treat", None]), info) is not None
    _, info = factorize(pd.Series([1, 2, 3]))
    assert contrasts._recode_fast(pd.Series([3, 1]), info) is not None
    assert contrasts._recode_fast(pd.Series([3.0, np.nan]), info) is not None
    assert contrasts._recode_fast(pd.Series([3.5]), info) is None        # not a whole number
    assert contrasts._recode_fast(pd.Series([4]), info) is None          # unseen: the general path


def test_factor_info_with_caches_pickles_and_copies():
    _, info = factorize(pd.Series(["b", "a"]))
    recode(pd.Series(["a"]), info)                  # builds the hash table cache
    for other in (pickle.loads(pickle.dumps(info)), copy.deepcopy(info)):
        assert other == info
        np.testing.assert_array_equal(recode(pd.Series(["b", "a", "x"]), other)[0], [1, 0, -1])

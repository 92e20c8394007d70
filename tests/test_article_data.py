"""The article's simulated data: exact with R's stream, sensible with numpy's."""
from __future__ import annotations

import doctest
import warnings

import numpy as np
import pandas as pd
import pytest

import glmmlite.article as article
from conftest import load_csv, load_json
from glmmlite.article import (ARTICLE_CELLS, ARTICLE_PROBS, SEX_LEVELS, TRT_LEVELS,
                              article_design, article_p, article_p2, simulate_article_data)
from glmmlite.errors import ArgumentError, GlmmliteWarning
from glmmlite.rstream import RStream

# p and p2 must match R within this (the brief's bound; in practice they are identical).
P_ABS = 1e-15


@pytest.fixture(scope="module")
def r_data() -> pd.DataFrame:
    """The article's session: set.seed(1), then its code top to bottom, coin flip included."""
    return simulate_article_data(stream="r", seed=1)


@pytest.fixture(scope="module")
def r_seed_order() -> pd.DataFrame:
    """The same code without the coin flip (the order of seed_data.csv)."""
    return simulate_article_data(stream="r", seed=1, coin_flip=False)


@pytest.fixture(scope="module")
def article_data() -> pd.DataFrame:
    return load_csv("article_data.csv")


@pytest.fixture(scope="module")
def article_draws() -> dict:
    return load_json("article_draws.json")


# ----------------------------------------------------------------- R's stream: the article's session
def test_r_stream_reproduces_article_data_bit_for_bit(r_data, article_data):
    assert list(r_data.columns) == list(article_data.columns) == [
        "id", "day", "trt", "sex", "p", "y", "p2", "y2"]
    pd.testing.assert_frame_equal(r_data, article_data, check_exact=True)


def test_capital_r_is_the_same_stream(r_data):
    pd.testing.assert_frame_equal(simulate_article_data(stream="R", seed=1), r_data, check_exact=True)
    pd.testing.assert_frame_equal(simulate_article_data(stream="NumPy", seed=3),
                                  simulate_article_data(stream="numpy", seed=3))


def test_coin_flip_is_the_articles(r_data, article_draws):
    assert r_data.attrs["coin_flip"] == article_draws["coin_flip"] == [1, 1, 1, 1, 0]


def test_every_draw_of_the_session(r_data, article_draws):
    first = r_data.groupby("id", sort=True).first()
    assert first["trt"].tolist() == article_draws["trt"]
    assert first["sex"].tolist() == article_draws["sex"]
    assert r_data["y"].tolist() == article_draws["y"]
    assert r_data["y2"].tolist() == article_draws["y2"]
    # p = cell probability + r_probs[id]: the normals are R's to the last bit
    rs = RStream(1)
    rs.sample(TRT_LEVELS, 250, replace=True)
    rs.sample(SEX_LEVELS, 250, replace=True)
    assert rs.rbinom(5, 1, 0.5).tolist() == article_draws["coin_flip"]
    assert rs.rnorm(250, 0, 0.03).tolist() == article_draws["r_probs"]
    rs.rbinom(3500, 1, r_data["p"].to_numpy())
    assert rs.rnorm(250, 0, 0.03).tolist() == article_draws["rnorm2"]


def test_rstream_seed_is_left_where_r_calls_simulate(article_draws, r_data):
    rs = RStream(1)
    d = simulate_article_data(seed=rs)          # stream inferred from the RStream
    pd.testing.assert_frame_equal(d, r_data, check_exact=True)
    assert rs.state.tolist() == article_draws["random_seed_before_simulate_m"]


def test_seed_order_without_coin_flip_is_seed_data(r_seed_order, seed_data):
    assert len(r_seed_order) == len(seed_data) == 3500
    for col in ("id", "day", "y", "y2"):
        assert (r_seed_order[col].to_numpy() == seed_data[col].to_numpy()).all(), col
    for col in ("p", "p2"):
        diff = np.abs(r_seed_order[col].to_numpy() - seed_data[col].to_numpy()).max()
        assert diff <= P_ABS, f"{col}: max |diff| {diff:.3g}"
    pd.testing.assert_frame_equal(r_seed_order, seed_data, check_exact=True)
    assert "coin_flip" not in r_seed_order.attrs


def test_coin_flip_shifts_every_later_draw(r_data, r_seed_order):
    assert r_data[["trt", "sex"]].equals(r_seed_order[["trt", "sex"]])
    assert not np.array_equal(r_data["p"].to_numpy(), r_seed_order["p"].to_numpy())


def test_dtypes(r_data):
    assert r_data["id"].dtype == np.int64 and r_data["day"].dtype == np.int64
    assert r_data["y"].dtype == np.int64 and r_data["y2"].dtype == np.int64
    assert r_data["p"].dtype == np.float64 and r_data["p2"].dtype == np.float64
    assert pd.api.types.is_string_dtype(r_data["trt"])
    assert pd.api.types.is_string_dtype(r_data["sex"])


def test_subject_vectors_match_raw_draws(r_seed_order):
    ref = load_json("seed_rng_draws.json")["seed_data"]
    first = r_seed_order.groupby("id", sort=True).first()
    assert first["trt"].tolist() == ref["trt"]
    assert first["sex"].tolist() == ref["sex"]


def test_steps_one_by_one_equal_the_bundle(r_data):
    rs = RStream(1)
    trt = rs.sample(TRT_LEVELS, 250, replace=True)
    sex = rs.sample(SEX_LEVELS, 250, replace=True)
    rs.rbinom(5, 1, 0.5)                        # the coin flip
    design = article_design(250, 14)
    rows = design["id"].to_numpy() - 1
    p = article_p(trt, sex, rs.rnorm(250, 0, 0.03))[rows]
    y = rs.rbinom(len(design), 1, p)
    p2 = article_p2(trt, sex, rs.rnorm(250, 0, 0.03))[rows]
    y2 = rs.rbinom(len(design), 1, p2)
    assert (p == r_data["p"].to_numpy()).all() and (y == r_data["y"].to_numpy()).all()
    assert (p2 == r_data["p2"].to_numpy()).all() and (y2 == r_data["y2"].to_numpy()).all()


def test_rstream_as_seed_continues_that_stream(r_data):
    rs = RStream(1)
    d = simulate_article_data(seed=rs)
    pd.testing.assert_frame_equal(d, r_data)
    assert rs.state[1] != 624                   # the caller's stream advanced
    again = simulate_article_data(seed=rs)
    assert not again["y"].equals(r_data["y"])


def test_numpy_stream_draws_a_coin_flip_too():
    a = simulate_article_data(n=30, days=2, seed=4)
    b = simulate_article_data(n=30, days=2, seed=4, coin_flip=False)
    assert set(a.attrs["coin_flip"]) <= {0, 1} and len(a.attrs["coin_flip"]) == 5
    assert a[["trt", "sex"]].equals(b[["trt", "sex"]])


def test_design_matches_reference(seed_data):
    d = article_design(250, 14)
    assert (d["id"].to_numpy() == seed_data["id"].to_numpy()).all()
    assert (d["day"].to_numpy() == seed_data["day"].to_numpy()).all()
    assert d.index.equals(pd.RangeIndex(3500))


def test_cell_order_is_rs_interaction_levels():
    assert ARTICLE_CELLS == (("control", "female"), ("treat", "female"),
                             ("control", "male"), ("treat", "male"))
    p = article_p([c[0] for c in ARTICLE_CELLS], [c[1] for c in ARTICLE_CELLS], 0.0)
    assert p.tolist() == list(ARTICLE_PROBS)


def test_docstring_examples_pass():
    result = doctest.testmod(article, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 8 and result.failed == 0


# ----------------------------------------------------------------- numpy stream
def test_numpy_stream_is_reproducible_and_seed_dependent():
    a = simulate_article_data(seed=2024)
    b = simulate_article_data(seed=2024)
    c = simulate_article_data(seed=2025)
    pd.testing.assert_frame_equal(a, b)
    assert not a["y"].equals(c["y"]) or not a["trt"].equals(c["trt"])
    g = simulate_article_data(seed=np.random.default_rng(2024))
    pd.testing.assert_frame_equal(a, g)


def test_numpy_stream_shape_and_design():
    d = simulate_article_data(n=40, days=5, seed=3)
    assert list(d.columns) == ["id", "day", "trt", "sex", "p", "y", "p2", "y2"]
    assert len(d) == 200
    pd.testing.assert_frame_equal(d[["id", "day"]], article_design(40, 5))
    per_id = d.groupby("id").agg(trt=("trt", "nunique"), sex=("sex", "nunique"),
                                 p=("p", "nunique"), p2=("p2", "nunique"), days=("day", "size"))
    assert (per_id[["trt", "sex", "p", "p2"]] == 1).all().all()
    assert (per_id["days"] == 5).all()
    assert set(d["trt"]) <= set(TRT_LEVELS) and set(d["sex"]) <= set(SEX_LEVELS)
    assert set(d["y"]) <= {0, 1} and set(d["y2"]) <= {0, 1}
    assert d["y"].dtype == np.int64


def test_numpy_stream_recovers_cell_probabilities():
    d = simulate_article_data(n=4000, days=14, seed=11, scale="probability")
    means = d.groupby(["trt", "sex"])["y"].mean()
    for (trt, sex), prob in zip(ARTICLE_CELLS, ARTICLE_PROBS):
        assert abs(means[(trt, sex)] - prob) < 0.02


# ----------------------------------------------------------------- scale
def test_scale_selects_columns():
    pr = simulate_article_data(n=10, days=3, seed=1, scale="probability")
    lo = simulate_article_data(n=10, days=3, seed=1, scale="logit")
    assert list(pr.columns) == ["id", "day", "trt", "sex", "p", "y"]
    assert list(lo.columns) == ["id", "day", "trt", "sex", "p2", "y2"]
    assert ((lo["p2"] > 0) & (lo["p2"] < 1)).all()


def test_probability_scale_with_r_stream_is_prefix_of_both(r_data):
    pr = simulate_article_data(stream="r", seed=1, scale="probability")
    pd.testing.assert_frame_equal(pr, r_data[["id", "day", "trt", "sex", "p", "y"]])


# ----------------------------------------------------------------- p outside [0, 1]
def test_out_of_range_raises_by_default():
    with pytest.raises(ArgumentError, match=r"outside \[0, 1\].*ids"):
        simulate_article_data(stream="r", seed=1, sd=0.3)


def test_out_of_range_clip_and_na_keep_other_draws():
    with pytest.warns(GlmmliteWarning, match="clipped"):
        clip = simulate_article_data(stream="r", seed=1, sd=0.3, scale="probability",
                                     out_of_range="clip")
    with pytest.warns(GlmmliteWarning, match="NA"):
        na = simulate_article_data(stream="r", seed=1, sd=0.3, scale="probability",
                                   out_of_range="na")
    assert clip["p"].between(0, 1).all()
    bad = (na["p"] < 0) | (na["p"] > 1)
    assert bad.any() and na.loc[bad, "y"].isna().all()
    assert na["y"].dtype == "Int64"
    ok = ~bad.to_numpy()
    # R draws nothing for p = 0, 1 or NA, so every other row gets the same draw
    assert (na["y"].to_numpy()[ok].astype(int) == clip["y"].to_numpy()[ok]).all()
    # clipped rows are deterministic
    assert (clip.loc[clip["p"] == 1, "y"] == 1).all() and (clip.loc[clip["p"] == 0, "y"] == 0).all()


def test_numpy_stream_out_of_range_clip():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GlmmliteWarning)
        d = simulate_article_data(seed=5, sd=0.4, out_of_range="clip")
    assert d["p"].between(0, 1).all()


# ----------------------------------------------------------------- argument checks
@pytest.mark.parametrize("kwargs", [
    {"n": 0}, {"days": 1.5}, {"probs": (0.4, 0.85, 0.3)}, {"probs": (0.4, 1.2, 0.3, 0.5)},
    {"sd": -0.1}, {"sd_logit": float("nan")}, {"scale": "odds"}, {"stream": "python"},
    {"stream": 1}, {"coin_flip": "yes"}, {"seed": -1}, {"seed": True},
    {"out_of_range": "ignore"}, {"coefs": (1, 2, 3)},
    {"stream": "r", "seed": np.random.default_rng(1)},
    {"stream": "numpy", "seed": RStream(1)},
])
def test_bad_arguments(kwargs):
    with pytest.raises(ArgumentError):
        simulate_article_data(**kwargs)


def test_helpers_reject_unknown_levels():
    with pytest.raises(ArgumentError, match="trt"):
        article_p(["control", "placebo"], ["female", "male"], 0.0)
    with pytest.raises(ArgumentError, match="sex"):
        article_p2(["control"], ["f"], 0.0)

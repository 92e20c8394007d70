"""RStream reproduces R 4.2.2's default random numbers draw for draw.

Ground truth: ``seed_rng_draws.json`` (written by ``r/seed.R``).  Every
comparison of draws is exact (``==`` on doubles and integers).
"""
from __future__ import annotations

import math
import timeit

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import ndtri

from conftest import load_csv, load_json
from glmmlite.errors import ArgumentError
from glmmlite.rstream import RStream, _binv_attempt, _r_pow_di, r_qnorm, r_set_seed


@pytest.fixture(scope="module")
def draws() -> dict:
    return load_json("seed_rng_draws.json")


def _exact(got, expected) -> None:
    got = np.asarray(got)
    expected = np.asarray(expected)
    assert got.shape == expected.shape
    bad = np.flatnonzero(got != expected)
    assert bad.size == 0, (
        f"{bad.size} draws differ, first at [{bad[0]}]: got {got[bad[0]]!r}, "
        f"R {expected[bad[0]]!r}")


# ----------------------------------------------------------------- set.seed
def test_reference_is_rs_default_kinds(draws):
    assert draws["RNGkind"] == ["Mersenne-Twister", "Inversion", "Rejection"]


def test_state_after_set_seed_1(draws):
    state = RStream(1).state
    assert state.dtype == np.int32
    _exact(state, draws["random_seed_after_set_seed_1"])


def test_r_set_seed_is_constructor(draws):
    _exact(r_set_seed(1).state, draws["random_seed_after_set_seed_1"])


def test_state_tracks_mti():
    rs = RStream(1)
    rs.runif(5)
    assert rs.state[1] == 5
    rs.rnorm(3)                      # two uniforms each
    assert rs.state[1] == 11
    rs.runif(700)                    # crosses one twist of 624 words
    assert rs.state[1] == (11 + 700) - 624


# ----------------------------------------------------------------- single calls
CALLS = {
    "runif_20": lambda rs: rs.runif(20),
    "rnorm_20": lambda rs: rs.rnorm(20),
    "sample_1to10_20_replace": lambda rs: rs.sample(np.arange(1, 11), 20, replace=True),
    "rbinom_20_size1_p0.3": lambda rs: rs.rbinom(20, 1, 0.3),
    "rbinom_20_size1_p0.7": lambda rs: rs.rbinom(20, 1, 0.7),
    "rbinom_20_size5_p0.4": lambda rs: rs.rbinom(20, 5, 0.4),
    "extra_rbinom_20_size100_p0.4": lambda rs: rs.rbinom(20, 100, 0.4),   # BTPE
    "extra_rnorm_20_mean0_sd0.03": lambda rs: rs.rnorm(20, mean=0, sd=0.03),
    "extra_sample_control_treat_5_replace":
        lambda rs: rs.sample(["control", "treat"], 5, replace=True),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_draws_after_set_seed_1(draws, name):
    expected = draws["after_set_seed_1"][name]
    got = CALLS[name](RStream(1))
    if isinstance(expected[0], str):
        assert got.tolist() == expected
    else:
        _exact(got, expected)


def test_every_reference_vector_is_checked(draws):
    assert set(draws["after_set_seed_1"]) == set(CALLS)


def test_sample_of_number_means_one_to_n(draws):
    _exact(RStream(1).sample(10, 20, replace=True),
           draws["after_set_seed_1"]["sample_1to10_20_replace"])


# ----------------------------------------------------------------- the article's stream
def test_seed_data_draws_in_order(draws):
    """set.seed(1); sample; sample; rnorm; rbinom(p); rnorm; rbinom(p2), one stream."""
    ref = draws["seed_data"]
    data = load_csv("seed_data.csv")
    rs = RStream(1)
    assert rs.sample(["control", "treat"], 250, replace=True).tolist() == ref["trt"]
    assert rs.sample(["female", "male"], 250, replace=True).tolist() == ref["sex"]
    _exact(rs.rnorm(250, 0, 0.03), ref["r_probs"])
    _exact(rs.rbinom(3500, 1, data["p"].to_numpy()), ref["y"])
    _exact(rs.rnorm(250, 0, 0.03), ref["rnorm2"])
    _exact(rs.rbinom(3500, 1, data["p2"].to_numpy()), ref["y2"])


# ----------------------------------------------------------------- R's zero-draw cases
def test_no_uniform_consumed_where_r_consumes_none():
    rs = RStream(5)
    before = rs.state.copy()
    assert rs.rbinom(4, 1, 0.0).tolist() == [0] * 4
    assert rs.rbinom(4, 3, 1.0).tolist() == [3] * 4
    assert rs.rbinom(4, 0, 0.4).tolist() == [0] * 4
    assert rs.rnorm(3, mean=2.5, sd=0).tolist() == [2.5] * 3
    assert rs.runif(3, 1.5, 1.5).tolist() == [1.5] * 3
    assert rs.rbinom(0, 1, 0.5).size == 0
    _exact(rs.state, before)


def test_mixed_vector_consumes_only_for_real_draws():
    size = [1, 0, 1, 5, 1, 2]
    prob = [0.3, 0.5, 0.0, 0.4, 1.0, 0.9]
    a = RStream(11).rbinom(6, size, prob)
    rs = RStream(11)
    expect = [rs.rbinom(1, 1, 0.3)[0], 0, 0, rs.rbinom(1, 5, 0.4)[0], 1, rs.rbinom(1, 2, 0.9)[0]]
    assert a.tolist() == expect


def test_rnorm_recycles_mean_and_sd():
    a = RStream(3).rnorm(6, mean=[0, 10], sd=[1, 0, 2])
    z = RStream(3).rnorm(4)   # recycling mean[i % 2], sd[i % 3]; sd == 0 draws nothing
    assert a.tolist() == [0 + 1 * z[0], 10.0, 0 + 2 * z[1], 10 + 1 * z[2], 0.0, 10 + 2 * z[3]]


# ----------------------------------------------------------------- vectorisation is faithful
@settings(max_examples=60, deadline=None)
@given(st.integers(1, 2**31 - 2),
       st.lists(st.tuples(st.sampled_from([0, 1, 2, 5, 30, 80, 100, 500]),
                          st.sampled_from([0.0, 0.05, 0.3, 0.5, 0.62, 0.97, 1.0])),
                min_size=1, max_size=25))
def test_rbinom_vector_equals_one_at_a_time(seed, pairs):
    """Inversion runs, BTPE draws and zero-draw cases mixed in one call."""
    size = [s for s, _ in pairs]
    prob = [p for _, p in pairs]
    rs_all = RStream(seed)
    together = rs_all.rbinom(len(pairs), size, prob)
    rs_one = RStream(seed)
    single = [rs_one.rbinom(1, s, p)[0] for s, p in pairs]
    assert together.tolist() == single
    _exact(rs_all.state, rs_one.state)


def _unif_index_reference(rs: RStream, dn: float) -> int:
    """R's R_unif_index(dn), transcribed plainly, one uniform at a time."""
    bits = math.ceil(math.log2(dn))
    while True:
        v = 0
        for _ in range(bits // 16 + 1):
            v = 65536 * v + math.floor(rs.unif_rand(1)[0] * 65536)
        v &= (1 << bits) - 1
        if v < dn:
            return v


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 2**31 - 2),
       st.one_of(st.integers(1, 300), st.integers(65537, 2**40)),  # 1, 2 and 3 16-bit chunks
       st.integers(0, 40))
def test_sample_with_replacement_equals_plain_rejection(seed, n, k):
    rs_all = RStream(seed)
    together = rs_all.sample(n, k, replace=True)
    rs_one = RStream(seed)
    single = [_unif_index_reference(rs_one, float(n)) + 1 for _ in range(k)]
    assert together.tolist() == single
    _exact(rs_all.state, rs_one.state)
    assert ((together >= 1) & (together <= n)).all()


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 2**31 - 2),
       st.one_of(st.integers(2, 300), st.integers(65537, 10_000_000)),
       st.integers(2, 30))
def test_sample_without_replacement_equals_plain_fisher_yates(seed, n, k):
    k = min(k, n)
    got = RStream(seed).sample(n, k)
    rs = RStream(seed)
    x = {}
    out = []
    m = n
    for _ in range(k):          # R's do_sample, with a dict for the swapped slots
        j = _unif_index_reference(rs, float(m))
        out.append(x.get(j, j) + 1)
        m -= 1
        x[j] = x.get(m, m)
    assert got.tolist() == out


def test_r_pow_di_is_square_and_multiply():
    q = np.array([0.7, 0.95, 0.123456789, 0.6])
    n = np.array([5, 37, 13, 1])
    expect = []
    for x, k in zip(q.tolist(), n.tolist()):
        acc = 1.0
        while True:
            if k & 1:
                acc *= x
            k >>= 1
            if not k:
                break
            x *= x
        expect.append(acc)
    assert _r_pow_di(q, n).tolist() == expect


def _binv_scalar(uniforms, n, pp):
    """A plain transcription of R's inversion loop, reading a scripted stream."""
    it = iter(uniforms)
    p = min(pp, 1 - pp)
    q = 1 - p
    r = p / q
    g = r * (n + 1)
    qn = q ** n if n == 1 else float(np.prod([q] * n))
    while True:
        ix, f, u = 0, qn, next(it)
        while True:
            if u < f:
                return (n - ix if pp > 0.5 else ix), it
            if ix > 110:
                break
            u -= f
            ix += 1
            f *= g / ix - r


def test_inversion_restart_moves_later_uniforms_along(monkeypatch):
    """R restarts a draw whose search passes ix > 110 with a fresh uniform.

    Real uniforms (< 1 - 2^-32) practically never trigger it, so a scripted
    stream does: the uniform 1.0 makes the second draw restart.
    """
    script = [0.1, 1.0, 0.2, 0.95, 1.0, 1.0, 0.5, 0.33]
    rs = RStream(1)
    feed = iter(script)
    monkeypatch.setattr(rs, "unif_rand", lambda n=1: np.array([next(feed) for _ in range(n)]))
    got = rs.rbinom(4, 1, 0.3).tolist()
    it = iter(script)
    expect = []
    for _ in range(4):
        x, it = _binv_scalar(it, 1, 0.3)
        expect.append(x)
    assert got == expect == [0, 0, 1, 0]
    assert next(feed) == 0.33           # nothing read beyond the last draw's uniform


def test_binv_attempt_flags_failures():
    ix, failed = _binv_attempt(np.array([0.2, 1.0, 0.9]), np.array([0.7] * 3),
                               np.array([2 * 0.3 / 0.7] * 3), np.array([0.3 / 0.7] * 3))
    assert failed.tolist() == [False, True, False]
    assert ix[0] == 0 and ix[2] == 1


def test_btpe_p_above_half_is_mirrored_and_plausible():
    x = RStream(2024).rbinom(20000, 100, 0.6)
    assert abs(x.mean() - 60) < 0.15
    assert abs(x.var() - 24) < 1.2
    y = RStream(2024).rbinom(20000, 100, 0.4)
    assert abs(y.mean() - 40) < 0.15


def test_bernoulli_3500_is_fast():
    rs = RStream(1)
    p = np.linspace(0.2, 0.9, 3500)
    best = min(timeit.repeat(lambda: rs.rbinom(3500, 1, p), number=5, repeat=5)) / 5
    assert best < 0.010, f"3500 Bernoulli draws took {best * 1e3:.1f} ms"


# ----------------------------------------------------------------- known R printouts
# Values R 4.x prints (default RNG kinds), at the printed precision.
def test_known_r_printouts():
    np.testing.assert_allclose(RStream(123).runif(3), [0.2875775, 0.7883051, 0.4089769],
                               atol=5e-8)
    np.testing.assert_allclose(RStream(123).rnorm(3), [-0.56047565, -0.23017749, 1.55870831],
                               atol=5e-9)
    np.testing.assert_allclose(RStream(42).rnorm(1), [1.37095845], atol=5e-9)
    np.testing.assert_allclose(
        RStream(10).rnorm(5), [0.01874617, -0.18425254, -1.37133055, -0.59916772, 0.29454513],
        atol=5e-9)


def test_sample_without_replacement_matches_r():
    """sample(1:10) after set.seed(42), set.seed(123) and set.seed(1) in R >= 3.6."""
    assert RStream(42).sample(np.arange(1, 11)).tolist() == [1, 5, 10, 8, 2, 4, 6, 9, 7, 3]
    assert RStream(123).sample(np.arange(1, 11)).tolist() == [3, 10, 2, 8, 6, 9, 1, 7, 5, 4]
    assert RStream(1).sample(10).tolist() == [9, 4, 7, 1, 2, 5, 3, 10, 6, 8]


def test_sample_permutation_and_hash_path():
    perm = RStream(9).sample(1000)
    assert sorted(perm.tolist()) == list(range(1, 1001))
    rs = RStream(9)
    big = rs.sample(20_000_000, 50)         # R's sample2() (hashing) path
    assert len(set(big.tolist())) == 50
    assert big.min() >= 1 and big.max() <= 20_000_000
    assert rs.state[1] >= 100                # 2 uniforms (25 bits) per candidate


# ----------------------------------------------------------------- qnorm
def test_r_qnorm_close_to_ndtri_and_edges():
    p = np.concatenate([np.linspace(1e-6, 1 - 1e-6, 2001), [1e-12, 1e-20, 0.5, 0.075, 0.925]])
    np.testing.assert_allclose(r_qnorm(p), ndtri(p), rtol=4e-15, atol=4e-16)
    out = r_qnorm([0.0, 1.0, -0.1, 1.1])
    assert out[0] == -math.inf and out[1] == math.inf and np.isnan(out[2:]).all()


# ----------------------------------------------------------------- state round trip
def test_from_random_seed_continues_the_stream(draws):
    rs = RStream(77)
    rs.rnorm(400)
    twin = RStream.from_random_seed(rs.state)
    _exact(twin.runif(50), rs.runif(50))
    cp = rs.copy()
    _exact(cp.rbinom(30, 3, 0.25), rs.rbinom(30, 3, 0.25))
    r1 = RStream.from_random_seed(draws["random_seed_after_set_seed_1"])
    _exact(r1.runif(20), draws["after_set_seed_1"]["runif_20"])


@pytest.mark.parametrize("bad", [
    lambda: RStream(2**31),
    lambda: RStream(1.5 + 0j),
    lambda: RStream("1"),
    lambda: RStream(1).rbinom(3, 1, 1.2),
    lambda: RStream(1).rbinom(3, 1, [0.5, float("nan")]),
    lambda: RStream(1).rbinom(3, 2.5, 0.5),
    lambda: RStream(1).rbinom(3, -1, 0.5),
    lambda: RStream(1).rnorm(3, 0, -1),
    lambda: RStream(1).runif(3, 2, 1),
    lambda: RStream(1).sample(5, 6),
    lambda: RStream(1).sample(["a", "b"], 3, replace=False),
    lambda: RStream(1).rbinom(-1, 1, 0.5),
    lambda: RStream.from_random_seed([10403, 624] + [0] * 624),
    lambda: RStream.from_random_seed([403, 624] + [1] * 624),
    lambda: RStream.from_random_seed([10403, 624] + [1] * 10),
    lambda: RStream.from_random_seed([10403, 624] + [2 ** 31] * 624),
    lambda: RStream.from_random_seed([10403.0, 624.0] + [1.0] * 624),
    lambda: RStream.from_random_seed(None),
    lambda: RStream.from_random_seed(object()),
])
def test_bad_arguments_raise_argument_error(bad):
    with pytest.raises(ArgumentError):
        bad()


def test_bad_prob_error_names_position():
    with pytest.raises(ArgumentError, match=r"\[3\] 1\.5"):
        RStream(1).rbinom(4, 1, [0.2, 0.3, 1.5, 0.4])


# ----------------------------------------------------------------- a stream that can go on
def test_check_accepts_healthy_streams_and_refuses_damaged_ones():
    rs = RStream(3)
    assert rs.check() is rs
    rs.runif(1000)
    assert rs.check() is rs
    assert RStream.from_random_seed(rs.state).check().state.tolist() == rs.state.tolist()
    twin = RStream.from_random_seed(rs)           # an RStream itself: an independent copy
    assert twin is not rs and twin.state.tolist() == rs.state.tolist()
    for damage in (lambda s: setattr(s, "_bitgen", np.random.PCG64(1)),
                   lambda s: setattr(s, "_bitgen", None),
                   lambda s: delattr(s, "_bitgen")):
        bad = RStream(3)
        damage(bad)
        with pytest.raises(ArgumentError, match="cannot continue"):
            bad.check()
        with pytest.raises(ArgumentError, match="cannot continue"):
            RStream.from_random_seed(bad)


def test_random_seed_with_negative_words_round_trips():
    rs = RStream(-5)
    st = rs.state
    assert st.dtype == np.int32 and (st < 0).any()
    _exact(RStream.from_random_seed(st.tolist()).rnorm(10), rs.rnorm(10))

"""The SD interval of issue 11, item 8 (profile under nAGQ = 25): it equals the profile interval
of a model fitted with nAGQ = 25 directly, and refuses models where quadrature is undefined.
Its coverage is measured by benchmarks/calibration.py --study sd (too slow for a test)."""
from __future__ import annotations

import numpy as np
import pytest

import glmmlite as gl
from conftest import load_csv


@pytest.fixture(scope="module")
def cb():
    return load_csv("cbpp.csv")


def test_equals_direct_agq25_profile(cb):
    f = "cbind(incidence, size - incidence) ~ period + (1|herd)"
    m = gl.glmer(f, data=cb, family="binomial")
    ci = m.sd_confint(progress=False)
    m25 = gl.glmer(f, data=cb, family="binomial", nAGQ=25)
    want = m25.confint(parm=[0], progress=False)
    assert list(ci.index) == ["sd_(Intercept)|herd"] and list(ci.columns) == ["2.5 %", "97.5 %"]
    np.testing.assert_allclose(ci.to_numpy(), want.to_numpy(), rtol=1e-8)
    assert ci.attrs["nAGQ"] == 25
    assert ci.attrs["estimate"] == pytest.approx(float(m25.params_sdcor()[0]), rel=1e-10)
    lap = m.confint(parm=[0], progress=False)
    assert not np.allclose(ci.to_numpy(), lap.to_numpy())     # the quadrature moves it


def test_bad_input(cb):
    cb = cb.assign(obs=np.arange(len(cb)))
    two = gl.glmer("cbind(incidence, size - incidence) ~ period + (1|herd) + (1|obs)", data=cb, family="binomial")
    with pytest.raises(gl.ArgumentError, match="one scalar random-effects term"):
        two.sd_confint()
    one = gl.glmer("cbind(incidence, size - incidence) ~ period + (1|herd)", data=cb, family="binomial")
    with pytest.raises(gl.ArgumentError, match="nAGQ"):
        one.sd_confint(nAGQ=0)
    with pytest.raises(gl.ArgumentError, match="level"):
        one.sd_confint(level=95)

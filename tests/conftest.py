"""Shared fixtures: the lme4 reference outputs in ../shared/reference."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
REF = Path(os.environ.get("GLMMLITE_REFERENCE", ROOT.parent / "shared" / "reference"))


def _need_ref() -> None:
    if not REF.is_dir():  # pragma: no cover - CI always has it
        pytest.fail(f"lme4 reference folder not found at {REF} (set GLMMLITE_REFERENCE)")


def load_json(name: str) -> dict:
    _need_ref()
    with open(REF / name) as fh:
        return json.load(fh)


def load_csv(name: str) -> pd.DataFrame:
    _need_ref()
    return pd.read_csv(REF / name)


@pytest.fixture(scope="session")
def ref_dir() -> Path:
    _need_ref()
    return REF


@pytest.fixture(scope="session")
def seed_data() -> pd.DataFrame:
    return load_csv("seed_data.csv")


@pytest.fixture(scope="session")
def cbpp_data() -> pd.DataFrame:
    return load_csv("cbpp.csv")

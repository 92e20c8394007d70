"""Benchmark: fit time and peak memory of glmmlite.glmer (and profile intervals).

Run:  python benchmarks/fit.py            (all cases)
      python benchmarks/fit.py seed cbpp  (some cases)

Each case runs in its own subprocess: one untimed warm-up fit, then the median of
several timed fits; peak memory is the subprocess's maximum resident set size (it
includes the Python interpreter with numpy/scipy/pandas loaded, shown as "baseline").
lme4 1.1-31 times on this kind of machine are in ../shared/reference/timings.json.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REF = Path(os.environ.get("GLMMLITE_REFERENCE", ROOT.parent / "shared" / "reference"))
LME4 = {"seed": ("glmer_fit", "seed_m"), "cbpp": ("glmer_fit", "cbpp_cbind"), "confint_seed": ("confint_profile", "seed_m")}

CASES = {
    # name: (description, repeats)
    "seed": ("seed model, 3,500 rows (250 x 14)", 15),
    "seed_summary": ("seed model + standard errors + summary text", 15),
    "rows_70k": ("same design, 70,000 rows (5,000 x 14)", 5),
    "rows_700k": ("same design, 700,000 rows (50,000 x 14)", 3),
    "cbpp": ("cbpp, cbind(incidence, size - incidence) ~ period + (1|herd)", 15),
    "confint_seed": ("all profile intervals of the seed model, confint(m)", 3),
}


def make_design(n_subjects: int, days: int = 14, seed: int = 2021):
    """The article's logit-scale design with numpy's generator (SD 0.5 on the logit scale)."""
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(seed)
    trt = rng.choice(["control", "treat"], n_subjects)
    sex = rng.choice(["female", "male"], n_subjects)
    b = rng.normal(0.0, 0.5, n_subjects)
    ids = np.repeat(np.arange(1, n_subjects + 1), days)
    t = (trt == "treat")[ids - 1]
    s = (sex == "male")[ids - 1]
    eta = -0.4054651 + 2.140066 * t - 0.4418328 * s - 1.292768 * t * s + b[ids - 1]
    y = (rng.random(ids.size) < 1.0 / (1.0 + np.exp(-eta))).astype(int)
    return pd.DataFrame({"id": ids, "day": np.tile(np.arange(1, days + 1), n_subjects),
                         "trt": trt[ids - 1], "sex": sex[ids - 1], "y": y})


def setup(case: str):
    import pandas as pd
    import glmmlite as gl
    if case.startswith("seed") or case == "confint_seed":
        data = pd.read_csv(REF / "seed_data.csv") if REF.is_dir() else make_design(250, seed=1)
        formula = "y ~ trt * sex + (1|id)"
    elif case == "rows_70k":
        data, formula = make_design(5_000), "y ~ trt * sex + (1|id)"
    elif case == "rows_700k":
        data, formula = make_design(50_000), "y ~ trt * sex + (1|id)"
    elif case == "cbpp":
        data = pd.read_csv(REF / "cbpp.csv")
        data["period"] = data["period"].astype(str)
        formula = "cbind(incidence, size - incidence) ~ period + (1 | herd)"
    else:
        raise SystemExit(f"unknown case {case}")

    def fit():
        return gl.glmer(formula, data=data, family="binomial")

    if case == "seed_summary":
        return lambda: str(fit().summary())
    if case == "confint_seed":
        m = fit()
        return lambda: m.confint(progress=False)
    return fit


def run_case(case: str) -> dict:
    """Runs in the subprocess."""
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    import glmmlite  # noqa: F401  (load the libraries before the baseline)
    import pandas  # noqa: F401
    import scipy.optimize  # noqa: F401
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    fn = setup(case)
    fn()  # warm-up
    times = []
    for _ in range(CASES[case][1]):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"median_s": times[len(times) // 2], "min_s": times[0], "peak_mb": peak / 1024, "baseline_mb": base / 1024}


def lme4_time(case: str):
    key = LME4.get(case)
    try:
        t = json.loads((REF / "timings.json").read_text())
        return t[key[0]][key[1]]["median_s"] if key else None
    except (OSError, KeyError, ValueError):
        return None


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--child":
        print(json.dumps(run_case(argv[1])))
        return
    cases = argv or list(CASES)
    rows = []
    for case in cases:
        out = subprocess.run([sys.executable, __file__, "--child", case], capture_output=True, text=True)
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            raise SystemExit(f"case {case} failed")
        rows.append((case, json.loads(out.stdout.strip().splitlines()[-1])))
    print(f"{'case':<14} {'median':>10} {'min':>10} {'lme4':>8} {'speed-up':>9} {'peak RSS':>10} {'baseline':>9}  what")
    for case, r in rows:
        l4 = lme4_time(case)
        su = f"{l4 / r['median_s']:.0f}x" if l4 else ""
        l4s = f"{l4:.2f} s" if l4 else ""
        print(f"{case:<14} {1000 * r['median_s']:>7.1f} ms {1000 * r['min_s']:>7.1f} ms {l4s:>8} {su:>9} "
              f"{r['peak_mb']:>7.0f} MB {r['baseline_mb']:>6.0f} MB  {CASES[case][0]}")


if __name__ == "__main__":
    main(sys.argv[1:])

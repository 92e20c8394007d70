"""Calibration study: do glmmlite's 95% profile and Wald intervals cover the truth 95% of the time?

Simulates data sets from the tutorial article's logit-scale design (250 students x
14 days, ``trt`` and ``sex`` drawn per student, coefficients
(-0.4054651, 2.140066, -0.4418328, -1.292768) for intercept, treat, male and
treat:male, a random intercept per student with SD ``sd``), fits
``y ~ trt * sex + (1 | id)`` to each, computes 95% profile and Wald intervals and
counts how often they contain the true values.  Two scenarios by default: the
article's SD 0.03 (the SD is then almost at its boundary 0) and SD 0.5.

Usage::

    .venv/bin/python benchmarks/calibration.py                  # 500 data sets per scenario
    .venv/bin/python benchmarks/calibration.py --nsim 50 --sd 0.5 --out /tmp/cal.md   # quick look

Writes a Markdown table to ``benchmarks/calibration_results.md`` (``--out``) and
prints it.  Data sets are drawn with ``numpy.random.default_rng((seed, scenario,
replicate))``, so every replicate is reproducible on its own.
"""
from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from glmmlite.confint import confint  # noqa: E402
from glmmlite.progress import progress_iter  # noqa: E402

COEFS = np.array([-0.4054651, 2.140066, -0.4418328, -1.292768])
FIXEF_NAMES = ["(Intercept)", "trttreat", "sexmale", "trttreat:sexmale"]
SD_NAME = "sd_(Intercept)|id"
N_ID, N_DAY = 250, 14
LEVEL = 0.95


def simulate(sd: float, seed: tuple[int, ...]) -> pd.DataFrame:
    """One data set from the article's logit-scale design."""
    rng = np.random.default_rng(seed)
    trt = rng.integers(0, 2, N_ID)
    sex = rng.integers(0, 2, N_ID)
    b = rng.normal(0.0, sd, N_ID)
    idx = np.repeat(np.arange(N_ID), N_DAY)
    t, s = trt[idx], sex[idx]
    eta = COEFS[0] + COEFS[1] * t + COEFS[2] * s + COEFS[3] * t * s + b[idx]
    y = rng.binomial(1, 1.0 / (1.0 + np.exp(-eta)))
    return pd.DataFrame({
        "id": idx + 1,
        "day": np.tile(np.arange(1, N_DAY + 1), N_ID),
        "trt": np.where(t == 1, "treat", "control"),
        "sex": np.where(s == 1, "male", "female"),
        "y": y,
    })


def one_replicate(task: tuple[int, float, int, int]) -> dict:
    """Fit one simulated data set; return the intervals and diagnostics."""
    scen, sd, rep, seed = task
    import glmmlite as gl

    out: dict = {"scenario": scen, "sd": sd, "rep": rep}
    d = simulate(sd, (seed, scen, rep))
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m = gl.glmer("y ~ trt * sex + (1|id)", data=d, family="binomial")
            t1 = time.perf_counter()
            prof = confint(m, level=LEVEL, progress=False)
            t2 = time.perf_counter()
            wald = confint(m, level=LEVEL, method="Wald")
        names = m.param_names_sdcor()
        est = m.params_sdcor()
        for i, name in enumerate(names):
            out[f"est:{name}"] = est[i]
            out[f"plo:{name}"], out[f"phi:{name}"] = prof.loc[name].to_numpy()
            out[f"wlo:{name}"], out[f"whi:{name}"] = wald.loc[name].to_numpy()
        out["singular"] = bool(m.is_singular())
        out["warnings"] = "; ".join(sorted({f"{w.category.__name__}: {str(w.message)[:80]}" for w in caught}))
        out["t_fit"] = t1 - t0
        out["t_confint"] = t2 - t1
        out["error"] = ""
    except Exception as exc:  # keep going; count failures
        out["error"] = f"{type(exc).__name__}: {exc}"
        out["t_fit"] = time.perf_counter() - t0
    return out


def coverage_table(df: pd.DataFrame, sd: float) -> pd.DataFrame:
    """Coverage, Monte-Carlo SE and mean width of both interval types, one row per parameter."""
    ok = df[df["error"] == ""]
    truth = dict(zip(FIXEF_NAMES, COEFS))
    truth[SD_NAME] = sd
    rows = []
    for name in [SD_NAME, *FIXEF_NAMES]:
        r = {"parameter": name, "true": truth[name]}
        for kind, lo, hi in (("profile", "plo", "phi"), ("Wald", "wlo", "whi")):
            a, b = ok[f"{lo}:{name}"].to_numpy(float), ok[f"{hi}:{name}"].to_numpy(float)
            good = np.isfinite(a) & np.isfinite(b)
            n = int(good.sum())
            if n == 0:
                r[f"{kind} coverage %"] = np.nan
                r[f"{kind} MC SE %"] = np.nan
                r[f"{kind} mean width"] = np.nan
                r[f"{kind} n"] = 0
                continue
            cov = np.mean((a[good] <= truth[name]) & (truth[name] <= b[good]))
            r[f"{kind} coverage %"] = 100 * cov
            r[f"{kind} MC SE %"] = 100 * math.sqrt(cov * (1 - cov) / n) if 0 < cov < 1 else 100 * math.sqrt(
                0.95 * 0.05 / n)
            r[f"{kind} mean width"] = float(np.mean(b[good] - a[good]))
            r[f"{kind} n"] = n
            if kind == "profile" and name == SD_NAME:
                r["SD lower end = 0 %"] = 100 * float(np.mean(a[good] == 0.0))
                r["SD too low %"] = 100 * float(np.mean(b[good] < truth[name]))
                r["SD too high %"] = 100 * float(np.mean(a[good] > truth[name]))
        rows.append(r)
    return pd.DataFrame(rows)


def _fmt(v, nd=1) -> str:
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "--"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return f"{v:.{nd}f}"


def _flag(r: pd.Series, kind: str) -> str:
    cov, se = r.get(f"{kind} coverage %"), r.get(f"{kind} MC SE %")
    if cov is None or se is None or not np.isfinite(cov):
        return ""
    return " **!**" if abs(cov - 100 * LEVEL) > 2 * se else ""


NOTES = """
## Reading the tables

- **!** marks a coverage more than 2 Monte-Carlo standard errors away from 95%.
- Fixed effects: profile and Wald intervals are almost identical here (the log-likelihood is
  close to quadratic in the fixed effects with 3500 observations), and both should cover
  about 95% of the time.
- The SD near its boundary (SD = 0.03): most fits are singular (SD estimate exactly 0) and the
  profile interval then starts at exactly 0.  Because the true SD is tiny, nearly every
  interval [0, upper] contains it, so the SD's coverage is *above* 95%: the interval is
  conservative there, it does not mean the intervals are well calibrated in general.  The
  likelihood-ratio statistic for a parameter on a boundary is not chi-squared with 1 df
  (it is a 50:50 mixture of 0 and chi-squared(1)), which is why coverage near a boundary
  differs from the nominal level.  Wald intervals for an SD are not given at all (lme4
  returns NA).
- SD = 0.5: if the SD's coverage falls short, with intervals lying entirely below the truth
  more often than above it, that is consistent with the known downward bias of the Laplace
  approximation for random-effect variances of binary responses with few observations per
  group (here 14 per student); compare the mean SD estimate above with the truth.  Whether
  adaptive quadrature (nAGQ > 1) removes the shortfall has not been checked here.
- Timings are wall-clock per data set while two workers share the machine's CPUs (and, when
  this report was made, other work), so they are upper bounds.
"""


def markdown(results: list[tuple[float, pd.DataFrame, pd.DataFrame]], args, elapsed: float) -> str:
    lines = [
        "# Calibration of 95% confidence intervals",
        "",
        "Generated by `benchmarks/calibration.py` "
        f"(nsim = {args.nsim} per scenario, seed = {args.seed}, {args.workers} worker processes, "
        f"{elapsed:.0f} s wall clock on {platform.machine()} / {os.cpu_count()} CPUs, "
        f"{time.strftime('%Y-%m-%d')}).",
        "",
        "Design: the article's logit-scale model, 250 students x 14 days, `trt` and `sex` drawn per "
        "student (each level with probability 1/2), coefficients (-0.4054651, 2.140066, -0.4418328, "
        "-1.292768), random-intercept SD as given per scenario.  Each data set is fitted with "
        "`glmer(\"y ~ trt * sex + (1|id)\")`; intervals are `confint(m)` (profile) and "
        "`confint(m, method=\"Wald\")`.  A perfectly calibrated interval covers the truth in 95% of "
        "the data sets, up to Monte-Carlo error (MC SE; about 1 percentage point for 500 data sets).",
        "",
    ]
    for sd, tab, df in results:
        ok = df[df["error"] == ""]
        lines += [f"## Random-intercept SD = {sd:g}", ""]
        lines += [
            f"- data sets: {len(df)}; fits that failed: {int((df['error'] != '').sum())}; "
            f"singular fits (SD estimate at 0): {int(ok['singular'].sum())} "
            f"({100 * ok['singular'].mean():.1f}%)",
            f"- SD estimates: mean {ok[f'est:{SD_NAME}'].mean():.4f}, median {ok[f'est:{SD_NAME}'].median():.4f} "
            f"(truth {sd:g})",
            f"- median time per data set: fit {ok['t_fit'].median():.3f} s, profile confint "
            f"{ok['t_confint'].median():.3f} s",
            "",
            "| parameter | true | profile coverage % (MC SE) | Wald coverage % (MC SE) | "
            "profile mean width | Wald mean width |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for _, r in tab.iterrows():
            pc = f"{_fmt(r['profile coverage %'])} ({_fmt(r['profile MC SE %'])}){_flag(r, 'profile')}"
            wc = ("-- (no Wald interval for an SD)" if r["parameter"] == SD_NAME
                  else f"{_fmt(r['Wald coverage %'])} ({_fmt(r['Wald MC SE %'])}){_flag(r, 'Wald')}")
            pname = r["parameter"].replace("|", "\\|")  # a bare | would split the Markdown cell
            lines.append(f"| `{pname}` | {r['true']:g} | {pc} | {wc} | "
                         f"{_fmt(r['profile mean width'], 3)} | {_fmt(r['Wald mean width'], 3)} |")
        sdrow = tab[tab["parameter"] == SD_NAME].iloc[0]
        lines += [
            "",
            f"SD interval: lower end exactly 0 in {_fmt(sdrow.get('SD lower end = 0 %'))}% of data sets; "
            f"the interval lies entirely below the true SD in {_fmt(sdrow.get('SD too low %'))}% and "
            f"entirely above it in {_fmt(sdrow.get('SD too high %'))}%.",
            "",
        ]
        errs = df.loc[df["error"] != "", "error"].value_counts()
        if len(errs):
            lines += ["Errors:", ""] + [f"- {n} x {e}" for e, n in errs.items()] + [""]
        warns = ok["warnings"].str.split("; ").explode().replace("", np.nan).dropna().value_counts()
        if len(warns):
            lines += ["Warnings raised by the fits / profiles (count of data sets):", ""]
            lines += [f"- {n} x {w}" for w, n in warns.head(8).items()] + [""]
    lines.append(NOTES)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nsim", type=int, default=500, help="data sets per scenario (default 500)")
    ap.add_argument("--sd", type=float, nargs="+", default=[0.03, 0.5], help="random-intercept SDs")
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=str(Path(__file__).with_name("calibration_results.md")))
    ap.add_argument("--csv", default=None, help="also write every replicate's intervals to this CSV")
    ap.add_argument("--from-csv", default=None,
                    help="rebuild the report from a CSV written by --csv instead of simulating")
    args = ap.parse_args(argv)

    if args.from_csv:
        df = pd.read_csv(args.from_csv, keep_default_na=False, na_values=[""])
        df["error"] = df["error"].fillna("")
        df["warnings"] = df["warnings"].fillna("")
        elapsed = float("nan")
        return _report(df, args, elapsed)
    tasks = [(k, sd, r, args.seed) for k, sd in enumerate(args.sd) for r in range(args.nsim)]
    t0 = time.perf_counter()
    ctx = mp.get_context("fork" if sys.platform != "win32" else "spawn")
    with ctx.Pool(args.workers) as pool:
        recs = list(progress_iter(pool.imap_unordered(one_replicate, tasks, chunksize=4), total=len(tasks),
                                  desc="calibration", enabled=True, unit="data set"))
    elapsed = time.perf_counter() - t0
    df = pd.DataFrame(recs).sort_values(["scenario", "rep"]).reset_index(drop=True)
    df["elapsed_total"] = elapsed
    if args.csv:
        df.to_csv(args.csv, index=False)
    return _report(df, args, elapsed)


def _report(df: pd.DataFrame, args, elapsed: float) -> int:
    if not np.isfinite(elapsed) and "elapsed_total" in df:
        elapsed = float(df["elapsed_total"].iloc[0])
    results = []
    for k, sd in enumerate(args.sd):
        sub = df[df["scenario"] == k]
        tab = coverage_table(sub, sd)
        results.append((sd, tab, sub))
        print(f"\nSD = {sd:g}:")
        print(tab[["parameter", "true", "profile coverage %", "profile MC SE %", "Wald coverage %",
                   "profile mean width", "Wald mean width"]].to_string(index=False, float_format="%.3f"))
    md = markdown(results, args, elapsed)
    Path(args.out).write_text(md)
    print(f"\nwrote {args.out} ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

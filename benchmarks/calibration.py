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

    .venv/bin/python benchmarks/calibration.py --study sd --nsim 300 --boot 400   # item 8 of issue 11
    .venv/bin/python benchmarks/calibration.py --study sd --quick                 # 20 data sets, 100 refits

``--study sd`` measures only the random-intercept SD's interval, on the same data sets, four
ways: the profile interval of the Laplace fit (nAGQ = 1), the profile interval of the nAGQ = 25
fit, and parametric-bootstrap intervals from ``--boot`` refits of the Laplace fit: percentile,
basic (``2 * sd_hat - quantiles``, which undoes the bias that the bootstrap measures) and
bias-corrected percentile (BC, Efron: quantiles at ``Phi(2 z0 +- z)``, ``z0`` from the share of
refits below the estimate).  Its report replaces the section between the
``<!-- sd-study -->`` markers of the output file.

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

from glmmlite.inference.confint import confint  # noqa: E402
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


# ----------------------------------------------------------------- the SD study (issue 11, item 8)
SD_METHODS = ("profile", "profile_agq25", "boot_perc", "boot_basic", "boot_bc")


def sd_boot_intervals(sd_hat: float, t: np.ndarray, level: float = LEVEL) -> dict[str, tuple[float, float]]:
    """Percentile, basic and BC intervals from bootstrap replicates ``t`` of the SD."""
    from scipy import stats
    from glmmlite.prediction_se import boot_quantiles
    t = np.sort(t[np.isfinite(t)])
    a = np.array([(1 - level) / 2, (1 + level) / 2])
    perc = boot_quantiles(t, a)
    basic = np.maximum(0.0, 2 * sd_hat - perc[::-1])
    prop = (np.sum(t < sd_hat) + 0.5 * np.sum(t == sd_hat)) / t.size
    prop = min(max(prop, 0.5 / t.size), 1 - 0.5 / t.size)
    z0 = stats.norm.ppf(prop)
    bc = boot_quantiles(t, stats.norm.cdf(2 * z0 + stats.norm.ppf(a)))
    return {"boot_perc": tuple(perc), "boot_basic": tuple(basic), "boot_bc": tuple(bc)}


def sd_replicate(task: tuple[int, float, int, int, int]) -> dict:
    """One data set of the SD study: the SD's interval by every method in SD_METHODS."""
    scen, sd, rep, seed, nboot = task
    import glmmlite as gl
    out: dict = {"scenario": scen, "sd": sd, "rep": rep, "error": ""}
    d = simulate(sd, (seed, scen, rep))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            m = gl.glmer("y ~ trt * sex + (1|id)", data=d, family="binomial")
            out["est"] = float(abs(m.theta[0]))
            out["lo:profile"], out["hi:profile"] = confint(m, parm=[0], level=LEVEL, progress=False).iloc[0]
            t1 = time.perf_counter()
            m25 = gl.glmer("y ~ trt * sex + (1|id)", data=d, family="binomial", nAGQ=25)
            out["est25"] = float(abs(m25.theta[0]))
            out["lo:profile_agq25"], out["hi:profile_agq25"] = confint(m25, parm=[0], level=LEVEL,
                                                                       progress=False).iloc[0]
            t2 = time.perf_counter()
            bt = gl.bootMer(m, lambda f: pd.Series({"sd": abs(float(f.theta[0]))}), nsim=nboot,
                            seed=np.random.default_rng((seed, scen, rep, 1)), progress=False, warn=False)
            tt = bt.t["sd"].to_numpy(float)
            for k, (lo, hi) in sd_boot_intervals(out["est"], tt).items():
                out[f"lo:{k}"], out[f"hi:{k}"] = lo, hi
            out["boot_mean"] = float(np.nanmean(tt))
            out["boot_failed"] = int(bt.n_failed)
            t3 = time.perf_counter()
        out["t_profile"], out["t_agq25"], out["t_boot"] = t1 - t0, t2 - t1, t3 - t2
    except Exception as exc:  # keep going; count failures
        out["error"] = f"{type(exc).__name__}: {exc}"
    return out


def sd_markdown(df: pd.DataFrame, args, elapsed: float) -> str:
    lines = ["<!-- sd-study -->", "## The random-intercept SD's interval (issue 11, item 8)", "",
             f"Generated by `benchmarks/calibration.py --study sd` ({args.nsim} data sets per SD, "
             f"{args.boot} bootstrap refits per data set, seed = {args.seed}, {args.workers} worker processes, "
             f"{elapsed:.0f} s wall clock, {time.strftime('%Y-%m-%d')}).  Same design as above "
             "(250 clusters x 14 binary observations).  Monte Carlo SE of a coverage near 95% with "
             f"{args.nsim} data sets: {100 * math.sqrt(0.95 * 0.05 / args.nsim):.1f} percentage points.", ""]
    names = {"profile": "profile, Laplace (nAGQ = 1)", "profile_agq25": "profile, nAGQ = 25",
             "boot_perc": "bootstrap percentile", "boot_basic": "bootstrap basic (bias-corrected)",
             "boot_bc": "bootstrap BC percentile"}
    for k, sd in enumerate(args.sd):
        sub = df[(df["scenario"] == k) & (df["error"] == "")]
        lines += [f"### SD = {sd:g}", "",
                  f"- data sets: {int((df['scenario'] == k).sum())}, failed: "
                  f"{int(((df['scenario'] == k) & (df['error'] != '')).sum())}; SD estimate mean: Laplace "
                  f"{sub['est'].mean():.4f}, nAGQ = 25 {sub['est25'].mean():.4f}, bootstrap refits "
                  f"{sub['boot_mean'].mean():.4f} (truth {sd:g})",
                  f"- median seconds per data set: profile {sub['t_profile'].median():.2f}, nAGQ = 25 fit + "
                  f"profile {sub['t_agq25'].median():.2f}, bootstrap {sub['t_boot'].median():.2f}", "",
                  "| method | coverage % (exact 95% CI) | entirely below truth % | entirely above % | mean width |",
                  "|---|---:|---:|---:|---:|"]
        for meth in SD_METHODS:
            lo, hi = sub[f"lo:{meth}"].to_numpy(float), sub[f"hi:{meth}"].to_numpy(float)
            good = np.isfinite(lo) & np.isfinite(hi)
            n = int(good.sum())
            from scipy import stats
            k = int(np.sum((lo[good] <= sd) & (sd <= hi[good])))
            cov = k / n if n else float("nan")
            ci = stats.binomtest(k, n).proportion_ci(0.95, method="exact") if n else None
            flag = " **!**" if n and not (ci.low <= LEVEL <= ci.high) else ""
            lines.append(f"| {names[meth]} | {100 * cov:.1f} ({100 * ci.low:.1f} to {100 * ci.high:.1f}){flag} | "
                         f"{100 * np.mean(hi[good] < sd):.1f} | {100 * np.mean(lo[good] > sd):.1f} | "
                         f"{np.mean(hi[good] - lo[good]):.3f} |")
        lines.append("")
    lines += ["**!**: 95% lies outside the exact (Clopper-Pearson) 95% interval of the coverage.",
              "<!-- /sd-study -->", ""]
    return "\n".join(lines)


def sd_study(args) -> int:
    """Run (or, with --from-csv, only report) the SD study.  With --csv every finished data set
    is appended to the CSV at once, so an interrupted run can be reported with --from-csv; the
    replicates are interleaved across the SDs so a partial run covers every SD."""
    if args.from_csv:
        df = pd.read_csv(args.from_csv, keep_default_na=False, na_values=[""], dtype={"error": str})
        df["error"] = df["error"].fillna("")
        elapsed = float(df["elapsed"].max()) if "elapsed" in df else float("nan")
        args.nsim = int(df.groupby("scenario").size().min())
    else:
        tasks = [(k, sd, r, args.seed, args.boot) for r in range(args.nsim) for k, sd in enumerate(args.sd)]
        t0 = time.perf_counter()
        ctx = mp.get_context("fork" if sys.platform != "win32" else "spawn")
        recs = []
        with ctx.Pool(args.workers) as pool:
            for rec in progress_iter(pool.imap_unordered(sd_replicate, tasks, chunksize=1), total=len(tasks),
                                     desc="SD calibration", enabled=True, unit="data set"):
                rec["elapsed"] = time.perf_counter() - t0
                recs.append(rec)
                if args.csv:
                    cols = ["scenario", "sd", "rep", "error", "est", "est25", "boot_mean", "boot_failed",
                            "t_profile", "t_agq25", "t_boot", "elapsed"] + [
                        f"{e}:{k}" for k in SD_METHODS for e in ("lo", "hi")]
                    pd.DataFrame([rec]).reindex(columns=cols).to_csv(args.csv, mode="a", index=False,
                                                                     header=len(recs) == 1)
        elapsed = time.perf_counter() - t0
        df = pd.DataFrame(recs)
    df = df.sort_values(["scenario", "rep"]).reset_index(drop=True)
    md = sd_markdown(df, args, elapsed)
    print(md)
    out = Path(args.out)
    old = out.read_text() if out.exists() else ""
    if "<!-- sd-study -->" in old:
        head, rest = old.split("<!-- sd-study -->", 1)
        tail = rest.split("<!-- /sd-study -->", 1)[1] if "<!-- /sd-study -->" in rest else ""
        new = head + md + tail.lstrip("\n")
    else:
        new = old.rstrip("\n") + "\n\n" + md
    out.write_text(new)
    print(f"wrote {out} ({elapsed:.0f} s)")
    return 0


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
    ap.add_argument("--study", choices=["intervals", "sd"], default="intervals",
                    help="'intervals': profile and Wald coverage of every parameter; 'sd': the SD's "
                         "interval by profile (nAGQ 1 and 25) and parametric bootstrap (issue 11)")
    ap.add_argument("--boot", type=int, default=400, help="bootstrap refits per data set (--study sd)")
    ap.add_argument("--quick", action="store_true", help="a quick look: 20 data sets, 100 refits")
    args = ap.parse_args(argv)
    if args.quick:
        args.nsim, args.boot = 20, 100
    if args.study == "sd":
        if args.sd == [0.03, 0.5]:
            args.sd = [0.5, 1.0]
        return sd_study(args)

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
    out = Path(args.out)
    old = out.read_text() if out.exists() else ""
    if "<!-- sd-study -->" in old:     # keep the SD study's section (--study sd writes it)
        md = md.rstrip("\n") + "\n\n<!-- sd-study -->" + old.split("<!-- sd-study -->", 1)[1]
    out.write_text(md)
    print(f"\nwrote {args.out} ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

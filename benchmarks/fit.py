"""Benchmark: fit time and peak memory of glmmlite.glmer, next to lme4 and gpboost.

Run:  python benchmarks/fit.py                 (all cases)
      python benchmarks/fit.py seed crossed    (some cases)
      python benchmarks/fit.py --sweep         (the scaling sweep: table + scaling.png)
      python benchmarks/fit.py --no-peers ...  (glmmlite only)

Each glmmlite case runs in its own subprocess: one untimed warm-up fit for the small
cases, then the median of several timed fits, with the BLAS threads a user gets (all cores,
as gpboost's OpenMP; ``--blas-threads 1`` for one: on a machine whose cores other jobs hold,
two OpenBLAS threads made the dense Cholesky of the crossed case ten times slower, while on an
idle one they halve it); peak memory is the subprocess's maximum
resident set size (it includes the Python interpreter with numpy/scipy/pandas loaded,
shown as "baseline").  The designs come from ``benchmarks/designs.py`` (fixed seeds).

Peers, timed once each on the same data in the same run (neither is a dependency of
glmmlite; a peer that is not installed is skipped):

* lme4 (R): ``apt-get install r-cran-lme4`` (Debian) or ``install.packages("lme4")``; run
  through ``Rscript`` with a time limit (``--lme4-timeout``, default 120 s): an unfinished
  fit is reported as "> 120 s".
* gpboost (C++): ``pip install gpboost``; it runs with its default threads (OpenMP, 2 here).  Its random slope is uncorrelated with the
  intercept (gpboost has no correlated slopes), and it fits Bernoulli rows only (no cbpp).
  Two columns: ``gpboost``, its default ``matrix_inversion_method`` (since 1.6 "iterative"
  wherever it can: conjugate gradients and a stochastic log-determinant, an approximate
  likelihood whose cost grows about linearly), and ``gpb-chol``, its exact Cholesky
  ("cholesky", the same Laplace likelihood as lme4's and glmmlite's).

``logLik - peer's`` compares the optima on one likelihood: glmmlite's exact Laplace
log-likelihood at its own estimates minus the same at the peer's (lme4 reports this
likelihood itself; gpboost's estimates are plugged into glmmlite's deviance function, since
its own value is of its approximation).  > 0: glmmlite's optimum is higher.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

CASES = {
    # name: (description, repeats)
    "seed": ("seed model, 3,500 rows (250 x 14)", 15),
    "seed_summary": ("seed model + standard errors + summary text", 15),
    "rows_70k": ("same design, 70,000 rows (5,000 x 14)", 5),
    "rows_700k": ("same design, 700,000 rows (50,000 x 14)", 3),
    "cbpp": ("cbpp, cbind(incidence, size - incidence) ~ period + (1|herd)", 15),
    "confint_seed": ("all profile intervals of the seed model, confint(m)", 3),
    "crossed": ("y ~ x + (1|student) + (1|item), 5,000 x 2,000 items, 20 each (100,000)", 1),
    "slopes": ("y ~ trt * sex + x + (1 + x | id), 5,000 x 14 (70,000)", 3),
    "rowcov": ("y ~ trt * sex + x + (1|id), 50,000 x 14, x by row (700,000)", 3),
}
PEER_CASES = {"seed", "rows_70k", "rows_700k", "cbpp", "crossed", "slopes", "rowcov"}

SWEEP_ROWS = [10_000, 30_000, 100_000, 300_000, 1_000_000]
SWEEP_ITEMS = [100, 300, 1_000, 2_000, 5_000]


# ------------------------------------------------------------------ the data
def case_data(case: str):
    """``(data, formula)`` of a case or sweep point ("rows=N", "items=N")."""
    import designs
    import pandas as pd
    if case.startswith("rows="):
        return designs.seed_design_rows(int(case[5:]))
    if case.startswith("items="):
        return designs.crossed_design(n_items=int(case[6:]))
    if case in ("seed", "seed_summary", "confint_seed"):
        ref = ROOT / "tests" / "lme4" / "seed_data.csv"      # the article's seed data (lme4's reference)
        if ref.is_file():
            return pd.read_csv(ref), "y ~ trt * sex + (1|id)"
        return designs.seed_design(250, seed=1)
    if case == "rows_70k":
        return designs.seed_design(5_000)
    if case == "rows_700k":
        return designs.seed_design(50_000)
    if case == "cbpp":
        data = pd.read_csv(ROOT / "tests" / "lme4" / "cbpp.csv")
        data["period"] = data["period"].astype(str)
        return data, "cbind(incidence, size - incidence) ~ period + (1 | herd)"
    if case == "crossed":
        return designs.crossed_design()
    if case == "slopes":
        return designs.slopes_design()
    if case == "rowcov":
        return designs.rowcov_design()
    raise SystemExit(f"unknown case {case}")


# ------------------------------------------------------------------ glmmlite
def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM: unlike ru_maxrss it does not inherit the
    parent's peak across fork + exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(case: str, repeats: int) -> dict:
    """Runs in the subprocess."""
    import glmmlite as gl
    import pandas  # noqa: F401
    import scipy.optimize  # noqa: F401
    base = peak_rss_mb()
    data, formula = case_data(case)
    out = {}

    def fit():
        m = gl.glmer(formula, data=data, family="binomial")
        out["loglik"] = float(m.loglik)
        dev = m._devfun.laplace_backend
        out["n_eval"] = int(dev.n_eval)
        return m

    if case == "seed_summary":
        fn = lambda: str(fit().summary())   # noqa: E731
    elif case == "confint_seed":
        m0 = fit()
        fn = lambda: m0.confint(progress=False)   # noqa: E731
    else:
        fn = fit
    if repeats > 1:
        fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    out.update(median_s=times[len(times) // 2], min_s=times[0], peak_mb=peak_rss_mb(), baseline_mb=base)
    return out


BLAS_THREADS = ""


def glmmlite_time(case: str, repeats: int, timeout: float) -> dict:
    env = dict(os.environ)
    if BLAS_THREADS:
        env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = BLAS_THREADS
    try:
        p = subprocess.run([sys.executable, __file__, "--child", case, str(repeats)], capture_output=True,
                           text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}
    if p.returncode != 0:
        print(p.stderr, file=sys.stderr)
        raise SystemExit(f"case {case} failed")
    return json.loads(p.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ peers
R_SCRIPT = r"""
suppressMessages(library(lme4))
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(a[1], stringsAsFactors = FALSE)
for (v in strsplit(a[3], ",")[[1]]) d[[v]] <- factor(d[[v]])
f <- as.formula(a[2])
t <- system.time(m <- glmer(f, data = d, family = binomial))[["elapsed"]]
cat(sprintf("%.6f %.6f\n", t, as.numeric(logLik(m))))
"""


def lme4_time(data, formula: str, timeout: float) -> dict | None:
    """One lme4::glmer fit through Rscript; None when R or lme4 is missing."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv, rs = Path(tmp) / "d.csv", Path(tmp) / "fit.R"
        data.to_csv(csv, index=False)
        rs.write_text(R_SCRIPT)
        factors = ",".join(c for c in data.columns if not (data[c].dtype.kind in "biuf")) or ","
        try:
            p = subprocess.run(["Rscript", str(rs), str(csv), formula, factors], capture_output=True, text=True,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"timeout": timeout}
    if p.returncode != 0:
        if "lme4" in p.stderr and "there is no package" in p.stderr:
            return None
        return {"error": p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "failed"}
    t, ll = p.stdout.split()
    return {"time_s": float(t), "loglik": float(ll)}


GPB_CHILD = r"""
import json, sys, time
import numpy as np
import gpboost as gpb
z = np.load(sys.argv[1])
kw = dict(group_data=z["groups"], likelihood="bernoulli_logit")
if z["slope"].size:
    kw.update(group_rand_coef_data=z["slope"], ind_effect_group_rand_coef=[1])
if sys.argv[2] != "default":
    kw["matrix_inversion_method"] = sys.argv[2]
t0 = time.perf_counter()
gp = gpb.GPModel(**kw)
gp.fit(y=z["y"], X=z["X"], params={"trace": False})
t = time.perf_counter() - t0
print(json.dumps({"time_s": t, "loglik": -float(gp.get_current_neg_log_likelihood()),
                  "cov_pars": np.asarray(gp.get_cov_pars(), float).ravel().tolist(),
                  "coef": np.asarray(gp.get_coef(), float).ravel().tolist()}))
"""


def gpboost_time(data, formula: str, timeout: float, method: str = "default") -> dict | None:
    """One gpboost fit (same X and grouping as glmmlite's model frame); None if not installed.

    ``method`` is gpboost's ``matrix_inversion_method``: its default ("iterative" wherever it
    can: conjugate gradients and a stochastic estimate of the log-determinant, so its likelihood
    is approximate) or "cholesky" (the exact Laplace likelihood, as lme4's and glmmlite's).
    ``loglik_exact`` is glmmlite's exact Laplace log-likelihood at gpboost's estimates: the
    like-for-like comparison of the optima (gpboost's own ``loglik`` is of its approximation).
    """
    import importlib.util
    import numpy as np
    if importlib.util.find_spec("gpboost") is None:
        return None
    from glmmlite.modelframe import build_model_frame
    fr = build_model_frame(formula, data)
    if np.any(fr.weights != 1):
        return {"error": "binomial counts"}
    groups = np.column_stack([t.codes for t in fr.random if "(Intercept)" in t.names])
    slopes = [t for t in fr.random if t.k == 2]
    slope = slopes[0].X[:, 1:2] if slopes else np.empty(0)
    with tempfile.TemporaryDirectory() as tmp:
        npz, py = Path(tmp) / "d.npz", Path(tmp) / "gpb.py"
        np.savez(npz, groups=groups, slope=slope, y=fr.y, X=fr.X)
        py.write_text(GPB_CHILD)
        try:
            p = subprocess.run([sys.executable, str(py), str(npz), method], capture_output=True, text=True,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"timeout": timeout}
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or ["failed"])[-1]}
    out = json.loads(p.stdout.strip().splitlines()[-1])
    out["loglik_exact"] = _exact_loglik_at(fr, out["cov_pars"], out["coef"], bool(slopes))
    return out


def _exact_loglik_at(fr, cov_pars: list[float], coef: list[float], slope: bool) -> float | None:
    """glmmlite's Laplace log-likelihood at gpboost's variances and coefficients (its random
    slope is uncorrelated: theta's off-diagonal entry is 0 there)."""
    import numpy as np
    from glmmlite.deviance import DevianceFunction
    from glmmlite.family import Binomial
    sd = np.sqrt(np.asarray(cov_pars, float))
    if slope:                                 # (1 + x | id): intercept SD, then the slope's
        if len(fr.random) != 1 or sd.size != 2:
            return None
        theta = np.array([sd[0], 0.0, sd[1]])
    else:
        if sd.size != len(fr.random):
            return None
        theta = sd
    x = np.concatenate([theta, np.asarray(coef, float)])
    dev = DevianceFunction(fr, Binomial("logit"))
    try:
        return -0.5 * float(dev(x))
    except Exception:                         # a point where PIRLS fails: no comparison
        return None


def fmt_peer(r: dict | None) -> str:
    if r is None:
        return "-"
    if "timeout" in r:
        return f"> {r['timeout']:.0f} s"
    if "error" in r:
        return "n/a"
    return f"{r['time_s']:.2f} s"


def fmt_s(t: float) -> str:
    return f"{1000 * t:.1f} ms" if t < 1 else f"{t:.2f} s"


def peers(case: str, args) -> tuple[dict | None, dict | None, dict | None]:
    """lme4's, gpboost's (default method) and gpboost's exact-Cholesky fits of the case."""
    if args.no_peers:
        return None, None, None
    data, formula = case_data(case)
    gp = gpboost_time(data, formula, args.peer_timeout)
    gpc = gpboost_time(data, formula, args.peer_timeout, "cholesky") if gp is not None else None
    return lme4_time(data, formula, args.lme4_timeout), gp, gpc


def ll_note(ours: dict, l4: dict | None, gp: dict | None, gpc: dict | None = None) -> str:
    """glmmlite's logLik minus each peer's, on glmmlite's exact Laplace likelihood (lme4's
    is the same; gpboost's is evaluated at its estimates): > 0 means glmmlite's optimum is higher."""
    parts = []
    for name, r in (("lme4", l4), ("gpboost", gp), ("gpb-chol", gpc)):
        if not (r and "loglik" in ours):
            continue
        ll = r.get("loglik_exact", r.get("loglik")) if name != "lme4" else r.get("loglik")
        if ll is not None:
            parts.append(f"{name} {ours['loglik'] - ll:+.3f}")
    return ", ".join(parts)


# ------------------------------------------------------------------ main
def main(argv: list[str]) -> None:
    if argv and argv[0] == "--child":
        print(json.dumps(run_case(argv[1], int(argv[2]))))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", nargs="*")
    ap.add_argument("--sweep", action="store_true", help="run the scaling sweep instead of the cases")
    ap.add_argument("--only", choices=("rows", "items"), help="with --sweep: one of its two halves")
    ap.add_argument("--no-peers", action="store_true", help="time glmmlite only")
    ap.add_argument("--lme4-timeout", type=float, default=120.0)
    ap.add_argument("--peer-timeout", type=float, default=600.0, help="time limit for gpboost")
    ap.add_argument("--timeout", type=float, default=1800.0, help="time limit for one glmmlite case")
    ap.add_argument("--blas-threads", default="",
                    help="BLAS threads for glmmlite's subprocess (default '': the environment's, all cores)")
    ap.add_argument("--plot-table", metavar="FILE",
                    help="draw scaling.png from a saved --sweep table (e.g. a partial run) and stop")
    args = ap.parse_args(argv)
    if args.plot_table:
        plot(parse_sweep(Path(args.plot_table).read_text()), HERE / "scaling.png")
        return
    global BLAS_THREADS
    BLAS_THREADS = args.blas_threads
    if args.sweep:
        sweep(args)
        return
    cases = args.cases or list(CASES)
    print(f"{'case':<13} {'median':>9} {'min':>9} {'lme4':>9} {'gpboost':>9} {'gpb-chol':>9} {'peak RSS':>9} "
          f"{'baseline':>8} {'evals':>5}  logLik - peer's   what")
    for case in cases:
        r = glmmlite_time(case, CASES[case][1], args.timeout)
        l4, gp, gpc = peers(case, args) if case in PEER_CASES else (None, None, None)
        if "timeout" in r:
            print(f"{case:<13} > {args.timeout:.0f} s")
            continue
        print(f"{case:<13} {fmt_s(r['median_s']):>9} {fmt_s(r['min_s']):>9} {fmt_peer(l4):>9} {fmt_peer(gp):>9} "
              f"{fmt_peer(gpc):>9} {r['peak_mb']:>6.0f} MB {r['baseline_mb']:>5.0f} MB {r.get('n_eval', 0):>5}  "
              f"{ll_note(r, l4, gp, gpc):<16} {CASES[case][0]}", flush=True)


def sweep(args) -> None:
    rows = []
    print(f"{'design':<8} {'size':>9} {'glmmlite':>9} {'lme4':>9} {'gpboost':>9} {'gpb-chol':>9} {'peak RSS':>9}"
          "  logLik - peer's")
    for kind, sizes in (("rows", SWEEP_ROWS), ("items", SWEEP_ITEMS)):
        if args.only and kind != args.only:
            continue
        for n in sizes:
            case = f"{kind}={n}"
            r = glmmlite_time(case, 1, args.timeout)
            l4, gp, gpc = peers(case, args)
            t = r.get("median_s")
            rows.append(dict(kind=kind, size=n, glmmlite=t, lme4=l4, gpboost=gp, gpb_chol=gpc, peak=r.get("peak_mb")))
            print(f"{kind:<8} {n:>9,} {fmt_s(t) if t else '> %.0f s' % args.timeout:>9} {fmt_peer(l4):>9} "
                  f"{fmt_peer(gp):>9} {fmt_peer(gpc):>9} {r.get('peak_mb', 0):>6.0f} MB  {ll_note(r, l4, gp, gpc)}",
                  flush=True)
    if not args.only:                         # a half sweep prints its table only
        plot(rows, HERE / "scaling.png")


def parse_sweep(text: str) -> list[dict]:
    """The rows of a printed sweep table (times "12.3 ms", "4.56 s", "> 30 s", "-", "n/a")."""
    def val(tok: str):
        tok = tok.strip()
        if tok.startswith(">"):
            return {"timeout": float(tok[1:].split()[0])}
        if tok.endswith(" ms"):
            return {"time_s": float(tok[:-3]) / 1000}
        if tok.endswith(" s"):
            return {"time_s": float(tok[:-2])}
        return None
    rows = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 3 or parts[0] not in ("rows", "items"):
            continue
        rest = line[8:].split()
        size = int(rest[0].replace(",", ""))
        toks, i = [], 1                      # four time columns, each "N unit", "> N s", "-" or "n/a"
        while len(toks) < 4 and i < len(rest):
            if rest[i] in ("-", "n/a"):
                toks.append(rest[i])
                i += 1
            elif rest[i] == ">":
                toks.append(" ".join(rest[i:i + 3]))
                i += 3
            else:
                toks.append(" ".join(rest[i:i + 2]))
                i += 2
        g = val(toks[0])
        rows.append(dict(kind=parts[0], size=size, glmmlite=g["time_s"] if g and "time_s" in g else None,
                         lme4=val(toks[1]), gpboost=val(toks[2]), gpb_chol=val(toks[3]) if len(toks) > 3 else None))
    return rows


#: one color per program in both panels (matplotlib's first four)
COLORS = {"glmmlite": "C0", "gpboost": "C1", "gpb_chol": "C2", "lme4": "C3"}


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    titles = {"rows": "seed design y ~ trt * sex + (1|id): rows", "items": "crossed (1|student) + (1|item): items"}
    for ax, kind in zip(axes, ("rows", "items")):
        pts = [r for r in rows if r["kind"] == kind]
        x = [r["size"] for r in pts]
        for name, style in (("glmmlite", "o-"), ("gpboost", "s--"), ("gpb_chol", "d-."), ("lme4", "^:")):
            ys, xs, lim = [], [], []
            for xx, r in zip(x, pts):
                v = r.get(name)
                if isinstance(v, dict):
                    if "time_s" in v:
                        xs.append(xx)
                        ys.append(v["time_s"])
                    elif "timeout" in v:
                        lim.append((xx, v["timeout"]))
                elif v is not None:
                    xs.append(xx)
                    ys.append(v)
            label = {"gpb_chol": "gpboost (cholesky)"}.get(name, name)
            color = COLORS[name]
            if xs:
                ax.loglog(xs, ys, style, label=label, color=color)
            elif lim:                        # never finished: its time limits only, still labelled
                label += f" (> {lim[0][1]:.0f} s at every size)"
            for k, (xx, tt) in enumerate(lim):
                ax.loglog([xx], [tt], marker="^", color=color, linestyle="none",
                          label=label if not xs and k == 0 else None)
                ax.annotate(f"> {tt:.0f} s", (xx, tt), textcoords="offset points", xytext=(4, 4), fontsize=8)
        ax.set_title(titles[kind], fontsize=10)
        ax.set_xlabel("rows" if kind == "rows" else "items (5,000 students, 20 items each)")
        ax.set_ylabel("fit time (s)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Speed of the after-the-fit tools (issue 11) next to the R route, in the same run.

Three tasks on the article's model ``y ~ trt * sex + (1 | id)`` (tests/lme4/article_data.csv):

1. prediction intervals for 10,000 new rows (delta method; population level and conditional
   on the random effects).  R route: ``predict(m, nd, re.form = NA)`` plus
   ``sqrt(rowSums((X %*% vcov(m)) * X))`` from ``model.matrix`` (lme4 1.1-31 has no ``se.fit``),
   and ``predict(m, nd)`` plus the conditional variances for the conditional ones.
2. simulation residuals with nsim = 250 (``m.simulate_residuals(250)``).  R route: what DHARMa's
   ``simulateResiduals(m, 250)`` does -- ``simulate(m, nsim = 250)`` and the randomised ranks
   (DHARMa itself is not packaged for Debian 12; the script does its two steps in base R + lme4).
3. a power run over 100 simulated data sets (``m.power(term, nsim=100)``).  R route: what simr's
   ``powerSim`` does -- ``simulate(m, nsim = 100)``, ``refit(m, y)`` for each and the z test's
   p value (simr is not in Debian 12 either).

The model fit itself is outside every timing.  Each task is timed ``--repeat`` times (median).
Usage::

    .venv/bin/python benchmarks/after_fit.py            # needs Rscript with lme4 for the R column
    .venv/bin/python benchmarks/after_fit.py --no-r
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "lme4" / "article_data.csv"

R_CODE = r"""
suppressPackageStartupMessages(library(lme4))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); nd <- read.csv(args[2]); reps <- as.integer(args[3])
d$trt <- factor(d$trt); d$sex <- factor(d$sex); d$id <- factor(d$id)
nd$trt <- factor(nd$trt, levels(d$trt)); nd$sex <- factor(nd$sex, levels(d$sex)); nd$id <- factor(nd$id, levels(d$id))
m <- glmer(y ~ trt * sex + (1 | id), data = d, family = binomial)
tm <- function(expr) { e <- substitute(expr); median(replicate(reps, system.time(eval(e, parent.frame()))[["elapsed"]])) }
t_pred <- tm({
  V <- as.matrix(vcov(m)); X <- model.matrix(~ trt * sex, nd)
  eta0 <- predict(m, nd, re.form = NA); se0 <- sqrt(rowSums((X %*% V) * X))
  lo0 <- plogis(eta0 - 1.96 * se0); hi0 <- plogis(eta0 + 1.96 * se0)
  re <- ranef(m, condVar = TRUE)$id; cv <- attr(re, "postVar")[1, 1, ]
  eta1 <- predict(m, nd); se1 <- sqrt(se0^2 + cv[as.integer(nd$id)])
  lo1 <- plogis(eta1 - 1.96 * se1); hi1 <- plogis(eta1 + 1.96 * se1)
})
t_resid <- tm({
  sims <- as.matrix(simulate(m, nsim = 250))
  obs <- d$y
  r <- vapply(seq_along(obs), function(i) {
    s <- sims[i, ]; (sum(s < obs[i]) + runif(1) * (sum(s == obs[i]) + 1)) / (length(s) + 1) }, 0.0)
  ks <- suppressWarnings(ks.test(r, "punif"))
})
set.seed(1)
t_power <- system.time({
  sims <- simulate(m, nsim = 100)
  p <- vapply(sims, function(y) {
    f <- suppressWarnings(suppressMessages(refit(m, y)))
    coef(summary(f))["trttreat:sexmale", "Pr(>|z|)"] }, 0.0)
})[["elapsed"]]
cat(sprintf('{"predict": %.6f, "resid": %.6f, "power": %.6f, "power_rate": %.4f}\n', t_pred, t_resid, t_power, mean(p < 0.05)))
"""


def timed(f, reps: int) -> float:
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-r", action="store_true")
    ap.add_argument("--out", default=None, help="also write the Markdown table here")
    args = ap.parse_args(argv)
    import glmmlite as gl
    warnings.simplefilter("ignore")
    d = pd.read_csv(DATA)
    m = gl.glmer("y ~ trt * sex + (1|id)", data=d, family="binomial")
    rng = np.random.default_rng(1)
    nd = pd.DataFrame({"trt": rng.choice(["control", "treat"], 10_000), "sex": rng.choice(["female", "male"], 10_000),
                       "id": rng.integers(1, 251, 10_000)})

    def pred():
        m.predict(nd, type="response", re_form="~0", se_fit=True)
        m.predict(nd, type="response", se_fit=True)

    py = {
        "predict": timed(pred, args.repeat),
        "resid": timed(lambda: m.simulate_residuals(nsim=250, seed=1).tests(), args.repeat),
    }
    t0 = time.perf_counter()
    pw = m.power("trttreat:sexmale", nsim=100, seed=1, progress=False)
    py["power"] = time.perf_counter() - t0
    r = None
    if not args.no_r and shutil.which("Rscript"):
        with tempfile.TemporaryDirectory() as tmp:
            script, ndf = Path(tmp) / "after_fit.R", Path(tmp) / "nd.csv"
            script.write_text(R_CODE)
            nd.to_csv(ndf, index=False)
            out = subprocess.run(["Rscript", str(script), str(DATA), str(ndf), str(args.repeat)],
                                 capture_output=True, text=True, timeout=3600)
            if out.returncode == 0:
                r = json.loads(out.stdout.strip().splitlines()[-1])
            else:
                print("R failed:", out.stderr[-2000:], file=sys.stderr)
    rows = [("prediction intervals, 10,000 rows (population + conditional)", "predict"),
            ("simulation residuals, nsim = 250, + KS/dispersion/outlier tests", "resid"),
            ("power, 100 simulated data sets (simulate + refit + z test)", "power")]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    lines = [f"after-the-fit timings ({time.strftime('%Y-%m-%d %H:%M')}, median of {args.repeat}; power once; "
             f"load average at the end {load})", "",
             "| task | glmmlite s | R route s | R / glmmlite |", "|---|---:|---:|---:|"]

    def fmt(t: float) -> str:
        return f"{t:.4f}" if t < 0.1 else f"{t:.3f}"

    for label, key in rows:
        rv = r[key] if r else float("nan")
        lines.append(f"| {label} | {fmt(py[key])} | {fmt(rv)} | {rv / py[key]:.1f}x |" if r else
                     f"| {label} | {fmt(py[key])} | -- | -- |")
    lines += ["", f"glmmlite power: {100 * pw.power:.0f}% (MC SE {100 * pw.mcse:.1f})"
              + (f"; R route: {100 * r['power_rate']:.0f}%" if r else "")]
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

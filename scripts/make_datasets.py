"""Write the data files that ship inside glmmlite (glmmlite/data/), from tests/lme4/.

    .venv/bin/python scripts/make_datasets.py

* ``cbpp.csv``: lme4's ``cbpp`` data, as stored with the lme4 reference outputs.
* ``lme4_reference.json``: a few fields of the real lme4 1.1-31 fits that the book's
  chapter 11 shows next to glmmlite's, for both simulations of the article's data:
  ``"article"`` (the article's code run top to bottom in one R session, coin flip
  included: ``tests/lme4/article_*``) and ``"seed"`` (without the coin flip:
  ``tests/lme4/seed_*``), each with ``m``, ``m2``, ``m_y2``, ``anova_m2_m`` and
  ``cbpp``.  Every number is lme4's, copied, never recomputed.
* ``calibration.json``: the coverage study of ``benchmarks/calibration.py`` (chapter 6 shows
  it), parsed from ``benchmarks/calibration_results.md``; re-run this script after that
  report changes (tests/test_notebooks_standalone.py checks the two agree).
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "tests" / "lme4"
OUT = ROOT / "glmmlite" / "data"

FIT_FIELDS = ["formula", "nobs", "df_resid", "fixef", "se", "theta", "logLik", "AIC", "BIC",
              "deviance_summary"]
WITH_CI = ["confint_profile_95", "predict_newdata"]
AGQ_FIELDS = ["fixef", "se", "theta", "logLik"]
ANOVA_FIELDS = ["models", "npar", "AIC", "BIC", "logLik", "deviance", "Chisq", "Df", "p_value"]


def _load(name: str) -> dict:
    with open(REF / name) as fh:
        return json.load(fh)


def _fit(name: str, full: bool) -> dict:
    src = _load(name)
    out = {k: src[k] for k in FIT_FIELDS}
    out["sd"] = list(src["theta"].values())[0]   # one scalar random intercept: theta is the SD
    if full:
        out.update({k: src[k] for k in WITH_CI})
        out["nAGQ25"] = {k: src["nAGQ25"][k] for k in AGQ_FIELDS}
    return out


def _session(prefix: str) -> dict:
    a = _load(f"{prefix}_anova_m2_m.json")
    return {
        "m": _fit(f"{prefix}_m.json", full=True),
        "m2": _fit(f"{prefix}_m2.json", full=False),
        "m_y2": _fit(f"{prefix}_m_y2.json", full=False),
        # article_anova_m2_m.json has no "models" field: the rows are m2 and m in both
        "anova_m2_m": {"models": ["m2", "m"], **{k: a[k] for k in ANOVA_FIELDS[1:]}},
        "cbpp": _fit("cbpp_cbind.json", full=True),
    }


# ------------------------------------------------------------------ calibration study
CALIBRATION_MD = ROOT / "benchmarks" / "calibration_results.md"
_SCENARIO = re.compile(r"^## Random-intercept SD = ([\d.]+)\s*$", re.M)


def _num(pattern: str, text: str, what: str, cast=float):
    m = re.search(pattern, text, re.M)
    if m is None:
        raise SystemExit(f"make_datasets: {CALIBRATION_MD.name}: no {what} (pattern {pattern!r}); "
                         "has benchmarks/calibration.py changed its report format?")
    return cast(m.group(1))


def _cell(text: str) -> float | None:
    m = re.match(r"\s*(-?[\d.]+)", text)
    return float(m.group(1)) if m else None


def calibration(md: str) -> dict:
    """The interval study's numbers (``benchmarks/calibration.py``'s default study) from its
    Markdown report: one entry per ``## Random-intercept SD = ...`` section.  Other sections
    (the reading notes, the ``--study sd`` block) are ignored."""
    heads = list(_SCENARIO.finditer(md))
    if not heads:
        raise SystemExit(f"make_datasets: no '## Random-intercept SD = ' section in {CALIBRATION_MD}")
    header = md[:heads[0].start()]
    scenarios = []
    for i, h in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(md)
        body = md[h.end():end]
        stop = re.search(r"^(## |<!--)", body, re.M)   # the next section or the SD-study block
        body = body[:stop.start()] if stop else body
        rows = {}
        for line in body.splitlines():
            if not line.startswith("| `"):
                continue
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
            if len(cells) >= 6:
                name = cells[0].strip("`").replace("\\|", "|")
                rows[name] = {"true": _cell(cells[1]), "profile_coverage": _cell(cells[2]),
                              "profile_mc_se": _cell(cells[2].split("(", 1)[1]) if "(" in cells[2] else None,
                              "wald_coverage": _cell(cells[3]),
                              "profile_width": _cell(cells[4]), "wald_width": _cell(cells[5])}
        if not rows:
            raise SystemExit(f"make_datasets: no coverage table under {h.group(0)!r}")
        scenarios.append({
            "sd": float(h.group(1)),
            "nsim": _num(r"data sets: (\d+)", body, "data-set count", int),
            "failed": _num(r"fits that failed: (\d+)", body, "failed-fit count", int),
            "singular": _num(r"singular fits \(SD estimate at 0\): (\d+)", body, "singular count", int),
            "singular_pct": _num(r"singular fits \(SD estimate at 0\): \d+ \(([\d.]+)%\)", body,
                                 "singular percentage"),
            "sd_mean": _num(r"SD estimates: mean ([\d.]+)", body, "mean SD estimate"),
            "sd_median": _num(r"SD estimates: .*median ([\d.]+)", body, "median SD estimate"),
            "zero_lower_pct": _num(r"lower end exactly 0 in ([\d.]+)%", body, "zero-lower share"),
            "below_pct": _num(r"entirely below the true SD in ([\d.]+)%", body, "below share"),
            "above_pct": _num(r"entirely above it in ([\d.]+)%", body, "above share"),
            "coverage": rows,
        })
    gen = re.search(r"^Generated by .*$", header, re.M)
    return {"source": ("benchmarks/calibration.py's interval study, parsed from "
                       "benchmarks/calibration_results.md by scripts/make_datasets.py"
                       + (f": {gen.group(0)}" if gen else "")),
            "level": 0.95, "scenarios": scenarios}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REF / "cbpp.csv", OUT / "cbpp.csv")
    ref = {
        "source": ("lme4 1.1-31 on R 4.2.2 (glmer): selected fields of the project's reference "
                   "fits (tests/lme4/), written by scripts/make_datasets.py"),
        "session": _load("seed_m.json")["session"],
        "article": _session("article"),
        "seed": _session("seed"),
    }
    with open(OUT / "lme4_reference.json", "w") as fh:
        json.dump(ref, fh, indent=1)
        fh.write("\n")
    with open(OUT / "calibration.json", "w") as fh:
        json.dump(calibration(CALIBRATION_MD.read_text()), fh, indent=1)
        fh.write("\n")
    print(f"wrote {OUT / 'cbpp.csv'}, {OUT / 'lme4_reference.json'} and {OUT / 'calibration.json'}")


if __name__ == "__main__":
    main()

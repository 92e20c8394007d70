"""The R side of the book: R's stored output against glmmlite's numbers and lme4's reference.

Chapters 2-9 show every step as a tab set with the R code and what R prints
(``book/r/out/chNN/<chunk>.txt``, made by ``book/r/run_all.sh`` from ``book/r/chNN.R``; see
``book/_ext/rtabs.py``).  These tests check

* that the tabs, the R scripts and the stored outputs belong together (the R code under each
  tab is the script's chunk, every stored output is shown, every included file exists);
* that the stored R output agrees with ``tests/lme4/article_summaries.txt`` (lme4's reference
  run of the article's session) where the steps coincide;
* that glmmlite's numbers reproduce ``article_summaries.txt`` number for number, at R's printed
  precision (package calls, as the chapters make them);
* (marked ``book``) that the numbers on each executed page, taken from the chapter's own
  variables, agree with every stored R output of that page, and so with the article's session.

Numbers are compared token by token: every number R prints (row names, counts, estimates ...)
against the value glmmlite computes for the same place, at R's printed precision (see the H6
block of tests/tolerances.py).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tolerances as tol
from conftest import REF

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
RDIR = BOOK / "r"
CHAPTERS = {f"ch{n:02d}": next(BOOK.glob(f"{n:02d}-*.md")) for n in range(2, 10)}

# ------------------------------------------------------------------ reading R's text
NUM = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def r_tokens(text: str) -> list[str]:
    """Every number R printed, in reading order (the ``[1]`` index of a vector left out)."""
    out = []
    for line in text.splitlines():
        line = re.sub(r"^\s*\[\d+\]", "", line)
        out += [tok for tok in line.split() if NUM.match(tok)]
    return out


def unit(tok: str) -> float:
    """One unit in the last printed digit of a number as R printed it."""
    mant, _, exp = tok.lower().partition("e")
    decimals = len(mant.split(".")[1]) if "." in mant else 0
    return 10.0 ** ((int(exp) if exp else 0) - decimals)


def is_integer(tok: str) -> bool:
    return "." not in tok and "e" not in tok.lower()


def agrees(tok: str, value: float, kind: str | None, last_digits: float | None = None) -> bool:
    """Does ``value`` print as R's ``tok``, at R's precision (see tolerances.py, H6)?

    ``kind``: None for a number that needs no fit (data, draws, arithmetic); "fit" for one
    computed from fitted estimates; "sd" for the random-intercept SD and its interval.
    ``last_digits`` (two R runs compared): only this many units in the last printed digit.
    """
    r, value = float(tok), float(value)
    diff = abs(value - r)
    if is_integer(tok):
        return diff == 0
    if kind is None:
        return diff <= tol.R_PRINTED_HALF_UNIT * unit(tok)
    digits = tol.PRINTED_LAST_DIGITS if last_digits is None else last_digits
    if diff <= (0.5 + digits) * unit(tok):
        return True
    if last_digits is not None:
        return False
    if "e" in tok.lower() and r > 0 and value > 0:
        return abs(np.log(value) - np.log(r)) <= tol.BOOK_P_LOG_REL * abs(np.log(r))
    return diff <= (tol.BOOK_SD_REL if kind == "sd" else tol.BOOK_FIT_REL) * abs(r)


def compare(r_text: str, values, kind: str | None, what: str, last_digits: float | None = None) -> None:
    """Assert that the numbers of ``r_text`` are ``values`` (a flat list), one by one."""
    toks = r_tokens(r_text)
    values = [float(v) for v in values]
    assert len(toks) == len(values), (
        f"{what}: R prints {len(toks)} numbers, glmmlite gives {len(values)}\nR: {toks}\nPython: {values}")
    bad = [(i, t, v) for i, (t, v) in enumerate(zip(toks, values)) if not agrees(t, v, kind, last_digits)]
    assert not bad, f"{what}: numbers that disagree (position, R, glmmlite): {bad[:10]}"


def flat(obj) -> list[float]:
    """Numbers of a Python object in reading order; a string is read as R's text is."""
    if isinstance(obj, str):
        return [float(t) for t in r_tokens(obj)]
    if isinstance(obj, (pd.DataFrame, pd.Series)):
        obj = obj.to_numpy()
    if isinstance(obj, (list, tuple, np.ndarray)):
        out = []
        for x in (obj.tolist() if isinstance(obj, np.ndarray) else obj):
            out += flat(x)
        return out
    return [float(obj)]


# ------------------------------------------------------------------ the chapters' R tabs
TABSET = re.compile(r"^::::\{tab-set\}\n(.*?)^::::$", re.M | re.S)
R_ITEM = re.compile(r"^:::\{tab-item\} R\n:sync: r\n```r\n(.*?)^```\n(.*?)^:::$", re.M | re.S)
INCLUDE = re.compile(r"^```\{(literalinclude|image)\} (\S+)", re.M)
CHUNK = re.compile(r"^## ---- (.+)$", re.M)


def script_chunks(ch: str) -> dict[str, str]:
    text = (RDIR / f"{ch}.R").read_text()
    parts = CHUNK.split(text)
    return {parts[i].strip(): parts[i + 1].strip("\n") for i in range(1, len(parts), 2)}


def r_tabs(ch: str) -> list[dict]:
    """Each R tab of chapter ``ch``: its R code and the files it includes."""
    tabs = []
    for ts in TABSET.finditer(CHAPTERS[ch].read_text()):
        for item in R_ITEM.finditer(ts.group(1)):
            tabs.append({"code": item.group(1).rstrip("\n"),
                         "includes": [(kind, path) for kind, path in INCLUDE.findall(item.group(2))]})
    return tabs


@lru_cache(maxsize=None)
def r_output(ch: str, chunk: str) -> str:
    return (RDIR / "out" / ch / f"{chunk}.txt").read_text()


@pytest.mark.parametrize("ch", sorted(CHAPTERS))
def test_tabs_show_the_scripts_code_and_every_output(ch):
    chunks = script_chunks(ch)
    tabs = r_tabs(ch)
    assert tabs, f"{ch}: no R tab"
    shown = set()
    for tab in tabs:
        names = [name for name, code in chunks.items() if code == tab["code"]]
        assert names, f"{ch}: the R code of a tab is no chunk of book/r/{ch}.R:\n{tab['code']}"
        name = names[0]
        for kind, path in tab["includes"]:
            assert (BOOK / path).is_file(), f"{ch}: {path} does not exist (run book/r/run_all.sh)"
            assert Path(path).parent.name == ch and Path(path).stem == name, \
                f"{ch}: the tab of chunk {name!r} includes {path}"
            shown.add(Path(path).name)
    stored = {p.name for p in (RDIR / "out" / ch).iterdir()}
    assert stored == shown, f"{ch}: R output not shown on the page: {sorted(stored - shown)}"
    untabbed = [n for n, c in chunks.items() if not any(c == t["code"] for t in tabs)]
    assert not untabbed, f"{ch}: chunks of book/r/{ch}.R with no tab on the page: {untabbed}"


@pytest.mark.parametrize("ch", sorted(CHAPTERS))
def test_every_tab_set_is_followed_by_its_python_cell(ch):
    text = CHAPTERS[ch].read_text()
    for ts in TABSET.finditer(text):
        assert re.search(r"^:::\{tab-item\} Python\n:sync: python\n% ", ts.group(1), re.M), \
            f"{ch}: a tab set without the Python tab item of book/_ext/rtabs.py"
        after = text[ts.end():].lstrip("\n")
        assert re.match(r"```\{code-cell\} ipython3\n(:tags: \[[^\]]*python-tab|---\ntags: \[python-tab)",
                        after), f"{ch}: the tab set ending at {ts.end()} is not followed by a python-tab cell"


# ------------------------------------------------------------------ R's output vs lme4's reference
def article_blocks() -> dict[str, str]:
    text = (REF / "article_summaries.txt").read_text()
    parts = re.split(r"^##### (.+)$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1].strip("\n") for i in range(1, len(parts), 2)}


# article_summaries.txt block -> the chunk of the book's R scripts that prints the same, and
# the kind of its numbers (see agrees)
SAME_STEP = {
    "rbinom(n = 5, size = 1, prob = 0.5)": ("ch02", "coin-flip", None),
    "head(d, n = 15)": ("ch02", "trt-sex", None),
    'head(d[c("id", "day", "trt", "sex", "p", "y")])': ("ch02", "outcomes", None),
    "head(d[d$id == 5, ...])": ("ch02", "subject5", None),
    "summary(m, corr = FALSE)": ("ch03", "fit", "fit"),
    'predict(m, type = "response", re.form = NA, newdata = ...)': ("ch04", "predict", "fit"),
    'exp(fixef(m)["trttreat"])': ("ch05", "odds-ratio", "fit"),
    'exp(confint(m, parm = "trttreat"))': ("ch05", "odds-ratio-ci", "fit"),
    "VarCorr(m)": ("ch06", "sd", "sd"),
    'confint(m, parm = "theta_", oldNames = FALSE)': ("ch06", "sd-ci", "sd"),
    "obs <- aggregate(d$y, by = list(trt = d$trt, sex = d$sex), mean)": ("ch08", "observed", None),
    "summary(m2)": ("ch09", "summary-m2", "fit"),
    "anova(m2, m)": ("ch09", "anova", "fit"),
}


def _words(text: str) -> list[str]:
    """The text without its numbers and R's messages: the layout R prints around them."""
    lines = [ln for ln in text.splitlines() if not ln.startswith("Computing profile")]
    return [tok for ln in lines for tok in re.sub(r"^\s*\[\d+\]", "", ln).split() if not NUM.match(tok)]


def test_article_summaries_has_the_blocks_we_map():
    assert set(SAME_STEP) == set(article_blocks())


@pytest.mark.parametrize("block", sorted(SAME_STEP))
def test_stored_r_output_is_the_reference_sessions(block):
    ch, chunk, kind = SAME_STEP[block]
    ours, ref = r_output(ch, chunk), article_blocks()[block]
    assert _words(ours) == _words(ref), f"{ch}/{chunk}: R's text differs from the reference's"
    compare(ours, flat(ref), kind, f"{ch}/{chunk} vs article_summaries.txt",
            last_digits=tol.R_PLATFORM_LAST_DIGITS)


# ------------------------------------------------------------------ glmmlite vs lme4's reference
@pytest.fixture(scope="module")
def session():
    """The article's session in glmmlite, as chapters 2-9 run it."""
    import glmmlite as gl
    rs = gl.RStream(1)
    d = gl.simulate_article_data(seed=rs)
    m = gl.glmer("y ~ trt * sex + (1|id)", data=d, family="binomial")
    sim = m.simulate(nsim=100, seed=rs)
    m2 = gl.glmer("y ~ trt + sex + (1|id)", data=d, family="binomial")
    sim2 = m2.simulate(nsim=100, seed=rs)
    return {"gl": gl, "d": d, "m": m, "m2": m2, "sim": sim, "sim2": sim2}


R_CELLS = [("control", "female"), ("treat", "female"), ("control", "male"), ("treat", "male")]


def _package_numbers(block: str, s: dict) -> list[float]:
    gl, d, m, m2 = s["gl"], s["d"], s["m"], s["m2"]
    cols = ["id", "day", "p", "y"]
    if block.startswith("rbinom"):
        return flat(d.attrs["coin_flip"])
    if block == "head(d, n = 15)":
        return flat([[i + 1, r.id, r.day] for i, r in enumerate(d.head(15).itertuples())])
    if block.startswith('head(d[c('):
        return flat([[i + 1, *row] for i, row in enumerate(d[cols].head(6).to_numpy())])
    if block.startswith("head(d[d$id == 5"):
        s5 = d.loc[d["id"] == 5, cols].head(6)
        return flat([[i + 1, *row] for i, row in zip(s5.index, s5.to_numpy())])
    if block == "summary(m, corr = FALSE)":
        return flat(str(m.summary(corr=False)))
    if block.startswith("predict"):
        nd = pd.DataFrame({"sex": ["female", "female", "male", "male"],
                           "trt": ["control", "treat", "control", "treat"]})
        return [1, 2, 3, 4] + flat(m.predict(newdata=nd, type="response", re_form="~0"))
    if block.startswith("exp(fixef"):
        return [np.exp(m.fixef["trttreat"])]
    if block.startswith("exp(confint"):
        return [2.5, 97.5] + flat(np.exp(m.confint(parm="trttreat", progress=False)))
    if block == "VarCorr(m)":
        return [float(np.ravel(m.theta)[0])]
    if block.startswith("confint(m, parm = \"theta_\""):
        return [2.5, 97.5] + flat(m.confint(parm="theta_", progress=False))
    if block.startswith("obs <-"):
        obs = d.groupby(["trt", "sex"])["y"].mean()
        return flat([[k + 1, obs[c]] for k, c in enumerate(R_CELLS)])
    if block == "summary(m2)":
        return flat(str(m2.summary()))
    if block == "anova(m2, m)":
        return flat(str(gl.anova(m2, m)))
    raise KeyError(block)


@pytest.mark.parametrize("block", sorted(SAME_STEP))
def test_glmmlite_reproduces_article_summaries(session, block):
    kind = SAME_STEP[block][2]
    compare(article_blocks()[block], _package_numbers(block, session), kind,
            f"glmmlite vs article_summaries.txt [{block}]")


def test_simulations_are_the_reference_sessions(session):
    """The draws behind chapters 8 and 9's plots: R's simulate(), within a handful of values."""
    for key, ref in [("sim", "article_sim_m.csv.gz"), ("sim2", "article_sim_m2.csv.gz")]:
        r = pd.read_csv(REF / ref).to_numpy()
        n_diff = int((session[key].to_numpy() != r).sum())
        assert n_diff <= tol.SIM_OWN_FIT_MAX_DIFF, f"{key}: {n_diff} of {r.size} values differ from R's"


# ------------------------------------------------------------------ the executed pages (book)
# For each chunk with output: what the page shows for it, as an expression in the chapter's own
# variables (evaluated in the chapter's kernel after its last cell, before the exercises'
# solutions), and the kind of its numbers (see agrees).  Chunks whose output is only R's
# "Loading required package" message map to [].
CELLS = "[('control', 'female'), ('treat', 'female'), ('control', 'male'), ('treat', 'male')]"
ROWS = "[[i + 1, *row] for i, row in enumerate({df}.to_numpy())]"
PAGE = {
    "ch02": {
        "students": ("[len(d), 2]", None),
        "trt-sex": (ROWS.format(df='d[["id", "day"]].head(15)'), None),
        "groups": ('pd.crosstab(per_student["sex"], per_student["trt"], margins=True)', None),
        "coin-flip": ("flip", None),
        "outcomes": (ROWS.format(df='d[["id", "day", "p", "y"]].head(6)'), None),
        "subject5": ('[[i + 1, *row] for i, row in zip(s5.index, s5[["id", "day", "p", "y"]].to_numpy())]', None),
    },
    "ch03": {
        "data": ("[]", None),
        "fit": ("str(m.summary(corr=False))", "fit"),
        "criteria": ("[-2, -2 * m.loglik, -2 * m.loglik + 2 * k, -2 * m.loglik + np.log(m.nobs) * k, m.aic, m.bic]", "fit"),
        "residuals": ("q", "fit"),
        "varcorr": ('[1, vc["Variance"].iloc[0], vc["Std.Dev."].iloc[0], np.ravel(m.theta)[0]]', "sd"),
        "fixef": ("ct", "fit"),
    },
    "ch04": {
        "data": ("b", "fit"),
        "by-hand": ('by_hand[["log-odds", "probability"]]', "fit"),
        "predict": ('[1, 2, 3, 4, *nd["predicted"]]', "fit"),
    },
    "ch05": {
        "data": ("[]", None),
        "odds-ratio": ("[or_trt]", "fit"),
        "odds-ratio-ci": ("[2.5, 97.5, *np.ravel(or_ci.to_numpy())]", "fit"),
        "rare": ("[rare_or]", None),
        "table": ("table", "fit"),
    },
    "ch06": {
        "data": ("[]", None),
        "sd": ("[sd_id]", "sd"),
        "sd-logit": ("on_logit", None),
        "sd-ci": ("[2.5, 97.5, *np.ravel(ci_sd.to_numpy())]", "sd"),
    },
    "ch07": {
        "coefs": ("coefs", None),
        "replay": ("[]", None),
        "outcome2": (ROWS.format(df='d[["id", "day", "p", "y", "p2", "y2"]].head(6)'), None),
        "fit-y2": ("comparison", "fit"),
    },
    "ch08": {
        "data": ("[]", None),
        "simulate": (ROWS.format(df="sim.iloc[:5, :6]"), None),
        "observed": (f"[[k + 1, obs[c]] for k, c in enumerate({CELLS})]", None),
        "simulated-means": ('s_df["x"].head(6)', None),
    },
    "ch09": {
        "data": ("[]", None),
        "simulate-m2": (ROWS.format(df="sim2.iloc[:5, :6]"), None),
        "summary-m2": ("str(m2.summary())", "fit"),
        "anova": ("str(tab)", "fit"),
        "chisq": ("[chisq, stats.chi2.sf(chisq, 1)]", "fit"),
        "drop1": ("str(drops)", "fit"),
    },
}


def test_page_map_covers_every_stored_output():
    for ch, chunks in PAGE.items():
        stored = {p.stem for p in (RDIR / "out" / ch).glob("*.txt")}
        assert stored == set(chunks), f"{ch}: stored {sorted(stored)}, mapped {sorted(chunks)}"


def _probe_source(ch: str) -> str:
    lines = ["import json as _json, re as _re, numpy as _np, pandas as _pd",
             "def _flat(o):",
             "    if isinstance(o, str):",
             "        return [float(t) for ln in o.splitlines()",
             "                for t in _re.sub(r'^\\s*\\[\\d+\\]', '', ln).split()",
             "                if _re.match(r'^[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?$', t)]",
             "    if isinstance(o, (_pd.DataFrame, _pd.Series)):",
             "        o = o.to_numpy()",
             "    if isinstance(o, (list, tuple, _np.ndarray)):",
             "        return [v for x in (o.tolist() if isinstance(o, _np.ndarray) else o) for v in _flat(x)]",
             "    return [float(o)]",
             "_out = {}"]
    for chunk, (expr, _) in PAGE[ch].items():
        lines.append(f"_out[{chunk!r}] = _flat({expr})")
    lines.append("print('H6-PROBE' + _json.dumps(_out))")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def pages():
    """Chapters 2-9 executed (without the exercises' solutions), each with a probe cell last."""
    from concurrent.futures import ThreadPoolExecutor
    import os

    import nbformat
    from myst_nb.core.read import read_myst_markdown_notebook
    from nbclient import NotebookClient

    def run(ch):
        path = CHAPTERS[ch]
        nb = read_myst_markdown_notebook(path.read_text(), path=str(path))
        nb.cells.append(nbformat.v4.new_code_cell(_probe_source(ch)))
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(BOOK)}}).execute()
        text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("name") == "stdout")
        return ch, json.loads(text.split("H6-PROBE", 1)[1])

    jobs = int(os.environ.get("BOOK_TEST_JOBS", os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return dict(pool.map(run, sorted(PAGE)))


@pytest.mark.book
@pytest.mark.parametrize("ch", sorted(PAGE))
def test_page_agrees_with_its_r_output(pages, ch):
    for chunk, (_, kind) in PAGE[ch].items():
        compare(r_output(ch, chunk), pages[ch][chunk], kind, f"{ch}/{chunk}: R tab vs the page")


@pytest.mark.book
@pytest.mark.parametrize("block", sorted(SAME_STEP))
def test_page_reproduces_article_summaries(pages, block):
    ch, chunk, kind = SAME_STEP[block]
    compare(article_blocks()[block], pages[ch][chunk], kind,
            f"{ch} page vs article_summaries.txt [{block}]")


# ------------------------------------------------------------------ the R-to-Python page
def _table_rows(text: str) -> set[str]:
    return {ln.strip() for ln in text.splitlines() if ln.startswith("| `")}


def test_r_to_python_page_has_every_row_of_the_readme_table():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## R to Python", 1)[1].split("\n## ", 1)[0]
    page = (BOOK / "r-to-python.md").read_text()
    missing = _table_rows(section) - _table_rows(page)
    assert _table_rows(section) and not missing, f"README rows not on book/r-to-python.md: {missing}"
    assert "book/r-to-python" in (ROOT / "_toc.yml").read_text()

"""Open the built book in a real headless browser (Debian's chromium + Python playwright).

For every chapter page: the title, the number of figures actually rendered (loaded <img> in
cell outputs), math rendered by the offline MathJax, no traceback/error/stderr output, the
sidebar lists every chapter, the .ipynb download exists, and no launch buttons.

The book is built in a session fixture (scripts/book.sh into a temporary folder) unless
_build/html holds a successful build newer than every source file (or BOOK_HTML names a
built book). Chromium: /usr/bin/chromium; missing -> FAIL on CI (CI=true), skip locally.
"""
from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from test_book import BOOK, ROOT, chapter_title, chapters

pytestmark = [pytest.mark.book, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHAPTERS = chapters()
# figures each chapter draws (plt.show() / plot calls whose output is an image)
FIGURES = {
    "01-why-binomial-glmm": 2,
    "02-simulate-probability-scale": 2,
    "03-fit-model": 0,
    "04-log-odds-to-probabilities": 1,
    "05-odds-ratios": 1,
    "06-random-effect": 1,
    "07-simulate-logit-scale": 1,
    "08-check-by-simulation": 2,
    "09-wrong-model": 1,
    "10-how-the-fit-works": 1,
    "11-checked-against-r": 0,
    "12-exercises-cbpp": 1,
    "13-common-mistakes": 0,
}
# console noise known to be harmless (see shared notes): thebe script added twice, favicon 404
TOLERATED_CONSOLE = ("THEBE_JS_URL", "favicon", "theme",
                     "Failed to load resource")  # failed loads are checked by URL below
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]


def _sources() -> list[Path]:
    files = [ROOT / "_config.yml", ROOT / "_toc.yml", ROOT / "requirements.txt"]
    files += [p for p in BOOK.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts]
    files += list((ROOT / "glmmlite").rglob("*.py"))
    return files


def _fresh(html: Path) -> bool:
    stamp = html / ".build-ok"
    if not stamp.is_file():
        return False
    return stamp.stat().st_mtime > max(p.stat().st_mtime for p in _sources())


@pytest.fixture(scope="session")
def chromium() -> str:
    if not Path(CHROMIUM).exists():
        msg = f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return CHROMIUM


@pytest.fixture(scope="session")
def html_dir(tmp_path_factory) -> Path:
    if os.environ.get("BOOK_HTML"):
        return Path(os.environ["BOOK_HTML"])
    if _fresh(ROOT / "_build" / "html"):
        return ROOT / "_build" / "html"
    out = tmp_path_factory.mktemp("book")
    t0 = time.time()
    env = {**os.environ, "BOOK_OUT": str(out), "SKIP_INSTALL": "1"}
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "book.sh")], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"book build failed:\n{log[-6000:]}"
    assert not re.search(r"(WARNING|ERROR|CRITICAL):", log), log[-6000:]
    print(f"book built in {time.time() - t0:.0f} s")
    return out / "_build" / "html"


@pytest.fixture(scope="session")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        yield b
        b.close()


def _page_html(html_dir: Path, chapter: Path) -> Path:
    return html_dir / "book" / f"{chapter.stem}.html"


def test_every_chapter_page_exists(html_dir):
    import nbformat

    assert (html_dir / "index.html").is_file()
    for ch in CHAPTERS:
        assert _page_html(html_dir, ch).is_file(), ch.stem
        # the .ipynb a reader downloads is a valid, executed notebook with a Python kernel
        nb = nbformat.read(html_dir / "_sources" / "book" / f"{ch.stem}.ipynb", as_version=4)
        nbformat.validate(nb)
        assert nb.metadata["kernelspec"]["language"] == "python"
        assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), ch.stem


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_chapter_page(browser, html_dir, chapter):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}")
            if not any(t in str(e) for t in TOLERATED_CONSOLE) else None)
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" and not any(t in m.text for t in TOLERATED_CONSOLE) else None)
    remote, failed = [], []
    page.on("requestfailed", lambda r: failed.append(r.url)
            if not r.url.endswith("favicon.ico") else None)
    page.on("request", lambda r: remote.append(r.url) if r.url.startswith(("http:", "https:")) else None)
    path = _page_html(html_dir, chapter)
    page.goto(path.as_uri(), wait_until="load")

    # title
    title = chapter_title(chapter)
    h1 = page.locator("main h1").first.inner_text()
    assert h1.replace("#", "").strip().startswith(title.replace("`", "")), (h1, title)
    assert title.replace("`", "").split(". ", 1)[1][:20] in page.title()

    # figures actually rendered (decoded, non-zero size)
    page.wait_for_function("Array.from(document.images).every(i => i.complete)")
    n_fig = page.evaluate("""() => Array.from(document.querySelectorAll('.cell_output img'))
        .filter(i => i.complete && i.naturalWidth > 100 && i.getBoundingClientRect().width > 100).length""")
    assert n_fig == FIGURES[chapter.stem], f"{n_fig} figures rendered, expected {FIGURES[chapter.stem]}"

    # math rendered by MathJax (served from _static, no CDN)
    src = chapter.read_text()
    has_math = bool(re.search(r"(?<![\\\w])\$[^$\n]+\$", src)) or "$$" in src or "Math(" in src
    mathjax = page.evaluate("() => Array.from(document.scripts).map(s => s.src).filter(s => /mathjax/i.test(s))")
    assert all(s.startswith("file:") for s in mathjax), f"MathJax not served locally: {mathjax}"
    if has_math:
        assert mathjax, "page has math but loads no MathJax"
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20000)
        page.evaluate("() => MathJax.startup.promise")
        page.wait_for_selector("mjx-container", timeout=20000)
        n_math = page.locator("mjx-container").count()
        assert n_math > 0
        raw = page.evaluate("() => Array.from(document.querySelectorAll('.math')).filter(e => !e.querySelector('mjx-container')).length")
        assert raw == 0, f"{raw} math elements left unrendered"

    # no traceback, error or stderr output
    body = page.locator("main").inner_text()
    assert "Traceback" not in body
    assert page.locator(".output.traceback, .output.error, .output.stderr").count() == 0
    assert not re.search(r"\b\w*(Error|Exception):", body), "error text on the page"

    # the sidebar lists every chapter
    links = page.evaluate("() => Array.from(document.querySelectorAll('#bd-docs-nav a, nav.bd-links a')).map(a => a.href)")
    for ch in CHAPTERS:
        assert any(h.split("#")[0].endswith(f"/book/{ch.stem}.html") for h in links), f"sidebar lacks {ch.stem}"

    # downloadable as .ipynb, and no launch buttons that point nowhere
    ipynb = page.locator("a[href$='.ipynb']")
    assert ipynb.count() >= 1, "no .ipynb download"
    href = ipynb.first.get_attribute("href")
    assert (path.parent / href).resolve().is_file(), href
    assert page.locator(".launch-buttons, a[href*='binder'], a[href*='colab']").count() == 0

    assert not remote, f"the page loads remote resources (must work offline): {remote}"
    assert not failed, f"resources that failed to load: {failed}"
    assert not problems, problems
    page.close()

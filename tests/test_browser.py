"""Open the built book in a real headless browser (Debian's chromium + Python playwright).

For every chapter page: the title, the number of figures actually rendered (loaded <img> in
cell outputs), math rendered by the offline MathJax, no traceback/error/stderr output, the
sidebar lists every chapter, the .ipynb download exists, and no launch buttons.

The book is the test session's one build (conftest.py's ``book_html``: scripts/book.sh into
a temporary folder, unless _build/html holds a successful build newer than every source file
or BOOK_HTML names a built book). Chromium: /usr/bin/chromium; missing -> FAIL on CI (CI=true), skip locally.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from test_book import chapter_title, chapters

pytestmark = [pytest.mark.book, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHAPTERS = chapters()
# figures each chapter draws (plt.show() / plot calls whose output is an image)
FIGURES = {
    "01-why-binomial-glmm": 2,
    "02-simulate-probability-scale": 2,
    "03-fit-model": 0,
    "04-log-odds-to-probabilities": 2,
    "05-odds-ratios": 1,
    "06-random-effect": 2,
    "07-simulate-logit-scale": 1,
    "08-check-by-simulation": 3,
    "09-wrong-model": 1,
    "10-how-the-fit-works": 1,
    "11-checked-against-r": 0,
    "12-exercises-cbpp": 1,
    "13-common-mistakes": 0,
}
# console noise known to be harmless: a favicon 404 and a theme-mode message on first load.
# (The "Identifier 'THEBE_JS_URL' has already been declared" error is fixed by
# book/_ext/inline_js_once.py and is NOT tolerated.)
TOLERATED_CONSOLE = ("favicon", "theme",
                     "Failed to load resource")  # failed loads are checked by URL below
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def chromium() -> str:
    if not Path(CHROMIUM).exists():
        msg = f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return CHROMIUM


@pytest.fixture(scope="session")
def html_dir(book_html) -> Path:
    """The session's one built book (conftest.py's ``book_html``)."""
    return book_html


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



# ---------------------------------------------------------------------------------------------
# Issue 12: pages a reader can use -- no console errors anywhere, figures with captions and
# real alt text, sharp images, code that does not scroll sideways at 1280 px, figures that fit
# a 390 px phone.
def _all_pages(html_dir: Path) -> list[Path]:
    return [html_dir / "index.html"] + sorted((html_dir / "book").glob("*.html"))


def _console_problems(page) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" and not any(t in m.text for t in TOLERATED_CONSOLE) else None)
    return problems


def test_no_console_error_on_any_page(browser, html_dir):
    pages = _all_pages(html_dir)
    assert len(pages) >= len(CHAPTERS) + 2, [p.name for p in pages]   # + index and summary
    found = {}
    for path in pages:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        problems = _console_problems(page)
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_timeout(300)          # async scripts (sphinx-thebe.js) run after load
        if problems:
            found[path.name] = problems
        page.close()
    assert not found, found


def test_inline_scripts_appear_once(html_dir):
    """The cause of the THEBE_JS_URL error: an inline script written twice into a page."""
    for path in _all_pages(html_dir):
        html = path.read_text()
        inline = re.findall(r"<script>(.*?)</script>", html, re.S)
        dupes = {s[:60] for s in inline if inline.count(s) > 1 and "const " in s}
        assert not dupes, f"{path.name}: inline scripts written twice: {dupes}"


_FIGURES_JS = """() => Array.from(document.querySelectorAll('main .cell_output img')).map(img => {
    const fig = img.closest('figure');
    const cap = fig ? fig.querySelector('figcaption') : null;
    return {src: img.getAttribute('src') || '', alt: img.getAttribute('alt') || '',
            caption: cap ? cap.innerText.trim() : '',
            natural: img.naturalWidth, shown: img.getBoundingClientRect().width};
})"""
_FILE_NAME = re.compile(r"(^|/)[\w.-]+\.(png|svg|jpe?g|gif)$|_images/|^[0-9a-f]{16,}", re.I)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_figures_captions_alt_and_sharpness(browser, html_dir, chapter):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(_page_html(html_dir, chapter).as_uri(), wait_until="load")
    page.wait_for_function("Array.from(document.images).every(i => i.complete)")
    figures = [f for f in page.evaluate(_FIGURES_JS) if f["shown"] > 0]
    page.close()
    assert len(figures) == FIGURES[chapter.stem]
    for f in figures:
        name = f["src"].rsplit("/", 1)[-1]
        # a numbered caption that says what to see ("Fig. 6.1 ..." + at least a sentence)
        assert re.match(r"Fig(ure|\.)\s*[\d.]+", f["caption"]), f"{name}: no numbered caption"
        assert len(f["caption"]) >= 60, f"{name}: caption too short: {f['caption']!r}"
        # alt text describes the figure; it is not the image's file name or path
        assert len(f["alt"]) >= 40 and not _FILE_NAME.search(f["alt"].strip()), \
            f"{name}: alt text is {f['alt']!r}"
        # sharp on high-density screens: vector, or at least twice as many pixels as shown
        assert name.endswith(".svg") or f["natural"] >= 2 * f["shown"], \
            f"{name}: {f['natural']} px image shown {f['shown']:.0f} px wide"


_WIDE_CODE_JS = """() => Array.from(document.querySelectorAll(
        'main .cell_input pre, main .cell_output pre'))
    .filter(p => p.getBoundingClientRect().width > 0 && p.scrollWidth > p.clientWidth + 1)
    .map(p => {
        const lines = p.innerText.split('\\n');
        const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), '');
        return `${p.scrollWidth}px in ${p.clientWidth}px: ${longest}`;
    })"""


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_code_fits_its_cell_at_1280px(browser, html_dir, chapter):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(_page_html(html_dir, chapter).as_uri(), wait_until="load")
    wide = page.evaluate(_WIDE_CODE_JS)
    page.close()
    assert not wide, "code that scrolls sideways:\n" + "\n".join(wide)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_figures_fit_a_phone(browser, html_dir, chapter):
    """At 390 px every figure is scaled to the page width, not cut off or scrolled."""
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=3)
    page.goto(_page_html(html_dir, chapter).as_uri(), wait_until="load")
    page.wait_for_function("Array.from(document.images).every(i => i.complete)")
    too_wide = page.evaluate("""() => Array.from(document.querySelectorAll('main .cell_output img'))
        .filter(i => i.getBoundingClientRect().right > window.innerWidth + 1)
        .map(i => i.getAttribute('src'))""")
    page.close()
    assert not too_wide, too_wide


# ---- H6 (issue 9): the R / Python tab sets of chapters 2-9 (book/_ext/rtabs.py) --------------
TABBED = [ch for ch in CHAPTERS if 2 <= int(ch.name[:2]) <= 9]


@pytest.mark.parametrize("chapter", TABBED, ids=[c.stem for c in TABBED])
def test_r_python_tabs_switch_together(browser, html_dir, chapter):
    """Python is shown first, with the executed cell inside its tab; one click on "R" switches
    every tab set of the page, and each R tab holds R code plus R's stored output."""
    source = chapter.read_text()
    n_sets = source.count("::::{tab-set}")
    n_outputs = source.count(":class: r-output")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(_page_html(html_dir, chapter).as_uri(), wait_until="load")
    js_shown = """() => [...document.querySelectorAll('.sd-tab-set')].map(s => {
        const l = s.querySelector('input:checked + label'); return l ? l.textContent.trim() : null})"""
    assert page.evaluate(js_shown) == ["Python"] * n_sets
    # every Python tab holds its executed cell (moved there by rtabs.py)
    py_cells = page.evaluate("""() => [...document.querySelectorAll('.sd-tab-set')].map(s =>
        s.querySelector('.sd-tab-content .cell') !== null)""")
    assert all(py_cells), py_cells
    page.locator("label.sd-tab-label", has_text="R").first.click()
    page.wait_for_timeout(200)
    assert page.evaluate(js_shown) == ["R"] * n_sets
    visible_outputs = page.evaluate("""() => [...document.querySelectorAll('div.r-output')]
        .filter(e => e.offsetParent !== null && e.innerText.trim().length > 0).length""")
    assert visible_outputs == n_outputs
    page.close()


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_r_tab_images_sharp_and_described(browser, html_dir, chapter):
    """Images outside cell outputs (R's plots in the R tabs): described and sharp when shown."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(_page_html(html_dir, chapter).as_uri(), wait_until="load")
    # show every R tab (sync keys switch all tab sets of the page at once)
    labels = page.locator(".sd-tab-set > label", has_text=re.compile(r"^\s*R\s*$"))
    if labels.count():
        labels.first.click()
    page.wait_for_function("Array.from(document.images).every(i => i.complete)")
    images = page.evaluate("""() => Array.from(document.querySelectorAll('main img'))
        .filter(i => !i.closest('.cell_output') && i.getBoundingClientRect().width > 0)
        .map(i => ({src: i.getAttribute('src') || '', alt: i.getAttribute('alt') || '',
                    natural: i.naturalWidth, shown: i.getBoundingClientRect().width}))""")
    page.close()
    for im in images:
        name = im["src"].rsplit("/", 1)[-1]
        assert len(im["alt"]) >= 40 and not _FILE_NAME.search(im["alt"].strip()), \
            f"{name}: alt text is {im['alt']!r}"
        assert name.endswith(".svg") or im["natural"] >= 2 * im["shown"], \
            f"{name}: {im['natural']} px image shown {im['shown']:.0f} px wide"

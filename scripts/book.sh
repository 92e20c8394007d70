#!/usr/bin/env bash
# Build the whole book in one step, on a fresh clone and a fresh machine:
#   scripts/book.sh            -> HTML in _build/html (open _build/html/index.html)
# Creates .venv if missing, installs requirements.txt and glmmlite (editable), then runs
# jupyter-book 1.x with every chapter executed (execute_notebooks: force in _config.yml).
# Exits non-zero on any Sphinx warning (-W -n --keep-going) or any cell error.
# Options (environment): BOOK_OUT=<dir> builds into <dir> instead of the repository root
# (the HTML is then in <dir>/_build/html); SKIP_INSTALL=1 skips the pip step.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
PY="$ROOT/.venv/bin/python"
# Install only when requirements.txt or pyproject.toml changed since the last install by this
# script (a fresh clone always installs); SKIP_INSTALL=1 never installs.
if [ "${SKIP_INSTALL:-0}" != "1" ]; then
    STAMP=.venv/.book-install-stamp
    WANT="$(cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)"
    if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
        "$PY" -m pip install --disable-pip-version-check -q -r requirements.txt -e .
        echo "$WANT" > "$STAMP"
    fi
fi

OUT="${BOOK_OUT:-$ROOT}"
if [ "$OUT" = "$ROOT" ]; then
    rm -rf "$ROOT/_build/html" "$ROOT/_build/jupyter_execute" "$ROOT/_build/.doctrees"
fi
# The build's kernels get a throw-away IPython profile (scripts/ipython_kernel_config.py) in
# which they log nothing that is not about the book, so the build log stays clean.
IPYTHONDIR="$(mktemp -d)"
export IPYTHONDIR
mkdir -p "$IPYTHONDIR/profile_default"
cp "$ROOT/scripts/ipython_kernel_config.py" "$IPYTHONDIR/profile_default/ipython_kernel_config.py"
start=$(date +%s)
# jupyter-book's own exit code is not reliable for warnings in every version, so the log is
# checked as well: any "WARNING"/"ERROR" line fails the build.
LOG="$(mktemp)"
trap 'rm -rf "$LOG" "$IPYTHONDIR"' EXIT
set +e
"$ROOT/.venv/bin/jupyter-book" build "$ROOT" --path-output "$OUT" -W -n --keep-going 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
set -e
end=$(date +%s)
if grep -qE "(WARNING|ERROR|CRITICAL):" "$LOG"; then
    echo "book.sh: the build log has warnings or errors (see above)" >&2
    status=1
fi
if [ ! -f "$OUT/_build/html/index.html" ]; then
    echo "book.sh: no HTML was written to $OUT/_build/html" >&2
    status=1
fi
if [ "$status" = "0" ]; then
    touch "$OUT/_build/html/.build-ok"   # tests/test_browser.py reuses a successful, fresh build
fi
echo "book.sh: build took $((end - start)) s, exit status $status, HTML in $OUT/_build/html"
exit "$status"

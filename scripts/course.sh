#!/usr/bin/env bash
# The course edition of the book, from the same chapter sources (details: scripts/course.py):
#   bash scripts/course.sh                      -> _build/course/student/    (notebooks without solutions; html/ = web book, solutions hidden)
#                                                  _build/course/instructor/ (executed answer key, otter format, autograder zips)
#   bash scripts/course.sh grade NOTEBOOK.ipynb -> grades a filled-in student notebook; last line "score: X/Y"
# Creates .venv if missing and installs requirements.txt + glmmlite (as scripts/book.sh does;
# SKIP_INSTALL=1 skips that). COURSE_OUT=<dir> writes elsewhere; COURSE_WEB=0 skips the web book.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
if [ "${SKIP_INSTALL:-0}" != "1" ]; then
    STAMP=.venv/.book-install-stamp
    WANT="$(cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)"
    if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
        .venv/bin/python -m pip install --disable-pip-version-check -q -r requirements.txt -e .
        echo "$WANT" > "$STAMP"
    fi
fi
OUT="${COURSE_OUT:-$ROOT/_build/course}"
if [ "${1:-build}" = "grade" ]; then
    [ $# -eq 2 ] || { echo "usage: bash scripts/course.sh grade NOTEBOOK.ipynb" >&2; exit 2; }
    exec .venv/bin/python scripts/course.py grade "$2" --out "$OUT"
fi
ARGS=(build --out "$OUT")
if [ "${COURSE_WEB:-1}" = "0" ]; then
    ARGS+=(--no-web)
fi
exec .venv/bin/python scripts/course.py "${ARGS[@]}" "${@:2}"

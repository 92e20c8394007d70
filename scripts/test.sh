#!/usr/bin/env bash
# One command on a fresh machine: set up everything the tests need, then run all the tests.
#   - a virtual environment in .venv with requirements.txt and glmmlite (editable)
#   - Debian's chromium for the browser test of the built book (installed when running as root)
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -k reference`).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -e .
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser test ..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
# pytest exits 5 when it collects no test: that fails this script (and CI) too.
exec .venv/bin/python -m pytest "$@"

#!/usr/bin/env bash
# Regenerate R's printed output for every chapter script of the book (book/r/out/chNN/*.txt).
# Needs R with lme4 (Debian: r-base-core, r-cran-lme4, r-cran-ggplot2); the book and the tests
# never run R, they read the stored outputs. Outputs were made with R 4.2.2, lme4 1.1-31.
#   bash book/r/run_all.sh            # all chapters
#   bash book/r/run_all.sh ch03 ch05  # some
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [ "$#" -gt 0 ]; then chapters=("$@"); else chapters=(ch*.R); fi
for ch in "${chapters[@]}"; do
    ch="${ch%.R}"
    echo "== $ch"
    Rscript --vanilla run_chunks.R "$ch.R"
done
{
    Rscript --vanilla -e 'cat(R.version.string, "; lme4", format(packageVersion("lme4")),
                              "; ggplot2", format(packageVersion("ggplot2")), "\n")'
    grep -m1 "model name" /proc/cpuinfo | sed 's/.*: /CPU: /'
} > out/VERSION.txt

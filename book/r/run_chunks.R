## run_chunks.R -- run one chapter script of the book and store what R prints, chunk by chunk.
##
##   Rscript run_chunks.R ch03.R        (from book/r/; run_all.sh does every chapter)
##
## A chapter script (chNN.R) is an ordinary R script whose chunks start with a line
##   ## ---- <chunk-name>
## The chunks run in order in one session (as if typed at the R prompt), and what R would
## print at the prompt for a chunk (auto-printed values, cat/print output, messages such as
## "Computing profile confidence intervals ...", warnings) is written to
## out/chNN/<chunk-name>.txt. A chunk that prints nothing gets no file. A chunk that draws a
## plot also gets out/chNN/<chunk-name>.png. The book includes these files under its R tabs
## (see book/_ext/rtabs.py); tests/test_book_r_outputs.py checks them against glmmlite.

args <- commandArgs(trailingOnly = TRUE)
stopifnot(length(args) == 1L)
script <- args[[1]]
chapter <- sub("\\.R$", "", basename(script))
outdir <- file.path(dirname(script), "out", chapter)
unlink(outdir, recursive = TRUE)
dir.create(outdir, recursive = TRUE, showWarnings = FALSE)

lines <- readLines(script)
starts <- grep("^## ---- ", lines)
if (!length(starts)) stop("no '## ---- name' chunk lines in ", script)
names <- trimws(sub("^## ---- ", "", lines[starts]))
if (anyDuplicated(names)) stop("duplicate chunk names in ", script)
ends <- c(starts[-1] - 1L, length(lines))

env <- globalenv()
options(width = 80)   # the width R's console has in a standard terminal
for (i in seq_along(starts)) {
  code <- if (ends[i] > starts[i]) lines[(starts[i] + 1L):ends[i]] else character()
  exprs <- parse(text = code, keep.source = FALSE)
  png_file <- file.path(outdir, paste0(names[i], ".png"))
  png(png_file, width = 7, height = 3.8, units = "in", res = 220)
  dev <- dev.cur()
  printed <- character()
  tc <- textConnection("printed", "w", local = TRUE)
  sink(tc)
  for (e in exprs) {
    warns <- character()
    res <- withCallingHandlers(
      withVisible(eval(e, env)),
      message = function(m) { cat(conditionMessage(m)); invokeRestart("muffleMessage") },
      warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
    if (res$visible) print(res$value)
    if (length(warns) == 1L) cat("Warning message:\n", warns, "\n", sep = "")
    if (length(warns) > 1L) cat("Warning messages:\n", paste0(seq_along(warns), ": ", warns, "\n"), sep = "")
  }
  sink()
  close(tc)
  if (dev %in% dev.list()) dev.off(dev)
  if (length(printed)) writeLines(printed, file.path(outdir, paste0(names[i], ".txt")))
  cat(sprintf("%s/%s: %d lines%s\n", chapter, names[i], length(printed),
              if (file.exists(png_file)) " + plot" else ""))
}

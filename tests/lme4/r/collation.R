## collation.R -- the order of R's sort() for strings: the order of a factor's levels, so its
## reference level and coefficient names.  Run from any directory:  Rscript collation.R
## Reads ../collation_input.txt (one string per line, UTF-8), writes ../collation_sorted.json
## (the strings as sort() orders them, and the collation R used; under a second).
sdir <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f) == 1L) dirname(normalizePath(f)) else getwd()
})
source(file.path(sdir, "helpers.R"))
out <- dirname(sdir)
x <- readLines(file.path(out, "collation_input.txt"), encoding = "UTF-8")
write_json_file(list(sorted = I(sort(x)), levels = I(levels(factor(x))),
                     lc_collate = Sys.getlocale("LC_COLLATE"), icu = unname(capabilities("ICU")),
                     icu_collate = icuGetCollate()),
                file.path(out, "collation_sorted.json"))

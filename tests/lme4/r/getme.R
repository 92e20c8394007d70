## getme.R -- lme4 1.1-31's getME() for two multi-term fits.
## Run from any directory:  Rscript getme.R   (about 3 s)
## Reads ../predict_re_form.json (its 288 rows: a 12 levels, b nested in a, x, y); writes
## ../getme_cases.json.
##
## Cases: y ~ x + (1 + x | a) + (1 | b:a) (a vector term and a scalar one; lme4 puts b:a, 48
## levels, before a, 12) and y ~ x + (1 + x || a).  Stored per case: theta, lower, Gp, l_i,
## q_i, k, n, p, q, cnms (per term, with the terms' group names in cnms_names and l_i_names:
## the two terms of || share one), the levels of each flist factor, u, b, and Z and Lambda as
## 0-based triplets (i, j, x) of their nonzeros (Matrix's dgCMatrix, summary()).

sdir <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f) == 1L) dirname(normalizePath(f)) else getwd()
})
source(file.path(sdir, "helpers.R"))
out <- dirname(sdir)

src <- jsonlite::fromJSON(file.path(out, "predict_re_form.json"))$data
d <- data.frame(a = factor(src$a, levels = as.character(1:12)), b = factor(src$b), x = src$x, y = src$y)

triplets <- function(M) {
  s <- Matrix::summary(as(M, "CsparseMatrix"))
  list(i = s$i - 1L, j = s$j - 1L, x = s$x, dim = dim(M))
}
one <- function(formula) {
  m <- suppressWarnings(glmer(as.formula(formula), data = d, family = binomial))
  fl <- getME(m, "flist")
  list(formula = formula, theta = unname(getME(m, "theta")), theta_names = names(getME(m, "theta")),
       lower = unname(getME(m, "lower")), Gp = getME(m, "Gp"),
       l_i = unname(getME(m, "l_i")), l_i_names = names(getME(m, "l_i")),
       q_i = unname(getME(m, "q_i")), k = getME(m, "k"), n = getME(m, "n"), p = getME(m, "p"), q = getME(m, "q"),
       cnms = lapply(unname(getME(m, "cnms")), as.list), cnms_names = names(getME(m, "cnms")),
       flist_levels = lapply(fl, levels), X_names = colnames(getME(m, "X")),
       u = getME(m, "u"), b = as.numeric(getME(m, "b")),
       Z = triplets(getME(m, "Z")), Lambda = triplets(getME(m, "Lambda")))
}
res <- list(cases = list(
  vector_scalar = one("y ~ x + (1 + x | a) + (1 | b:a)"),
  uncorrelated = one("y ~ x + (1 + x || a)")
))
res$session <- session_info_list()
write_json_file(res, file.path(out, "getme_cases.json"))

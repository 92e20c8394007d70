## update_formula.R -- R 4.2.2's update.formula() on glmer formulas (what update(m, new) refits).
## Run from any directory:  Rscript update_formula.R   (under a second; no lme4 needed)
## Writes ../update_formula.json: per case the old formula, the update, and R's result as
## deparse() writes it (one line).

sdir <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f) == 1L) dirname(normalizePath(f)) else getwd()
})
source(file.path(sdir, "helpers.R"))
out <- dirname(sdir)

cases <- list(
  c("y ~ trt * sex + (1 | id)", ". ~ . - trt:sex"),
  c("y ~ trt * sex + (1 | id)", "~ . + day"),
  c("y ~ trt + (1 | id)", ". ~ . - (1 | id) + (1 | day)"),
  c("y ~ trt + (1 | id)", "y2 ~ ."),
  c("y ~ trt + (1 | id)", ". ~ . + (1|id)"),
  c("y ~ trt + (1 | id)", ". ~ . - 1"),
  c("cbind(k, n - k) ~ x + offset(log(n)) + (1 | g)", ". ~ . - x"),
  c("y ~ x.1 + .x + (1 | g)", ". ~ . - .x"),
  c("y ~ (1 | g) + x", ". ~ . + z"),
  c("y ~ x + (1 + x | g) + (1|h)", ". ~ . - (1 + x | g) + (x || g)"),
  c("y ~ trt * sex + (1 | id)", ". ~ . - trt"),
  c("y ~ trt * sex + (1 | id)", ". ~ trt + (1 | id)")
)
res <- list(cases = lapply(cases, function(cs) {
  r <- update(as.formula(cs[1]), as.formula(cs[2]))
  list(old = cs[1], new = cs[2], result = paste(deparse(r, width.cutoff = 500L), collapse = " "))
}))
res$session <- session_info_list()
write_json_file(res, file.path(out, "update_formula.json"))

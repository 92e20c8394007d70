## scale.R -- lme4 1.1-31 with scale() in the formula: the fit, and what new data are scaled by.
## Run from any directory:  Rscript scale.R   (about 3 s)
## Reads ../links_slopes.csv (r/links_data.py), writes ../scale_cases.json.
##
## Two missing values are put in first: x of row 3 and y of row 5 (R rows, 1-based).  R's model
## frame computes scale(x) on every row where x is present -- row 5 included, although the fit
## drops it for its missing y -- and predict() reuses that centre and scale on new data (the
## predvars attribute that makepredictcall writes).  Stored per case: the formula, fixef,
## theta, logLik, the centre and scale R used, the fixed-effects model matrix R builds for the
## newdata (rows 1-4: row 3 gives NA) and the population-level predictions (re.form = NA) for
## those rows and for row 1 alone, which equal each other only because of that stored scale.

sdir <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f) == 1L) dirname(normalizePath(f)) else getwd()
})
source(file.path(sdir, "helpers.R"))
out <- dirname(sdir)

d <- read.csv(file.path(out, "links_slopes.csv"))
d$x[3] <- NA
d$y[5] <- NA
nd <- d[1:4, c("id", "trt", "sex", "x")]
nd$trt <- factor(nd$trt, levels = c("control", "treat"))   # both levels, for model.matrix

one <- function(formula) {
  m <- suppressWarnings(glmer(as.formula(formula), data = d, family = binomial))
  pv <- attr(terms(m), "predvars")
  sc <- pv[[which(vapply(as.list(pv)[-1], function(e) is.call(e) && identical(e[[1]], as.name("scale")),
                         logical(1))) + 1]]
  tt <- delete.response(terms(m, fixed.only = TRUE))
  X <- model.matrix(tt, model.frame(tt, nd, na.action = na.pass))
  list(formula = formula, fixef = fixef(m), theta = unname(getME(m, "theta")),
       logLik = as.numeric(logLik(m)), nobs = nobs(m),
       center = sc$center, scale = sc$scale,
       newdata_X = unname(lapply(seq_len(ncol(X)), function(j) unname(X[, j]))),
       newdata_X_names = colnames(X),
       pred_NA_rows1to4 = unname(predict(m, newdata = nd, re.form = NA)),
       pred_NA_row1 = unname(predict(m, newdata = nd[1, ], re.form = NA)))
}
res <- list(
  x_mean_all = mean(d$x, na.rm = TRUE), x_sd_all = sd(d$x, na.rm = TRUE),
  cases = list(
    intercept = one("y ~ scale(x) + trt + (1 | id)"),
    slope = one("y ~ trt + scale(x) + (1 + scale(x) | id)")
  )
)
res$session <- session_info_list()
write_json_file(res, file.path(out, "scale_cases.json"))

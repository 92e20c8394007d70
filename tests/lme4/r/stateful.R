## stateful.R -- lme4 1.1-31 with scale() and poly() in the formula: the fit, and the numbers
## new data are transformed with.
## Run from any directory:  Rscript stateful.R   (about 5 s)
## Reads ../links_slopes.csv (r/links_data.py), writes ../stateful_cases.json.
##
## Two missing values are put in first: x of row 3 and y of row 5 (R rows, 1-based).  R's model
## frame computes scale(x) on every row where x is present -- row 5 included, although the fit
## drops it for its missing y -- and predict() reuses that centre and scale on new data (the
## predvars attribute that makepredictcall writes).  Stored per case: the formula, fixef,
## theta, logLik, the centre and scale R used, the fixed-effects model matrix R builds for the
## newdata (rows 1-4: row 3 gives NA) and the population-level predictions (re.form = NA) for
## those rows and for row 1 alone, which equal each other only because of that stored scale.
## The poly() cases fit the rows with x present (R's poly() refuses a missing x) -- row 5, whose y
## is missing, still counts in poly()'s coefficients (alpha, norm2), which predict() reuses.

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

stateful <- function(m, fun) {
  pv <- attr(terms(m), "predvars")
  pv[[which(vapply(as.list(pv)[-1], function(e) is.call(e) && identical(e[[1]], as.name(fun)),
                   logical(1))) + 1]]
}
one <- function(formula, data = d) {
  m <- suppressWarnings(glmer(as.formula(formula), data = data, family = binomial))
  poly <- grepl("poly(", formula, fixed = TRUE)
  sc <- stateful(m, if (poly) "poly" else "scale")
  tt <- delete.response(terms(m, fixed.only = TRUE))
  X <- model.matrix(tt, model.frame(tt, nd, na.action = na.pass))
  list(formula = formula, fixef = fixef(m), theta = unname(getME(m, "theta")),
       logLik = as.numeric(logLik(m)), nobs = nobs(m),
       center = if (poly) NULL else sc$center, scale = if (poly) NULL else sc$scale,
       alpha = if (poly) eval(sc$coefs)$alpha else NULL, norm2 = if (poly) eval(sc$coefs)$norm2 else NULL,
       newdata_X = unname(lapply(seq_len(ncol(X)), function(j) unname(X[, j]))),
       newdata_X_names = colnames(X),
       pred_NA_rows1to4 = unname(predict(m, newdata = nd, re.form = NA)),
       pred_NA_row1 = unname(predict(m, newdata = nd[1, ], re.form = NA)))
}
res <- list(
  x_mean_all = mean(d$x, na.rm = TRUE), x_sd_all = sd(d$x, na.rm = TRUE),
  cases = list(
    intercept = one("y ~ scale(x) + trt + (1 | id)"),
    slope = one("y ~ trt + scale(x) + (1 + scale(x) | id)"),
    poly2 = one("y ~ poly(x, 2) + trt + (1 | id)", data = d[!is.na(d$x), ]),
    poly3_by_trt = one("y ~ poly(x, 3) * trt + (1 | id)", data = d[!is.na(d$x), ])
  )
)
res$session <- session_info_list()
write_json_file(res, file.path(out, "stateful_cases.json"))

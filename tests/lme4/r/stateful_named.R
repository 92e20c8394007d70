## stateful_named.R -- lme4 1.1-31 with named arguments (and the logical positional forms) in
## scale() and poly(): the names R gives the columns, the fit, and the numbers new data are
## transformed with.
## Run from any directory:  Rscript stateful_named.R   (about 10 s)
## Reads ../links_slopes.csv (r/links_data.py), writes ../stateful_named_cases.json.
##
## The data are stateful.R's: x of row 3 and y of row 5 (R rows, 1-based) set missing, so that
## scale()'s centre and scale come from every row with x (row 5 included, although the fit drops
## it) and predict() on new data reuses them (makepredictcall's predvars).  Stored per case: the
## formula, `formula_deparse` (deparse(formula(m)): the pieces summary() prints), fixef (R's
## names), theta, logLik, nobs, `predvars` (deparse of the stored call, e.g.
## scale(x, scale = FALSE, center = 0.0022...)), the centre and scale that call applies
## (`center`, `scale`: 0 and 1 where the argument is FALSE), poly()'s alpha and norm2 (orthogonal
## only: raw powers store nothing) -- all read from the column R's model frame made (its
## attributes) --, the fixed-effects model matrix R builds for rows 1-4 as new
## data (`newdata_X`, by column, null = NA; row 3 has x missing) with `newdata_X_names`, and
## predict(re.form = NA) for rows 1-4 and for row 1 alone.  For the positional logicals
## (scale(x, TRUE, FALSE), scale(x, T, F)) R's own new-data route fails -- makepredictcall
## writes scale(x, TRUE, FALSE, center = 0.0022...), "unused argument (FALSE)" -- and
## `newdata_error` holds R's message instead.  The random-slope case adds
## `ranef_names` and `newdata_Z_slope` (the slope column of the random-effects model matrix R
## builds for the new rows: x minus the stored centre).  The poly() cases fit the rows with x
## present (R's poly() refuses a missing x; raw = TRUE too).

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

stored_call <- function(m, fun) {
  pv <- attr(terms(m), "predvars")
  pv[[which(vapply(as.list(pv)[-1], function(e) is.call(e) && identical(e[[1]], as.name(fun)),
                   logical(1)))[1] + 1]]
}
## the column R's model frame made for the call: its attributes are the numbers R computed
## (scaled:center / scaled:scale, absent when that argument is FALSE; poly's coefs, absent for raw)
frame_column <- function(m, fun) {
  fr <- model.frame(m)
  fr[[which(startsWith(names(fr), paste0(fun, "(")))[1]]]
}
newdata_part <- function(m) {
  tt <- delete.response(terms(m, fixed.only = TRUE))
  X <- model.matrix(tt, model.frame(tt, nd, na.action = na.pass))
  list(newdata_X = unname(lapply(seq_len(ncol(X)), function(j) unname(X[, j]))),
       newdata_X_names = colnames(X),
       pred_NA_rows1to4 = unname(predict(m, newdata = nd, re.form = NA)),
       pred_NA_row1 = unname(predict(m, newdata = nd[1, ], re.form = NA)))
}
## the random slope's column for the new rows, as predict() (mkNewReTrms) makes it: the model
## frame of the random part's terms, whose predvars hold the fit's centre
newdata_z_slope <- function(m, label) {
  tt <- delete.response(terms(m, random.only = TRUE))
  unname(as.vector(model.frame(tt, nd, na.action = na.pass)[[label]]))
}
one <- function(formula, data = d) {
  m <- suppressWarnings(suppressMessages(glmer(as.formula(formula), data = data, family = binomial)))
  fun <- if (grepl("poly(", formula, fixed = TRUE)) "poly" else "scale"
  col <- frame_column(m, fun)
  res <- list(formula = formula, formula_deparse = I(deparse(formula(m))),
              fixef = fixef(m), theta = unname(getME(m, "theta")),
              logLik = as.numeric(logLik(m)), nobs = nobs(m),
              predvars = paste(deparse(stored_call(m, fun)), collapse = ""))
  if (fun == "scale") {
    res$center <- if (is.null(attr(col, "scaled:center"))) 0 else attr(col, "scaled:center")
    res$scale <- if (is.null(attr(col, "scaled:scale"))) 1 else attr(col, "scaled:scale")
  } else if (!is.null(attr(col, "coefs"))) {
    res$alpha <- attr(col, "coefs")$alpha
    res$norm2 <- attr(col, "coefs")$norm2
  }
  ## R's own predict() fails on new data for positional logicals: makepredictcall adds
  ## center = <number> beside them, as in scale(x, TRUE, FALSE, center = 0.0022)
  nd_res <- tryCatch(newdata_part(m), error = function(e) list(newdata_error = conditionMessage(e)))
  res <- c(res, nd_res)
  if (length(getME(m, "cnms")$id) > 1L) {
    res$ranef_names <- names(ranef(m)$id)
    res$newdata_Z_slope <- newdata_z_slope(m, getME(m, "cnms")$id[2])
  }
  res
}
rows_x <- d[!is.na(d$x), ]
res <- list(
  x_mean_all = mean(d$x, na.rm = TRUE), x_sd_all = sd(d$x, na.rm = TRUE),
  x_rms_all = sqrt(sum(d$x^2, na.rm = TRUE) / (sum(!is.na(d$x)) - 1)),
  cases = list(
    center_only = one("y ~ scale(x, scale = FALSE) + trt + (1 | id)"),
    scale_only = one("y ~ scale(x, center = FALSE) + trt + (1 | id)"),
    neither = one("y ~ scale(x, center = FALSE, scale = FALSE) + trt + (1 | id)"),
    positional_logicals = one("y ~ scale(x, TRUE, FALSE) + trt + (1 | id)"),
    spelled_out = one("y ~ scale(x, center = TRUE, scale = TRUE) + trt + (1 | id)"),
    T_F = one("y ~ scale(x, T, F) + trt + (1 | id)"),
    named_first = one("y ~ scale(center = FALSE, x) + trt + (1 | id)"),
    slope_centred = one("y ~ trt + scale(x, scale = FALSE) + (1 + scale(x, scale = FALSE) | id)"),
    poly_raw = one("y ~ poly(x, 2, raw = TRUE) + trt + (1 | id)", data = rows_x),
    poly_degree_named = one("y ~ poly(x, degree = 2) + trt + (1 | id)", data = rows_x),
    poly_raw_degree3 = one("y ~ poly(x, degree = 3, raw = TRUE) + trt + (1 | id)", data = rows_x),
    poly_raw_false = one("y ~ poly(x, 2, raw = FALSE) + trt + (1 | id)", data = rows_x),
    poly_raw_by_trt = one("y ~ poly(x, 2, raw = TRUE):trt + (1 | id)", data = rows_x),
    poly_degree1 = one("y ~ poly(x, 1) + trt + (1 | id)", data = rows_x)
  )
)
res$session <- session_info_list()
write_json_file(res, file.path(out, "stateful_named_cases.json"))

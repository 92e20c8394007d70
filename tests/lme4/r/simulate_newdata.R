## simulate_newdata.R -- lme4 1.1-31's simulate(m, newdata = nd, ...) for small cases.
## Run from any directory:  Rscript simulate_newdata.R
## Reads ../cbpp.csv and ../article_data.csv, writes ../simulate_newdata_cases.json.
##
## Each case fits a model, builds a small newdata, calls
##   simulate(m, nsim, seed, newdata = nd, re.form, allow.new.levels, weights)
## and stores the fit's theta and fixef (to pass to glmmlite as newparams), the newdata
## (as columns), the simulations, and .Random.seed after them.  Derived columns, as in
## simulate.R:
##   cbpp:    herd, period as factors with levels 1..15 and 1..4 (numeric order)
##   article: the first 700 rows (ids 1..50); yf = factor(ifelse(y == 1, "yes", "no"));
##            x = day / 14; ids = sprintf("s%02d", id) (text ids)
## Cases are chosen where lme4's newdata path is well defined: no cbind response with
## newdata rows other than the fitted ones (lme4 then reuses the fitted rows' trials), and
## drawn random-effect terms in the fit's order (lme4 takes theta by position).
## re_form is stored as text: "NA" (lme4's default), "NULL", or the formula.  The "_big_sd"
## cases simulate with newparams = list(theta = , beta = fixef(m)) (theta_set = true; theta is
## then the one used), large SDs that make a random effect given to the wrong group visible.

sdir <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f) == 1L) dirname(normalizePath(f)) else getwd()
})
source(file.path(sdir, "helpers.R"))
out <- dirname(sdir)
suppressMessages(library(lme4))

cb <- read.csv(file.path(out, "cbpp.csv"))
cb$herd <- factor(cb$herd, levels = 1:15)
cb$period <- factor(cb$period, levels = 1:4)

ad <- read.csv(file.path(out, "article_data.csv"))[1:700, ]
ad$yf <- factor(ifelse(ad$y == 1, "yes", "no"))
ad$x <- ad$day / 14
ad$ids <- sprintf("s%02d", ad$id)

nd_ids <- data.frame(trt = c("treat", "control", "treat", "control", "treat", "control"),
                     id = c(7, 10, 3, 7, 2, 10))
nd_new <- data.frame(trt = c("treat", "control", "treat", "control", "treat"),
                     id = c(7, 999, 0, 999, 12))
nd_slope <- data.frame(trt = c("treat", "control", "treat", "control"),
                       id = c(40, 5, 40, 21), x = c(0.5, 1, 1.5, 0))
nd_text <- data.frame(trt = c("treat", "control", "treat", "control", "treat", "control"),
                      ids = c("s07", "zz", "aa", "s12", "zz", "s03"))
cb_sub <- cb[cb$herd %in% c(3, 1, 12, 5, 9, 2), c("herd", "period", "size", "incidence")]
cb_sub <- cb_sub[rev(seq_len(nrow(cb_sub))), ]
cb_same <- cb
cb_same$period <- factor(rep(c(2, 1, 4, 3), length.out = nrow(cb)), levels = 1:4)

cases <- list(
  list(name = "binary", data = "article", formula = "y ~ trt + (1 | id)", link = "logit",
       fit_weights = NULL, nd = nd_ids, re_form = "NA", allow_new = FALSE, nd_weights = NULL,
       seed = 201L, nsim = 3L),
  list(name = "new_levels", data = "article", formula = "y ~ trt + (1 | id)", link = "logit",
       fit_weights = NULL, nd = nd_new, re_form = "NA", allow_new = TRUE, nd_weights = NULL,
       seed = 202L, nsim = 3L),
  list(name = "new_levels_use_u", data = "article", formula = "y ~ trt + (1 | id)", link = "logit",
       fit_weights = NULL, nd = nd_new, re_form = "NULL", allow_new = TRUE, nd_weights = NULL,
       seed = 203L, nsim = 3L),
  list(name = "proportion_weights", data = "cbpp", formula = "incidence/size ~ period + (1 | herd)",
       link = "logit", fit_weights = "size", nd = cb_sub, re_form = "NA", allow_new = FALSE,
       nd_weights = "size", seed = 204L, nsim = 3L),
  list(name = "cbind_same_rows", data = "cbpp", formula = "cbind(incidence, size - incidence) ~ period + (1 | herd)",
       link = "logit", fit_weights = NULL, nd = cb_same, re_form = "NA", allow_new = FALSE,
       nd_weights = NULL, seed = 205L, nsim = 2L),
  list(name = "two_terms", data = "cbpp", formula = "incidence/size ~ 1 + (1 | period) + (1 | herd)",
       link = "logit", fit_weights = "size", nd = cb_sub, re_form = "NA", allow_new = FALSE,
       nd_weights = "size", seed = 206L, nsim = 3L),
  list(name = "two_terms_keep_period", data = "cbpp", formula = "incidence/size ~ 1 + (1 | period) + (1 | herd)",
       link = "logit", fit_weights = "size", nd = cb_sub, re_form = "~(1 | period)", allow_new = FALSE,
       nd_weights = "size", seed = 207L, nsim = 3L),
  list(name = "factor", data = "article", formula = "yf ~ trt + (1 | id)", link = "logit",
       fit_weights = NULL, nd = nd_ids, re_form = "NA", allow_new = FALSE, nd_weights = NULL,
       seed = 208L, nsim = 3L),
  list(name = "slope", data = "article", formula = "y ~ trt + (1 + x | id)", link = "logit",
       fit_weights = NULL, nd = nd_slope, re_form = "NA", allow_new = FALSE, nd_weights = NULL,
       seed = 209L, nsim = 3L),
  ## large random-effect SDs (newparams theta): a draw given to the wrong group would show
  list(name = "order_big_sd", data = "article", formula = "y ~ trt + (1 | id)", link = "logit",
       fit_weights = NULL, nd = nd_ids, re_form = "NA", allow_new = FALSE, nd_weights = NULL,
       seed = 211L, nsim = 25L, theta = 3),
  list(name = "new_levels_big_sd", data = "article", formula = "y ~ trt + (1 | id)", link = "logit",
       fit_weights = NULL, nd = nd_new, re_form = "NA", allow_new = TRUE, nd_weights = NULL,
       seed = 212L, nsim = 25L, theta = 3),
  list(name = "text_new_levels_big_sd", data = "article", formula = "y ~ trt + (1 | ids)", link = "logit",
       fit_weights = NULL, nd = nd_text, re_form = "NA", allow_new = TRUE, nd_weights = NULL,
       seed = 215L, nsim = 25L, theta = 3),
  list(name = "two_terms_big_sd", data = "cbpp", formula = "incidence/size ~ 1 + (1 | period) + (1 | herd)",
       link = "logit", fit_weights = "size", nd = cb_sub, re_form = "NA", allow_new = FALSE,
       nd_weights = "size", seed = 213L, nsim = 10L, theta = c(2.5, 1.5)),
  list(name = "slope_big_sd", data = "article", formula = "y ~ trt + (1 + x | id)", link = "logit",
       fit_weights = NULL, nd = nd_slope, re_form = "NA", allow_new = FALSE, nd_weights = NULL,
       seed = 214L, nsim = 25L, theta = c(2, -1, 1.5))
)

res <- list()
for (cs in cases) {
  dat <- if (cs$data == "cbpp") cb else ad
  fam <- binomial(link = cs$link)
  m <- suppressWarnings(suppressMessages(
    if (is.null(cs$fit_weights)) glmer(as.formula(cs$formula), data = dat, family = fam)
    else glmer(as.formula(cs$formula), data = dat, family = fam, weights = dat[[cs$fit_weights]])))
  rf <- switch(cs$re_form, "NA" = NA, "NULL" = NULL, as.formula(cs$re_form))
  nd <- cs$nd
  w <- if (is.null(cs$nd_weights)) NULL else nd[[cs$nd_weights]]
  np <- if (is.null(cs$theta)) NULL else list(theta = cs$theta, beta = fixef(m))
  s <- simulate(m, nsim = cs$nsim, seed = cs$seed, newdata = nd, re.form = rf,
                allow.new.levels = cs$allow_new, weights = w, newparams = np)
  sims <- lapply(s, function(col) {
    if (is.matrix(col)) list(successes = I(as.integer(col[, 1])), failures = I(as.integer(col[, 2])),
                             colnames = I(colnames(col)))
    else if (is.factor(col)) I(as.character(col))
    else I(as.double(col))
  })
  ndl <- lapply(nd, function(v) if (is.factor(v)) I(as.character(v)) else I(v))
  res[[cs$name]] <- list(
    data = cs$data, formula = cs$formula, link = cs$link,
    fit_weights = cs$fit_weights, newdata = ndl, newdata_rownames = I(rownames(nd)),
    re_form = cs$re_form, allow_new_levels = cs$allow_new, nd_weights = cs$nd_weights,
    seed = cs$seed, nsim = cs$nsim,
    theta = if (is.null(cs$theta)) getME(m, "theta") else setNames(cs$theta, names(getME(m, "theta"))),
    fixef = fixef(m), theta_set = !is.null(cs$theta),
    sims = sims, row_names = I(rownames(s)), random_seed_after = I(.Random.seed))
}
res$session <- session_info_list()
write_json_file(res, file.path(out, "simulate_newdata_cases.json"))

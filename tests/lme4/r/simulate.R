## simulate.R -- lme4 1.1-31's simulate() for every kind of binomial response.
## Run from any directory:  Rscript simulate.R
## Reads ../cbpp.csv and ../article_data.csv, writes ../simulate_cases.json.
##
## Each case fits a model, calls set.seed(seed) and then simulate(m, nsim, use.u)
## (simulate's own seed argument does the same set.seed), and stores the fit's
## theta and fixef (to pass to glmmlite as newparams), the simulations and
## .Random.seed after them.  The derived columns are spelled out here and in
## tests/test_simulate_r.py:
##   cbpp:    herd, period as factors with levels 1..15 and 1..4 (numeric order);
##            off = size / 10
##   article: the first 700 rows (ids 1..50); yf = factor(ifelse(y == 1, "yes", "no"));
##            w = 1 + day %% 3; x = day / 14

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
cb$off <- cb$size / 10

ad <- read.csv(file.path(out, "article_data.csv"))[1:700, ]
ad$yf <- factor(ifelse(ad$y == 1, "yes", "no"))
ad$w <- 1 + ad$day %% 3
ad$x <- ad$day / 14

cases <- list(
  list(name = "cbind", data = "cbpp", formula = "cbind(incidence, size - incidence) ~ period + (1 | herd)",
       link = "logit", weights = NULL, seed = 101L, nsim = 4L, use_u = FALSE),
  list(name = "proportion_weights", data = "cbpp", formula = "incidence/size ~ period + (1 | herd)",
       link = "logit", weights = "size", seed = 102L, nsim = 4L, use_u = FALSE),
  list(name = "factor", data = "article", formula = "yf ~ trt + (1 | id)",
       link = "logit", weights = NULL, seed = 103L, nsim = 3L, use_u = FALSE),
  list(name = "binary_weights", data = "article", formula = "y ~ trt + (1 | id)",
       link = "logit", weights = "w", seed = -7L, nsim = 3L, use_u = FALSE),
  list(name = "factor_weights", data = "article", formula = "yf ~ trt + (1 | id)",
       link = "logit", weights = "w", seed = 105L, nsim = 3L, use_u = FALSE),
  list(name = "two_terms", data = "cbpp", formula = "cbind(incidence, size - incidence) ~ 1 + (1 | period) + (1 | herd)",
       link = "logit", weights = NULL, seed = 106L, nsim = 3L, use_u = FALSE),
  list(name = "slope", data = "article", formula = "y ~ trt + (1 + x | id)",
       link = "logit", weights = NULL, seed = 107L, nsim = 3L, use_u = FALSE),
  list(name = "offset", data = "cbpp", formula = "cbind(incidence, size - incidence) ~ period + offset(off) + (1 | herd)",
       link = "logit", weights = NULL, seed = 108L, nsim = 2L, use_u = FALSE),
  list(name = "probit", data = "cbpp", formula = "cbind(incidence, size - incidence) ~ period + (1 | herd)",
       link = "probit", weights = NULL, seed = 109L, nsim = 4L, use_u = FALSE),
  list(name = "cloglog", data = "article", formula = "y ~ trt + (1 | id)",
       link = "cloglog", weights = NULL, seed = 111L, nsim = 2L, use_u = FALSE),
  list(name = "use_u", data = "article", formula = "y ~ trt + (1 | id)",
       link = "logit", weights = NULL, seed = 110L, nsim = 3L, use_u = TRUE),
  list(name = "use_u_cbind", data = "cbpp", formula = "cbind(incidence, size - incidence) ~ period + (1 | herd)",
       link = "logit", weights = NULL, seed = 112L, nsim = 2L, use_u = TRUE)
)

res <- list()
for (cs in cases) {
  dat <- if (cs$data == "cbpp") cb else ad
  fam <- binomial(link = cs$link)
  m <- suppressWarnings(suppressMessages(
    if (is.null(cs$weights)) glmer(as.formula(cs$formula), data = dat, family = fam)
    else glmer(as.formula(cs$formula), data = dat, family = fam, weights = dat[[cs$weights]])))
  s <- simulate(m, nsim = cs$nsim, seed = cs$seed, use.u = cs$use_u)
  sims <- lapply(s, function(col) {
    if (is.matrix(col)) list(successes = I(as.integer(col[, 1])), failures = I(as.integer(col[, 2])),
                             colnames = I(colnames(col)))
    else if (is.factor(col)) I(as.character(col))
    else I(as.double(col))
  })
  res[[cs$name]] <- list(
    data = cs$data, formula = cs$formula, link = cs$link,
    weights = if (is.null(cs$weights)) NULL else cs$weights,
    seed = cs$seed, nsim = cs$nsim, use_u = cs$use_u,
    theta = getME(m, "theta"), fixef = fixef(m),
    sims = sims, attr_seed_first_10 = I(head(attr(s, "seed"), 10)), random_seed_after = I(.Random.seed))
}
res$session <- session_info_list()
write_json_file(res, file.path(out, "simulate_cases.json"))

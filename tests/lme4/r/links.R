## links.R -- lme4 1.1-31 fits with the probit and cloglog links.
## Run from any directory:  Rscript links.R
## Reads ../seed_data.csv, ../cbpp.csv and the two simulated sets that links_data.py writes
## (../links_crossed.csv, ../links_slopes.csv; run it first), writes ../links_cases.json (15 s).
##
## The other reference fits are all logit with one scalar term; these check glmmlite's other
## two links on each of its fitting paths: one scalar term (seed data, cbpp with cbind),
## adaptive quadrature, two crossed terms and a correlated random slope (the blocked path,
## also with the logit link).  Derived columns:
##   cbpp: herd, period as factors with levels 1..15 and 1..4 (numeric order)
## (seed_data's y2 has a small subject SD; the simulated sets have student SD 1, item SD 0.6,
## and a slope SD 0.3 correlated 0.3 with the intercept's 0.5: see benchmarks/designs.py)

sdir <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f) == 1L) dirname(normalizePath(f)) else getwd()
})
source(file.path(sdir, "helpers.R"))
out <- dirname(sdir)

sd <- read.csv(file.path(out, "seed_data.csv"))
cr <- read.csv(file.path(out, "links_crossed.csv"))
sl <- read.csv(file.path(out, "links_slopes.csv"))
cb <- read.csv(file.path(out, "cbpp.csv"))
cb$herd <- factor(cb$herd, levels = 1:15)
cb$period <- factor(cb$period, levels = 1:4)

cases <- list(
  list(name = "seed_probit", data = "seed", formula = "y2 ~ trt * sex + (1 | id)", link = "probit", nAGQ = 1L),
  list(name = "seed_cloglog", data = "seed", formula = "y2 ~ trt * sex + (1 | id)", link = "cloglog", nAGQ = 1L),
  list(name = "seed_probit_agq10", data = "seed", formula = "y2 ~ trt * sex + (1 | id)", link = "probit", nAGQ = 10L),
  list(name = "cbpp_probit", data = "cbpp", formula = "cbind(incidence, size - incidence) ~ period + (1 | herd)",
       link = "probit", nAGQ = 1L),
  list(name = "cbpp_cloglog", data = "cbpp", formula = "cbind(incidence, size - incidence) ~ period + (1 | herd)",
       link = "cloglog", nAGQ = 1L),
  list(name = "crossed_logit", data = "crossed", formula = "y ~ x + (1 | student) + (1 | item)", link = "logit",
       nAGQ = 1L),
  list(name = "slope_logit", data = "slopes", formula = "y ~ trt * sex + x + (1 + x | id)", link = "logit",
       nAGQ = 1L),
  list(name = "crossed_probit", data = "crossed", formula = "y ~ x + (1 | student) + (1 | item)", link = "probit",
       nAGQ = 1L),
  list(name = "crossed_cloglog", data = "crossed", formula = "y ~ x + (1 | student) + (1 | item)", link = "cloglog",
       nAGQ = 1L),
  list(name = "slope_probit", data = "slopes", formula = "y ~ trt * sex + x + (1 + x | id)", link = "probit",
       nAGQ = 1L),
  list(name = "slope_cloglog", data = "slopes", formula = "y ~ trt * sex + x + (1 + x | id)", link = "cloglog",
       nAGQ = 1L)
)

## the standard errors as vcov.merMod computes them (2 solve(H) on the beta block, H by lme4's
## own finite differences, deriv12), but from the converged deviance function
tight_se <- function(devfun, par, ntheta) {
  H <- lme4:::deriv12(devfun, par)$Hessian
  V <- 2 * solve(H)[-seq_len(ntheta), -seq_len(ntheta), drop = FALSE]
  sqrt(diag((V + t(V)) / 2))
}

res <- list()
for (cs in cases) {
  dat <- switch(cs$data, cbpp = cb, seed = sd, crossed = cr, slopes = sl)
  cap <- capture_all(glmer(as.formula(cs$formula), data = dat, family = binomial(link = cs$link),
                           nAGQ = cs$nAGQ))
  m <- cap$value
  ll <- logLik(m)
  ## lme4's own deviance function with PIRLS run to a relative change of 1e-13 instead of the
  ## default tolPwrss = 1e-7, at lme4's estimates: the default stops PIRLS early enough to move
  ## the Laplace deviance of a multi-term model by up to 6e-3 (its log-determinant is taken
  ## at the modes of the last-but-one PIRLS step)
  tight <- update(m, devFunOnly = TRUE, control = glmerControl(tolPwrss = 1e-13))
  par <- c(getME(m, "theta"), fixef(m))
  res[[cs$name]] <- list(
    data = cs$data, formula = cs$formula, link = cs$link, nAGQ = cs$nAGQ,
    fixef = fixef(m), se = named(sqrt(diag(as.matrix(vcov(m)))), names(fixef(m))),
    theta = getME(m, "theta"), varcorr = varcorr_info(m),
    logLik = as.numeric(ll), minus2logLik = -2 * as.numeric(ll),
    deviance_summary = unname(summary(m)$AICtab[["deviance"]]),
    deviance_tight_pirls = tight(unname(par)),
    se_tight_pirls = named(tight_se(tight, unname(par), length(getME(m, "theta"))), names(fixef(m))),
    nobs = nobs(m), isSingular = isSingular(m), feval = m@optinfo$feval,
    fit_conditions = cond_list(cap))
}
res$session <- list(R = R.version.string, lme4 = as.character(packageVersion("lme4")))
write_json_file(res, file.path(out, "links_cases.json"))
cat("wrote", file.path(out, "links_cases.json"), "\n")

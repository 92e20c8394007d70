## profile_accuracy.R -- lme4 1.1-31's profile confidence intervals, 95% and 90%, for the
## models whose profile-interval ends tests/test_profile_accuracy.py checks against brute-force
## roots of the profiled deviance.  Run from any directory:  Rscript profile_accuracy.R
## Reads ../seed_data.csv, ../article_data.csv, ../cbpp.csv, ../links_crossed.csv and
## ../links_slopes.csv; writes ../profile_accuracy.json (about 5 minutes: the crossed and
## random-slope profiles take most of it).
## Derived columns:
##   cbpp: herd, period as factors with levels 1..15 and 1..4 (numeric order); obs = factor(1:56)
## Per case: name, data, formula, confint_95 and confint_90 (confint(profile(m, signames =
## FALSE), level = ...), as {rownames, colnames, values}; null when profile() failed),
## theta, minus2logLik, profile_seconds, warnings, error (profile()'s error message, or null).
## lme4's profile of the random-slope model stops with "profiling detected new, lower
## deviance" (its fit is singular, slope SD 1.8e-5): no intervals there.

sdir <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f) == 1L) dirname(normalizePath(f)) else getwd()
})
source(file.path(sdir, "helpers.R"))
out <- dirname(sdir)

sd <- read.csv(file.path(out, "seed_data.csv"))
ar <- read.csv(file.path(out, "article_data.csv"))
cr <- read.csv(file.path(out, "links_crossed.csv"))
sl <- read.csv(file.path(out, "links_slopes.csv"))
cb <- read.csv(file.path(out, "cbpp.csv"))
cb$herd <- factor(cb$herd, levels = 1:15)
cb$period <- factor(cb$period, levels = 1:4)
cb$obs <- factor(seq_len(nrow(cb)))
datas <- list(seed = sd, article = ar, cbpp = cb, crossed = cr, slopes = sl)

cases <- list(
  list(name = "seed_m", data = "seed", formula = "y ~ trt * sex + (1 | id)"),
  list(name = "seed_m2", data = "seed", formula = "y ~ trt + sex + (1 | id)"),
  list(name = "article_m2", data = "article", formula = "y ~ trt + sex + (1 | id)"),
  list(name = "cbpp", data = "cbpp", formula = "cbind(incidence, size - incidence) ~ period + (1 | herd)"),
  list(name = "cbpp_obs", data = "cbpp",
       formula = "cbind(incidence, size - incidence) ~ period + (1 | herd) + (1 | obs)"),
  list(name = "crossed", data = "crossed", formula = "y ~ x + (1 | student) + (1 | item)"),
  list(name = "slopes", data = "slopes", formula = "y ~ trt * sex + x + (1 + x | id)")
)

res <- list()
for (cs in cases) {
  m <- glmer(as.formula(cs$formula), data = datas[[cs$data]], family = binomial)
  t0 <- proc.time()[["elapsed"]]
  cap <- capture_all(profile(m, signames = FALSE))
  el <- proc.time()[["elapsed"]] - t0
  pp <- cap$value
  ok <- is.null(cap$error)
  res[[cs$name]] <- list(name = cs$name, data = cs$data, formula = cs$formula,
                         theta = named(getME(m, "theta")), minus2logLik = -2 * as.numeric(logLik(m)),
                         confint_95 = if (ok) mat(confint(pp, level = 0.95)),
                         confint_90 = if (ok) mat(confint(pp, level = 0.90)),
                         profile_seconds = el, warnings = I(cap$warnings), error = cap$error)
  cat(cs$name, el, "s\n")
}
res$session <- list(R = R.version.string, lme4 = as.character(packageVersion("lme4")))
write_json_file(res, file.path(out, "profile_accuracy.json"))

## weights.R -- lme4 1.1-31 fits whose prior weights are not all 1 or all numbers of trials.
## Run from any directory:  Rscript weights.R    (writes ../weights_data.csv, ../weights_cases.json; 2 s)
##
## Two things R does with prior weights that the other references do not show:
## * the log-likelihood's constant (R's binomial()$aic): for cbind(k, n - k) with weights = w it
##   is sum(w * lchoose(n, k)), not sum(lchoose(w * n, w * k)); logLik, AIC, BIC and the
##   deviance include it (the estimates do not depend on it);
## * a row of weight 0 has y = 0 in the fit (binomial()$initialize), which its response and
##   working residuals show.
## The data (36 rows, 12 groups) are made here with set.seed(2026).

sdir <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f) == 1L) dirname(normalizePath(f)) else getwd()
})
source(file.path(sdir, "helpers.R"))
out <- dirname(sdir)

set.seed(2026)
g <- rep(sprintf("g%02d", 1:12), each = 3)
x <- round(seq(-1.5, 1.5, length.out = 36), 3)
n <- sample(2:8, 36, replace = TRUE)
k <- rbinom(36, n, plogis(-0.3 + 0.8 * x + rnorm(12, sd = 0.7)[as.integer(factor(g))]))
w <- rep(1:3, 12)
w0 <- ifelse(seq_len(36) %% 5 == 0, 0, n)        # trials, with every fifth row weighted 0
d <- data.frame(g = g, x = x, k = k, n = n, w = w, w0 = w0, prop = k / n)
write.csv(d, file.path(out, "weights_data.csv"), row.names = FALSE)

cases <- list(
  list(name = "cbind_weights", formula = "cbind(k, n - k) ~ x + (1 | g)", weights = "w", nAGQ = 1L),
  list(name = "cbind_weights_agq5", formula = "cbind(k, n - k) ~ x + (1 | g)", weights = "w", nAGQ = 5L),
  list(name = "cbind", formula = "cbind(k, n - k) ~ x + (1 | g)", weights = NULL, nAGQ = 1L),
  list(name = "proportion_zero_weights", formula = "prop ~ x + (1 | g)", weights = "w0", nAGQ = 1L)
)
res <- list()
for (cs in cases) {
  wts <- if (is.null(cs$weights)) NULL else d[[cs$weights]]
  m <- glmer(as.formula(cs$formula), data = d, family = binomial, weights = wts, nAGQ = cs$nAGQ)
  ll <- logLik(m)
  res[[cs$name]] <- list(
    formula = cs$formula, weights = if (is.null(cs$weights)) NA else cs$weights, nAGQ = cs$nAGQ,
    fixef = fixef(m), theta = getME(m, "theta"),
    logLik = as.numeric(ll), AIC = AIC(m), BIC = BIC(m),
    deviance_summary = unname(summary(m)$AICtab[["deviance"]]),
    resid_response = I(unname(residuals(m, "response"))),
    resid_working = I(unname(residuals(m, "working"))),
    resid_pearson = I(unname(residuals(m, "pearson"))),
    resid_deviance = I(unname(residuals(m, "deviance")))
  )
}
write_json_file(res, file.path(out, "weights_cases.json"))
cat("wrote weights_data.csv and weights_cases.json\n")

## emmeans_offset_tukey.R -- reference numbers for two emmeans behaviours glmmlite follows:
## (1) an offset in the reference grid: emmeans 1.8 averages the model's offset over the fitted
##     rows (model.offset(model.frame), formula offset() terms and glmer's offset= together) and
##     adds that mean to every cell; (2) pairs()' default Tukey adjustment with df = Inf
##     (ptukey / qtukey), with and without by=, for 3, 4 and 6 means, and emmeans' fall-back from
##     "tukey" to "sidak" for custom contrasts.
## Writes ../emmeans_offset_data.csv (the simulated data, drawn here with set.seed) and
## ../emmeans_offset_tukey.json.   cd tests/lme4/r && Rscript emmeans_offset_tukey.R  (a few s)
suppressPackageStartupMessages({ library(lme4); library(emmeans); library(jsonlite) })
a <- commandArgs(trailingOnly = FALSE)
f <- sub("^--file=", "", a[grep("^--file=", a)])
here <- if (length(f) == 1L) dirname(normalizePath(f)) else getwd()

## ---- the data: 30 groups x (f: 3 levels) x (h: 4 levels), binomial counts with an exposure
set.seed(20240612)
G <- 30
d <- expand.grid(f = c("a", "b", "c"), h = c("h1", "h2", "h3", "h4"), g = seq_len(G),
                 stringsAsFactors = FALSE)[, c("g", "f", "h")]
N <- nrow(d)
d$n <- sample(3:20, N, replace = TRUE)
d$expo <- round(runif(N, 0.2, 3), 3)                       # exposure: offset(log(expo))
d$shift <- round(runif(N, -0.5, 0.5), 3)                   # a second offset, given as offset=
d$x <- round(rnorm(N), 3)
u <- rnorm(G, 0, 0.6)
eta <- -1.2 + c(a = 0, b = 0.15, c = 0.35)[d$f] + c(h1 = 0, h2 = -0.1, h3 = 0.1, h4 = 0.2)[d$h] +
  0.3 * d$x + log(d$expo) + u[d$g]
d$y <- rbinom(N, d$n, plogis(eta))
csv <- file.path(here, "..", "emmeans_offset_data.csv")
write.csv(d, csv, row.names = FALSE, quote = FALSE)
d <- read.csv(csv)                                          # fit exactly what the CSV holds
d$g <- factor(d$g); d$f <- factor(d$f); d$h <- factor(d$h)

fam <- binomial
mo <- glmer(cbind(y, n - y) ~ f * h + x + offset(log(expo)) + (1 | g), data = d, family = fam)
mo_arg <- glmer(cbind(y, n - y) ~ f * h + x + (1 | g), offset = log(expo), data = d, family = fam)
mo_both <- glmer(cbind(y, n - y) ~ f + h + x + offset(log(expo)) + (1 | g), offset = shift, data = d,
                 family = fam)
mo_none <- glmer(cbind(y, n - y) ~ f * h + x + (1 | g), data = d, family = fam)

tab <- function(x) suppressMessages(as.data.frame(x))   # (the "involvement in interactions" note)
both <- function(x) merge(tab(x), as.data.frame(confint(x)), sort = FALSE)
fit <- function(m) list(fixef = as.list(fixef(m)), theta = unname(getME(m, "theta")),
                        vcov = unname(as.matrix(vcov(m))))
out <- list(
  session = paste(R.version.string, "lme4", packageVersion("lme4"), "emmeans", packageVersion("emmeans")),
  mean_offset = list(log_expo = mean(log(d$expo)), log_mean_expo = log(mean(d$expo)),
                     log_expo_plus_shift = mean(log(d$expo) + d$shift),
                     grid_offset = ref_grid(mo)@grid[[".offset."]][1],
                     grid_offset_both = ref_grid(mo_both)@grid[[".offset."]][1]),
  fits = list(mo = fit(mo), mo_arg = fit(mo_arg), mo_both = fit(mo_both), mo_none = fit(mo_none)),
  ## offset models: marginal means
  emm_f_link = tab(emmeans(mo, ~ f)),
  emm_f_resp = tab(emmeans(mo, ~ f, type = "response")),
  emm_fh_resp = tab(emmeans(mo, ~ f | h, type = "response")),
  emm_f_at_x = tab(emmeans(mo, ~ f, at = list(x = 1))),
  emm_f_at_expo = tab(emmeans(mo, ~ f, at = list(expo = 2))),      # emmeans ignores it: .offset. stays the mean
  emm_f_offset0 = tab(emmeans(mo, ~ f, offset = 0)),
  emm_f_offset1 = tab(emmeans(mo, ~ f, offset = log(2))),
  emm_arg_link = tab(emmeans(mo_arg, ~ f)),
  emm_arg_resp = tab(emmeans(mo_arg, ~ f, type = "response")),
  emm_both_link = tab(emmeans(mo_both, ~ h)),
  emm_none_link = tab(emmeans(mo_none, ~ f)),
  ## Tukey (pairs' default), df = Inf
  pairs_f_link = both(pairs(emmeans(mo, ~ f))),                                  # 3 means
  pairs_f_resp = both(pairs(emmeans(mo, ~ f, type = "response"))),
  pairs_arg_link = both(pairs(emmeans(mo_arg, ~ f))),
  pairs_f_by_h = both(pairs(emmeans(mo, ~ f | h, type = "response"))),           # 3 means per h
  pairs_h_by_f = both(pairs(emmeans(mo, ~ h | f))),                              # 4 means per f
  pairs_h_rev = both(pairs(emmeans(mo, ~ h), reverse = TRUE)),                    # 4 means
  pairs_fh = both(pairs(emmeans(mo, ~ f * h))),                                  # 12 means
  diff_f_by_h = both(pairs(regrid(emmeans(mo, ~ f | h, type = "response")))),    # offset matters here
  pairs_f_sidak = both(pairs(emmeans(mo, ~ f), adjust = "sidak"))
)
## cbpp, 4 periods
cb <- read.csv(file.path(here, "..", "cbpp.csv")); cb$herd <- factor(cb$herd); cb$period <- factor(cb$period)
gm <- glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), data = cb, family = binomial)
e <- emmeans(gm, ~ period, type = "response")
cw <- list(p1_vs_p2 = c(1, -1, 0, 0), early_vs_late = c(1, 1, -1, -1) / 2)
note <- NULL                                  # emmeans' note, given when the contrasts are summarized
custom_tukey <- withCallingHandlers(both(contrast(e, cw, adjust = "tukey")),
                                    message = function(msg) { note <<- c(note, conditionMessage(msg))
                                                              invokeRestart("muffleMessage") })
out$cbpp <- list(
  fit = fit(gm),
  pairs_resp = both(pairs(e)),
  pairs_link = both(pairs(emmeans(gm, ~ period))),
  revpairs = both(contrast(e, "revpairwise")),
  custom_default = both(contrast(e, cw)),
  custom_tukey = custom_tukey, custom_tukey_note = unique(note),
  adjust_custom_default = contrast(e, cw)@misc$adjust
)
## the distribution itself: 1 - ptukey(q, k, Inf) and qtukey(level, k, Inf)
q <- c(0.01, 0.1, 0.5, 1, 2, 2.5, 3, 3.5, 4, 5, 6, 7)
out$ptukey <- list(q = q, k = 2:10, upper = lapply(2:10, function(k) ptukey(q, k, Inf, lower.tail = FALSE)))
lv <- c(0.5, 0.9, 0.95, 0.99, 0.999)
out$qtukey <- list(level = lv, k = 2:10, q = lapply(2:10, function(k) qtukey(lv, k, Inf)))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, dataframe = "columns", matrix = "rowmajor", pretty = TRUE),
           file.path(here, "..", "emmeans_offset_tukey.json"))
cat("wrote", file.path(here, "..", "emmeans_offset_tukey.json"), "\n")

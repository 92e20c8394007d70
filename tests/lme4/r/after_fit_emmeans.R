## after_fit_emmeans.R -- reference numbers for glmmlite's after-the-fit tools (issue 11):
## predictions with delta-method standard errors (computed here from vcov(m) and the
## conditional variances, since lme4 1.1-31 has no se.fit), emmeans marginal means,
## pairwise contrasts, odds ratios, bias-adjusted (population-averaged) probabilities,
## p-value adjustments.  Writes ../after_fit_emmeans.json (next to this folder).
##   cd tests/lme4/r && Rscript after_fit_emmeans.R
suppressPackageStartupMessages({ library(lme4); library(emmeans); library(jsonlite) })
a <- commandArgs(trailingOnly = FALSE)
f <- sub("^--file=", "", a[grep("^--file=", a)])
here <- if (length(f) == 1L) dirname(normalizePath(f)) else getwd()
d <- read.csv(file.path(here, "..", "article_data.csv"))
d$trt <- factor(d$trt); d$sex <- factor(d$sex); d$id <- factor(d$id)
m <- glmer(y ~ trt * sex + (1 | id), data = d, family = binomial)
V <- as.matrix(vcov(m))
sd_id <- attr(VarCorr(m)$id, "stddev")[[1]]

## ---- predictions: population level and conditional, delta method
nd <- data.frame(trt = c("control", "treat", "control", "treat", "treat", "control"),
                 sex = c("female", "female", "male", "male", "male", "female"),
                 id = c("1", "2", "3", "4", "5", "250"))
nd$trt <- factor(nd$trt, levels(d$trt)); nd$sex <- factor(nd$sex, levels(d$sex))
X <- model.matrix(~ trt * sex, nd)
eta0 <- drop(X %*% fixef(m))
se0 <- sqrt(rowSums((X %*% V) * X))
re <- ranef(m, condVar = TRUE)$id
cv <- attr(re, "postVar")[1, 1, ]
bi <- re[as.character(nd$id), 1]
cvi <- cv[match(as.character(nd$id), rownames(re))]
eta1 <- eta0 + bi
se1 <- sqrt(se0^2 + cvi)
stopifnot(all(abs(eta1 - predict(m, nd)) < 1e-10), all(abs(eta0 - predict(m, nd, re.form = NA)) < 1e-10))
z <- qnorm(0.975)
pred <- list(newdata = nd, fixef = as.list(fixef(m)), vcov = V, sd_id = sd_id,
             pop = list(eta = eta0, se = se0, prob = plogis(eta0), se_prob = dlogis(eta0) * se0,
                        lower = plogis(eta0 - z * se0), upper = plogis(eta0 + z * se0)),
             cond = list(eta = eta1, se = se1, prob = plogis(eta1), se_prob = dlogis(eta1) * se1,
                         lower = plogis(eta1 - z * se1), upper = plogis(eta1 + z * se1)))

## ---- emmeans
tab <- function(x) as.data.frame(x)
ci <- function(x, ...) as.data.frame(confint(x, ...))
e_cells <- emmeans(m, ~ trt * sex, type = "response")
e_by <- emmeans(m, ~ trt | sex, type = "response")
e_trt <- suppressMessages(emmeans(m, ~ trt, type = "response"))
e_bias <- emmeans(m, ~ trt * sex, type = "response", bias.adj = TRUE, sigma = sd_id)
e_link <- emmeans(m, ~ trt * sex)
out <- list(
  session = paste(R.version.string, "lme4", packageVersion("lme4"), "emmeans", packageVersion("emmeans")),
  predict = pred,
  emm_cells = tab(e_cells), emm_by = tab(e_by), emm_trt = tab(e_trt), emm_bias = tab(e_bias),
  emm_link = tab(e_link),
  pairs_by_none = merge(tab(pairs(e_by, adjust = "none")), ci(pairs(e_by, adjust = "none"))),
  pairs_by_rev = merge(tab(pairs(e_by, adjust = "none", reverse = TRUE)), ci(pairs(e_by, adjust = "none", reverse = TRUE))),
  pairs_cells_none = merge(tab(pairs(e_cells, adjust = "none")), ci(pairs(e_cells, adjust = "none")), sort = FALSE),
  pairs_cells_holm = merge(tab(pairs(e_cells, adjust = "holm")), ci(pairs(e_cells, adjust = "holm")), sort = FALSE),
  pairs_cells_bonf = merge(tab(pairs(e_cells, adjust = "bonferroni")), ci(pairs(e_cells, adjust = "bonferroni")), sort = FALSE),
  pairs_link_holm = merge(tab(pairs(e_link, adjust = "holm")), ci(pairs(e_link, adjust = "holm")), sort = FALSE),
  diff_by = { r <- regrid(e_by); merge(tab(pairs(r, adjust = "none")), ci(pairs(r, adjust = "none"))) },
  diff_cells_bonf = { r <- regrid(e_cells); merge(tab(pairs(r, adjust = "bonferroni")), ci(pairs(r, adjust = "bonferroni")), sort = FALSE) }
)
## ---- tidy / coef / ICC (formulas computed in R: broom.mixed and performance are not in Debian 12)
cs <- coef(summary(m))
out$tidy_fixed <- list(term = rownames(cs), estimate = unname(cs[, 1]), std.error = unname(cs[, 2]),
                       statistic = unname(cs[, 3]), p.value = unname(cs[, 4]),
                       wald = unname(confint(m, method = "Wald", parm = "beta_")),
                       exp_wald = unname(exp(confint(m, method = "Wald", parm = "beta_"))))
cf <- coef(m)$id
out$coef_id <- list(level = rownames(cf)[1:10], values = unname(as.matrix(cf[1:10, ])), names = colnames(cf))
out$icc <- sd_id^2 / (sd_id^2 + pi^2 / 3)
re_df <- as.data.frame(ranef(m, condVar = TRUE))
out$ranef_id <- list(level = as.character(re_df$grp[1:10]), condval = re_df$condval[1:10], condsd = re_df$condsd[1:10])

## ---- cbpp: a larger SD, where bias.adj visibly moves the probabilities
cb <- read.csv(file.path(here, "..", "cbpp.csv")); cb$herd <- factor(cb$herd); cb$period <- factor(cb$period)
gm <- glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), data = cb, family = binomial)
sd_herd <- attr(VarCorr(gm)$herd, "stddev")[[1]]
out$cbpp <- list(fixef = as.list(fixef(gm)), sd_herd = sd_herd,
                 emm = tab(emmeans(gm, ~ period, type = "response")),
                 emm_bias = tab(emmeans(gm, ~ period, type = "response", bias.adj = TRUE, sigma = sd_herd)),
                 pairs_holm = merge(tab(pairs(emmeans(gm, ~ period, type = "response"), adjust = "holm")),
                                    ci(pairs(emmeans(gm, ~ period, type = "response"), adjust = "holm")), sort = FALSE))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, dataframe = "columns", matrix = "rowmajor", pretty = TRUE),
           file.path(here, "..", "after_fit_emmeans.json"))
cat("wrote", file.path(here, "..", "after_fit_emmeans.json"), "\n")

## ch03.R -- chapter 3, fitting y ~ trt * sex + (1|id).

## ---- data
library(lme4)
source("data-probability.R")  # chapter 2's draws (set.seed(1), coin flip too)

## ---- fit
m <- glmer(y ~ trt * sex + (1 | id), data = d, family = binomial)
summary(m, corr = FALSE)

## ---- criteria
k <- attr(logLik(m), "df")        # 4 fixed effects + 1 random-effect SD
ll <- as.numeric(logLik(m))
round(c("-2 logLik" = -2 * ll, "AIC by hand" = -2 * ll + 2 * k,
        "BIC by hand" = -2 * ll + log(nobs(m)) * k,
        AIC = AIC(m), BIC = BIC(m)), 2)

## ---- residuals
quantile(residuals(m, type = "pearson", scaled = TRUE))

## ---- varcorr
as.data.frame(VarCorr(m))
getME(m, "theta")

## ---- fixef
coef(summary(m))

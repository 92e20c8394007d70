## ch06.R -- chapter 6, the random effect.

## ---- data
library(lme4)
source("data-probability.R")  # chapter 2's draws (set.seed(1), coin flip too)
m <- glmer(y ~ trt * sex + (1 | id), data = d, family = binomial)

## ---- sd
VarCorr(m)

## ---- sd-logit
p_fixed <- c("female control" = 0.40, "female treat" = 0.85,
             "male control" = 0.30, "male treat" = 0.50)
round(0.03 / (p_fixed * (1 - p_fixed)), 3)

## ---- sd-ci
confint(m, parm = "theta_", oldNames = FALSE)

## ---- profile
library(lattice)
xyplot(profile(m, which = "theta_"))

## ---- caterpillar
# confint() and profile() leave m's conditional modes at 0 (lme4 1.1-31):
# fit m again
m <- glmer(y ~ trt * sex + (1 | id), data = d, family = binomial)
# 250 students: no y labels (they would overprint)
dotplot(ranef(m, condVar = TRUE),
        scales = list(y = list(draw = FALSE)))[["id"]]

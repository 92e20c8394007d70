## ch05.R -- chapter 5, odds ratios and their confidence intervals.

## ---- data
library(lme4)
source("data-probability.R")  # chapter 2's draws (set.seed(1), coin flip too)
m <- glmer(y ~ trt * sex + (1 | id), data = d, family = binomial)

## ---- odds-ratio
exp(fixef(m)[["trttreat"]])

## ---- odds-ratio-ci
exp(confint(m, parm = "trttreat"))

## ---- rare
odds <- function(p) p / (1 - p)
odds(0.009) / odds(0.001)

## ---- table
nd <- data.frame(sex = c("female", "female", "male", "male"),
                 trt = c("control", "treat", "control", "treat"))
p <- predict(m, newdata = nd, type = "response", re.form = NA)
b <- fixef(m)
or_men <- b[["trttreat"]] + b[["trttreat:sexmale"]]
round(data.frame("P(control)" = p[c(1, 3)], "P(treat)" = p[c(2, 4)],
                 difference = p[c(2, 4)] - p[c(1, 3)],
                 "odds ratio" = exp(c(b[["trttreat"]], or_men)),
                 row.names = c("female", "male"), check.names = FALSE), 3)

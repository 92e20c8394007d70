## ch04.R -- chapter 4, from log-odds to probabilities.

## ---- data
library(lme4)
source("data-probability.R")  # chapter 2's draws (set.seed(1), coin flip too)
m <- glmer(y ~ trt * sex + (1 | id), data = d, family = binomial)
b <- fixef(m)
b

## ---- by-hand
# (the article types in the rounded estimates; fixef(m) gives them in full)
eta <- c("female, control" = b[["(Intercept)"]],
         "female, treat"   = b[["(Intercept)"]] + b[["trttreat"]],
         "male, control"   = b[["(Intercept)"]] + b[["sexmale"]],
         "male, treat"     = sum(b))
cbind("log-odds" = eta, probability = plogis(eta))

## ---- predict
nd <- data.frame(sex = c("female", "female", "male", "male"),
                 trt = c("control", "treat", "control", "treat"))
predict(m, newdata = nd, type = "response", re.form = NA)

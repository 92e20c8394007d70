## ch09.R -- chapter 9, the wrong model.

## ---- data
library(lme4)
library(ggplot2)
source("data-probability.R")  # chapter 2's draws (set.seed(1), coin flip too)
source("data-logit.R")        # chapter 7's d$p2, d$y2: the same session goes on
m <- glmer(y ~ trt * sex + (1 | id), data = d, family = binomial)
sim <- simulate(m, nsim = 100)  # chapter 8's draws; the session goes on
obs <- aggregate(d$y, by = list(trt = d$trt, sex = d$sex), FUN = mean)

## ---- ch8-plot
by_group <- list(trt = d$trt, sex = d$sex)
s_df <- do.call(rbind, lapply(sim, function(y)
  aggregate(y, by = by_group, FUN = mean)))
ggplot() +   # chapter 8's plot; printing it draws geom_jitter's seed from the stream
  geom_point(aes(y = x, x = trt), data = obs, size = 4, color = "blue") +
  geom_jitter(aes(y = x, x = trt), data = s_df,
              width = 0.2, height = 0, shape = 1, alpha = 1/2) +
  facet_wrap(~sex) +
  labs(x = "Treatment", y = "Predicted Probability",
       title = "Model with interaction")

## ---- simulate-m2
m2 <- glmer(y ~ trt + sex + (1 | id), data = d, family = binomial)
sim2 <- simulate(m2, nsim = 100)
sim2[1:5, 1:6]

## ---- wrong-model
s_p2 <- lapply(sim2, function(y) aggregate(y, by = by_group, FUN = mean))
s_df2 <- do.call(rbind, s_p2)
ggplot() +
  geom_point(aes(y = x, x = trt), data = obs, size = 4, color = "blue") +
  geom_jitter(aes(y = x, x = trt), data = s_df2,
              width = 0.2, height = 0, shape = 1, alpha = 1/2) +
  facet_wrap(~sex) +
  labs(x = "Treatment", y = "Predicted Probability",
       title = "Wrong model: without interaction")

## ---- summary-m2
summary(m2)

## ---- anova
anova(m2, m)

## ---- chisq
chisq <- as.numeric(2 * (logLik(m) - logLik(m2)))
c(chisq = chisq, p = pchisq(chisq, df = 1, lower.tail = FALSE))

## ---- drop1
drop1(m, test = "Chisq")

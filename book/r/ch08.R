## ch08.R -- chapter 8, checking the model by simulation.

## ---- data
library(lme4)
library(ggplot2)
source("data-probability.R")  # chapter 2's draws (set.seed(1), coin flip too)
source("data-logit.R")        # chapter 7's d$p2, d$y2: the same session goes on
m <- glmer(y ~ trt * sex + (1 | id), data = d, family = binomial)

## ---- simulate
sim <- simulate(m, nsim = 100)
sim[1:5, 1:6]

## ---- observed
obs <- aggregate(d$y, by = list(trt = d$trt, sex = d$sex), FUN = mean)
obs

## ---- simulated-means
by_group <- list(trt = d$trt, sex = d$sex)
s_p <- lapply(sim, function(y) aggregate(y, by = by_group, FUN = mean))
s_df <- do.call(rbind, s_p)
head(s_df)

## ---- plot
ggplot() +
  geom_point(aes(y = x, x = trt), data = obs, size = 4, color = "blue") +
  geom_jitter(aes(y = x, x = trt), data = s_df,
              width = 0.2, height = 0, shape = 1, alpha = 1/2) +
  facet_wrap(~sex) +
  labs(x = "Treatment", y = "Predicted Probability",
       title = "Model with interaction")

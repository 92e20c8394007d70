## ch07.R -- chapter 7, simulating on the logit scale (the same R session goes on after y).

## ---- coefs
b0 <- qlogis(0.40)
b_trt <- qlogis(0.85) - qlogis(0.40)
b_male <- qlogis(0.30) - qlogis(0.40)
b_int <- (qlogis(0.50) - qlogis(0.30)) - b_trt
round(c(b0 = b0, b_trt = b_trt, b_male = b_male, b_int = b_int), 7)

## ---- replay
library(lme4)
source("data-probability.R")  # chapter 2's draws: the stream is now after y

## ---- outcome2
d$p2 <- plogis(-0.4054651 + 2.140066 * (d$trt == "treat") -
                 0.4418328 * (d$sex == "male") -
                 1.292768 * (d$trt == "treat") * (d$sex == "male") +
                 rnorm(n = n, mean = 0, sd = 0.03)[d$id])
d$y2 <- rbinom(n = nrow(d), size = 1, prob = d$p2)
head(d)

## ---- fit-y2
m_y2 <- glmer(y2 ~ trt * sex + (1 | id), data = d, family = binomial)
truth <- c(b0, b_trt, b_male, b_int)
est <- fixef(m_y2)
se <- sqrt(diag(vcov(m_y2)))
round(cbind("used to simulate" = truth, estimate = est, "std. error" = se,
            "z (estimate - truth)" = (est - truth) / se), 3)

## data-logit.R -- chapter 7's step, sourced by the later chapters' scripts after
## data-probability.R: the logit-scale outcome y2, drawn next in the same R session.
eta2 <- -0.4054651 + 2.140066 * (d$trt == "treat") - 0.4418328 * (d$sex == "male") -
  1.292768 * (d$trt == "treat") * (d$sex == "male")
u2 <- rnorm(n = n, mean = 0, sd = 0.03)
d$p2 <- plogis(eta2 + u2[d$id])
d$y2 <- rbinom(n = nrow(d), size = 1, prob = d$p2)

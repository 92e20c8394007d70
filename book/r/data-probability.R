## data-probability.R -- chapter 2's steps in one script, sourced by the later chapters'
## scripts: set.seed(1), then trt and sex, the article's coin flip, p and y, in the order the
## article's code draws them in one R session. (Python: gl.simulate_article_data(seed=1,
## stream="r", scale="probability"), or with an RStream as seed to continue the stream.)
n <- 250
d <- expand.grid(id = seq_len(n), day = 1:14)
set.seed(1)
trt <- sample(c("control", "treat"), size = n, replace = TRUE)
sex <- sample(c("female", "male"), size = n, replace = TRUE)
d$trt <- trt[d$id]
d$sex <- sex[d$id]
d <- d[order(d$id, d$day), ]
rownames(d) <- NULL
coin_flip <- rbinom(n = 5, size = 1, prob = 0.5)          # the article prints it: 1 1 1 1 0
probs <- c(control.female = 0.40, treat.female = 0.85,
           control.male = 0.30, treat.male = 0.50)
d$p <- unname(probs[paste(d$trt, d$sex, sep = ".")])
r_probs <- rnorm(n = n, mean = 0, sd = 0.03)
d$p <- d$p + r_probs[d$id]
d$y <- rbinom(n = nrow(d), size = 1, prob = d$p)

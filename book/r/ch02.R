## ch02.R -- chapter 2, simulating the data on the probability scale (the article's steps).
## Run: Rscript ch02.R, or bash run_all.sh ch02 to store the output of each chunk in out/ch02/.

## ---- students
n <- 250
d <- expand.grid(id = seq_len(n), day = 1:14)
dim(d)

## ---- trt-sex
set.seed(1)
trt <- sample(c("control", "treat"), size = n, replace = TRUE)
sex <- sample(c("female", "male"), size = n, replace = TRUE)
d$trt <- trt[d$id]
d$sex <- sex[d$id]
d <- d[order(d$id, d$day), ]
rownames(d) <- NULL
head(d, n = 15)

## ---- groups
addmargins(table(sex, trt))

## ---- coin-flip
rbinom(n = 5, size = 1, prob = 0.5)

## ---- probs
probs <- c(control.female = 0.40, treat.female = 0.85,
           control.male = 0.30, treat.male = 0.50)
d$p <- unname(probs[paste(d$trt, d$sex, sep = ".")])

## ---- random-effects
r_probs <- rnorm(n = n, mean = 0, sd = 0.03)
d$random_p <- r_probs[d$id]
d$p <- d$p + d$random_p

## ---- outcomes
d$y <- rbinom(n = nrow(d), size = 1, prob = d$p)
head(d[c("id", "day", "trt", "sex", "p", "y")])

## ---- subject5
head(d[d$id == 5, c("id", "day", "trt", "sex", "p", "y")])

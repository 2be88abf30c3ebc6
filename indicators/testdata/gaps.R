# Reference gaps between groups (indicators.md, "Gaps between groups"),
# computed with R's survey package (Debian r-cran-survey) from the same
# units.csv and indicators.csv as reference.R, written to gaps.csv here:
#
#   Rscript indicators/testdata/gaps.R
#
# For each indicator and each pair (dimension, a, b) below: the design on
# all rows of the indicator's unit type with the indicator's weight,
# subset() to the population with code a or b (subset keeps the full
# design), then
#   svyby(~y, ~g, denominator = ~x, design, svyratio, covmat = TRUE)
#   svycontrast(by, c(1, -1))            # R_a - R_b with Var a + Var b - 2 Cov
#   confint(contrast, df = degf(full design))
# A pair where a code has no unit of the population is absent; where
# either cell has fewer than 25 units it is suppressed (figures NA);
# fewer than 50 in either: low_reliability. significant = the interval
# excludes 0.
suppressMessages(library(survey))
options(survey.lonely.psu = "adjust")

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grepl("^--file=", args)])
dir <- if (length(file_arg)) dirname(file_arg) else "."

pairs <- list(c("MIGRATORY_STATUS", "FB_NCIT", "NB_NM"),
              c("MIGRATORY_STATUS", "NB_RET", "NB_NM"),
              c("SEX", "F", "M"),
              c("HH_MIG_STATUS", "H_EMIG", "H_NONE"))
person_only <- c("AGE", "MIGRATORY_STATUS", "DISABILITY_STATUS")
dims <- c("SEX", "AGE", "MIGRATORY_STATUS", "HH_MIG_STATUS", "URBANISATION",
          "REGION", "DISABILITY_STATUS")

cls <- c(id = "character", type = "character", stratum = "character", psu = "integer")
cls[dims] <- "character"
units <- read.csv(file.path(dir, "units.csv"), colClasses = cls, na.strings = "")
inds <- read.csv(file.path(dir, "indicators.csv"), colClasses = "character")

num <- function(v) { v <- as.vector(v); if (is.na(v)) "NA" else sprintf("%.17g", v) }

t0 <- proc.time()
out <- list()
for (k in seq_len(nrow(inds))) {
  ind <- inds[k, ]
  scale <- as.numeric(ind$scale)
  d <- units[units$type == ind$unit, ]
  d$w <- d[[paste0("w_", ind$id)]]
  d$y <- d[[paste0("y_", ind$id)]]
  d$x <- d[[paste0("x_", ind$id)]]
  pop <- d[[paste0("in_", ind$id)]] == 1
  for (p in pairs) {
    dim <- p[1]; a <- p[2]; b <- p[3]
    if (ind$unit == "H" && dim %in% person_only) next
    code <- d[[dim]]
    na <- sum(pop & !is.na(code) & code == a)
    nb <- sum(pop & !is.na(code) & code == b)
    if (na == 0 || nb == 0) next
    d$g <- factor(ifelse(!is.na(code) & code %in% c(a, b), code, NA), levels = c(a, b))
    des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)
    df <- degf(des)
    flag <- if (na < 25 || nb < 25) "suppressed" else if (na < 50 || nb < 50) "low_reliability" else ""
    r <- list(est = NA, se = NA, lo = NA, hi = NA, sig = "NA")
    if (flag != "suppressed") {
      sub <- subset(des, pop & !is.na(g))
      by <- svyby(~y, ~g, denominator = ~x, design = sub, FUN = svyratio, covmat = TRUE)
      con <- svycontrast(by, c(1, -1))
      ci <- confint(con, df = df)
      r$est <- coef(con) * scale
      r$se <- SE(con) * scale
      r$lo <- ci[1] * scale
      r$hi <- ci[2] * scale
      r$sig <- if (ci[1] > 0 || ci[2] < 0) "true" else "false"
    }
    out[[length(out) + 1]] <- data.frame(
      indicator = ind$id, dimension = dim, a = a, b = b, estimate = num(r$est), se = num(r$se),
      ci_low = num(r$lo), ci_high = num(r$hi), df = df, significant = r$sig,
      n_a = na, n_b = nb, flag = flag)
  }
}
res <- do.call(rbind, out)
elapsed <- (proc.time() - t0)[["elapsed"]]
write.csv(res, file.path(dir, "gaps.csv"), row.names = FALSE, quote = FALSE)
message(sprintf("%d gaps (%d suppressed, %d significant) in %.1f s",
                nrow(res), sum(res$flag == "suppressed"), sum(res$significant == "true"), elapsed))

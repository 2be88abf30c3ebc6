# Reference estimates for the estimate package, computed with R's survey
# package (Debian r-cran-survey). Reads units.csv and indicators.csv from
# this directory and writes reference.csv next to them:
#
#   Rscript estimate/testdata/reference.R
#
# For each indicator, breakdown ("by") and cell: the design is built on all
# rows of the indicator's unit type (households or persons) with the
# indicator's weight, subset() to population ∩ cell, and estimated with
# svyciprop(method = "logit") / svymean / svyratio, interval on degf() of
# the subset design. Then the publication rules of indicators.md, which R
# does not know, are applied and checked:
#   - n < 25: suppressed, estimate/se/interval NA; 25-49: low_reliability;
#   - df 0: interval NA; se 0 when one PSU holds the cell (R gives 0 up to
#     rounding, asserted), else R's se (strata holding one PSU each);
#   - a proportion of exactly 0 or 1: interval [p, p] (svyciprop's glm
#     would diverge there); se is R's svymean se (0);
#   - df 1 proportions: svyciprop's own interval is [0, NaN] (see below),
#     so the logit interval is computed from its glm directly.
suppressMessages(library(survey))
options(survey.lonely.psu = "adjust")

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grepl("^--file=", args)])
dir <- if (length(file_arg)) dirname(file_arg) else "."

dims <- c("SEX", "AGE", "MIGRATORY_STATUS", "HH_MIG_STATUS", "URBANISATION",
          "REGION", "DISABILITY_STATUS")
person_only <- c("AGE", "MIGRATORY_STATUS", "DISABILITY_STATUS")
bys <- c(list(character(0)), as.list(dims),
         list(c("SEX", "MIGRATORY_STATUS"), c("SEX", "AGE"),
              c("URBANISATION", "REGION"), c("HH_MIG_STATUS", "DISABILITY_STATUS"),
              c("SEX", "URBANISATION")))

cls <- c(id = "character", type = "character", stratum = "character", psu = "integer")
cls[dims] <- "character"
units <- read.csv(file.path(dir, "units.csv"), colClasses = cls, na.strings = "")
inds <- read.csv(file.path(dir, "indicators.csv"), colClasses = "character")

# cells lists every cell of a breakdown present in the population: each
# combination of codes and _T margins, as label "c1|c2" ("_T" for none).
cells <- function(d, pop, by, unit) {
  if (length(by) == 0) return(list(list(label = "_T", sel = pop)))
  codes <- lapply(by, function(dim)
    if (unit == "H" && dim %in% person_only) rep("_T", nrow(d)) else d[[dim]])
  keep <- as.matrix(expand.grid(rep(list(c(TRUE, FALSE)), length(by))))
  labels <- character(0)
  for (i in seq_len(nrow(keep))) {
    parts <- lapply(seq_along(by), function(j)
      if (keep[i, j]) codes[[j]][pop] else rep("_T", sum(pop)))
    labels <- c(labels, do.call(paste, c(parts, sep = "|")))
  }
  labels <- sort(unique(labels), method = "radix")
  lapply(labels, function(l) {
    cs <- strsplit(l, "|", fixed = TRUE)[[1]]
    sel <- pop
    for (j in seq_along(by)) if (cs[j] != "_T") sel <- sel & codes[[j]] == cs[j]
    list(label = l, sel = sel)
  })
}

estimate_cell <- function(des, d, sel, kind, scale) {
  n <- sum(sel)
  r <- list(n = n, nw = sum(d$w[sel] * d$x[sel]), est = NA, se = NA, lo = NA, hi = NA,
            flag = if (n < 25) "suppressed" else if (n < 50) "low_reliability" else "")
  sub <- subset(des, sel)
  r$df <- degf(sub)
  if (n < 25) return(r)
  ci <- c(NA, NA)
  if (kind == "proportion") {
    ys <- d$y[sel]
    if (all(ys == 0) || all(ys == 1)) {
      est <- ys[1]
      se <- SE(svymean(~y, sub))
      ci <- c(est, est)
    } else {
      p <- suppressWarnings(svyciprop(~y, sub, method = "logit"))
      est <- coef(p)
      se <- SE(p)
      ci <- confint(p)
      if (r$df == 1) {
        # svyciprop turns the t quantile into a normal level,
        # 1 - 2 pnorm(qt(0.025, 1)), which rounds to 1: its interval is
        # [0, NaN]. The same logit interval, straight from the same glm:
        m <- suppressWarnings(svyglm(y ~ 1, sub, family = quasibinomial))
        ci <- plogis(coef(m) + c(-1, 1) * qt(0.975, 1) * SE(m))
      }
    }
  } else if (kind == "ratio") {
    s <- svyratio(~y, ~x, sub)
    est <- coef(s)
    se <- SE(s)
    ci <- confint(s, df = r$df)
  } else { # mean, rate
    s <- svymean(~y, sub)
    est <- coef(s)
    se <- SE(s)
    ci <- confint(s, df = r$df)
  }
  if (r$df == 0) {
    # No t quantile: no interval. The se is R's; it is 0 (up to rounding)
    # only when a single PSU holds the cell, not when each of several strata
    # holds one PSU of it.
    ci <- c(NA, NA)
    if (length(unique(sub$cluster[, 1])) == 1) {
      stopifnot(abs(se) <= 1e-12 * max(abs(est), 1))
      se <- 0
    }
  }
  r$est <- est * scale
  r$se <- se * scale
  r$lo <- ci[1] * scale
  r$hi <- ci[2] * scale
  r
}

num <- function(v) { v <- as.vector(v); if (is.na(v)) "NA" else sprintf("%.17g", v) }

t0 <- proc.time()
out <- list()
for (k in seq_len(nrow(inds))) {
  ind <- inds[k, ]
  d <- units[units$type == ind$unit, ]
  d$w <- d[[paste0("w_", ind$id)]]
  d$y <- d[[paste0("y_", ind$id)]]
  d$x <- d[[paste0("x_", ind$id)]]
  pop <- d[[paste0("in_", ind$id)]] == 1
  des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)
  for (by in bys) {
    for (cell in cells(d, pop, by, ind$unit)) {
      r <- estimate_cell(des, d, cell$sel, ind$kind, as.numeric(ind$scale))
      out[[length(out) + 1]] <- data.frame(
        indicator = ind$id, by = if (length(by)) paste(by, collapse = "+") else "none",
        cell = cell$label, estimate = num(r$est), se = num(r$se), ci_low = num(r$lo),
        ci_high = num(r$hi), n_unweighted = r$n, n_weighted = num(r$nw), df = r$df,
        flag = r$flag)
    }
  }
}
res <- do.call(rbind, out)
elapsed <- (proc.time() - t0)[["elapsed"]]
write.csv(res, file.path(dir, "reference.csv"), row.names = FALSE, quote = FALSE)
message(sprintf("%d cells (%d suppressed, %d low_reliability) in %.1f s, %.1f ms a cell",
                nrow(res), sum(res$flag == "suppressed"), sum(res$flag == "low_reliability"),
                elapsed, 1000 * elapsed / nrow(res)))

# fieldbase bench: R's survey package on the same approved households as
# GET /api/indicators, for the total and every single-dimension cell of
# every indicator, each cell the way estimate/testdata/reference.R computes
# it: the design on all rows of the indicator's unit type (households or
# persons) with the indicator's weight, subset() to population ∩ cell, then
# svyciprop(method = "logit") (svymean when every y is 0 or every y is 1) /
# svymean / svyratio, and degf() of the subset design.
#
#   Rscript survey.R DIR [CELLS]
#
# DIR holds units.csv (estimate/testdata layout), indicators.csv and
# dims.csv (id, person_only). With CELLS > 0 only that many cells of each
# indicator are timed (the total and cells spread evenly over its list) and
# the indicator's time is extrapolated to all of its cells; 0 times every
# cell. A design is built once per unit type and weight column content
# (reused by the indicators that share it), which favours R.
#
# Prints one "IND ..." line per indicator and a last line
#   TOTAL <estimation s> <cells timed> <cells> <read s>
# where the estimation time excludes reading the CSV.
suppressMessages(library(survey))
options(survey.lonely.psu = "adjust")
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
per <- if (length(args) > 1) as.integer(args[2]) else 0L

dimsdf <- read.csv(file.path(dir, "dims.csv"), colClasses = "character")
dims <- dimsdf$id
person_only <- dimsdf$id[dimsdf$person_only == "1"]
inds <- read.csv(file.path(dir, "indicators.csv"), colClasses = "character")

t_read <- system.time({
  cls <- c(id = "character", type = "character", stratum = "character", psu = "character")
  cls[dims] <- "character"
  if (requireNamespace("data.table", quietly = TRUE)) {
    units <- as.data.frame(data.table::fread(file.path(dir, "units.csv"), colClasses = cls,
                                             na.strings = "", showProgress = FALSE))
  } else {
    units <- read.csv(file.path(dir, "units.csv"), colClasses = cls, na.strings = "")
  }
})[["elapsed"]]

estimate_cell <- function(sub, y, sel, kind, id) {
  n <- sum(sel)
  df <- degf(sub)
  if (n < 25) return(invisible(NULL))
  if (kind == "proportion") {
    ys <- y[sel]
    if (all(ys == 0) || all(ys == 1)) {
      s <- svymean(as.formula(paste0("~y_", id)), sub)
      SE(s)
    } else {
      p <- suppressWarnings(svyciprop(as.formula(paste0("~y_", id)), sub, method = "logit"))
      SE(p)
      confint(p)
    }
  } else if (kind == "ratio") {
    s <- svyratio(as.formula(paste0("~y_", id)), as.formula(paste0("~x_", id)), sub)
    confint(s, df = df)
  } else { # mean, rate (x = 1: a mean)
    s <- svymean(as.formula(paste0("~y_", id)), sub)
    confint(s, df = df)
  }
  invisible(NULL)
}

designs <- list()
design_for <- function(unit, d, wcol) {
  w <- d[[wcol]]
  for (c in designs) if (c$unit == unit && identical(c$w, w)) return(list(des = c$des, t = 0))
  t <- system.time(des <- svydesign(ids = ~psu, strata = ~stratum, weights = as.formula(paste0("~", wcol)),
                                    data = d, nest = TRUE))[["elapsed"]]
  designs[[length(designs) + 1]] <<- list(unit = unit, w = w, des = des)
  list(des = des, t = t)
}

total <- 0
timed <- 0
ncells <- 0
byunit <- list()
for (k in seq_len(nrow(inds))) {
  ind <- inds[k, ]
  if (is.null(byunit[[ind$unit]])) byunit[[ind$unit]] <- units[units$type == ind$unit, ]
  d <- byunit[[ind$unit]]
  pop <- d[[paste0("in_", ind$id)]] %in% 1
  dz <- design_for(ind$unit, d, paste0("w_", ind$id))
  sels <- list(pop)
  for (dim in setdiff(dims, if (ind$unit == "H") person_only)) {
    for (code in sort(unique(d[[dim]][pop]))) sels[[length(sels) + 1]] <- pop & (d[[dim]] %in% code)
  }
  n <- length(sels)
  pick <- if (per > 0 && per < n) unique(round(seq(1, n, length.out = per))) else seq_len(n)
  y <- d[[paste0("y_", ind$id)]]
  te <- system.time(for (i in pick) {
    sub <- subset(dz$des, sels[[i]])
    estimate_cell(sub, y, sels[[i]], ind$kind, ind$id)
  })[["elapsed"]]
  est <- dz$t + te * n / length(pick)
  total <- total + est
  timed <- timed + length(pick)
  ncells <- ncells + n
  cat(sprintf("IND %s %s %s cells %d timed %d design %.2f s cells %.2f s -> %.2f s\n",
              ind$id, ind$unit, ind$kind, n, length(pick), dz$t, te, est))
}
cat(sprintf("TOTAL %.3f %d %d %.3f\n", total, timed, ncells, t_read))

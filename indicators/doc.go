// Package indicators turns approved survey answers into published indicator
// cells (spec/indicators.md).
//
// The catalog (schemas/indicators.json) is data: each indicator and each
// breakdown dimension is a set of survey-engine expressions, compiled once
// against a survey by Load. Work is split in two so that an indicator
// request never re-reads answers:
//
//   - at ingest, Catalog.Facts evaluates the expressions for one household
//     and returns a short text per household and per member (stored in
//     submissions.facts and members.facts): the design (stratum, PSU,
//     weight), the unit's breakdown codes and, for every indicator whose
//     population holds the unit, its y, x and weight;
//   - on request, Catalog.Compute reads those texts back through a Source,
//     builds the household and person designs and estimates every cell with
//     package estimate (Taylor linearisation, as R's survey package).
//     Reading dominates the cost, so Catalog.Read keeps the decoded facts
//     as a Snapshot that answers request after request (ComputeEach does
//     the same for a fixed list of requests).
//
// Writers give the cells as JSON, CSV and SDMX-CSV 2.0.
package indicators

package export

import (
	"encoding/csv"
	"io"
	"sort"
	"strconv"
)

var codebookHeader = []string{"file", "variable", "stata_name", "label", "type", "field", "list", "value", "value_label", "stata_value"}

// writeCodebook writes codebook.csv: one row per column of every CSV file, each choice
// column followed by one row per choice (type "choice") with its code, its label and, for a
// select_one, the value labels.do gives it in Stata.
func writeCodebook(w io.Writer, s *Schema, tables []*table, bom bool) error {
	if bom {
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return err
		}
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(codebookHeader); err != nil {
		return err
	}
	for _, t := range tables {
		for _, c := range t.cols {
			if err := cw.Write([]string{t.file(), c.name, c.stata, c.label, c.typ, c.field, c.list, "", "", ""}); err != nil {
				return err
			}
			if t.name == "households" && c.name == "version" && c.field == "" {
				if err := writeRounds(cw, t.file(), c, s.Rounds); err != nil {
					return err
				}
			}
			if c.list == "" || c.dummy {
				continue
			}
			codes := s.stataCodes(c.list)
			for i, ch := range s.Lists[c.list] {
				sv := ""
				if (c.typ == "select_one" || c.conv == convEncode) && i < len(codes.values) {
					sv = strconv.Itoa(codes.values[i])
				}
				if err := cw.Write([]string{t.file(), c.name, c.stata, "", "choice", c.field, c.list, ch.Name, ch.Label, sv}); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeRounds follows the version column with one value-label row per version naming its
// round (list "round"): a survey run again is told apart by version, each version belonging
// to a round.
func writeRounds(cw *csv.Writer, file string, c column, rounds map[int]string) error {
	versions := make([]int, 0, len(rounds))
	for v := range rounds {
		versions = append(versions, v)
	}
	sort.Ints(versions)
	for _, v := range versions {
		if err := cw.Write([]string{file, c.name, c.stata, "", "choice", "", "round", strconv.Itoa(v), "round " + rounds[v], ""}); err != nil {
			return err
		}
	}
	return nil
}

package export

import (
	"encoding/csv"
	"io"
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

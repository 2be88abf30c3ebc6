package form

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// Files a survey names: the data files ODK loads with the form (choices of
// select_one_from_file, csv-external and xml-external instances, pulldata()
// and search() tables) and the media of labels (image, audio, video
// columns). A survey version is installed with its files (attachments), and
// a server serves them to devices in the form's manifest.

// FileRef is one file the survey names.
type FileRef struct {
	Name string // file name, as the device looks it up (households.csv)
	Row  int    // the survey row (choices row for a choice's media) that names it
	// Why is what names it: select_one_from_file, csv-external,
	// xml-external, pulldata, search, or media (a label's image, audio or
	// video).
	Why string
	// Data: the form cannot load (or a value cannot be computed) without
	// the file; media files only enrich labels.
	Data bool
}

var (
	pulldataArg = regexp.MustCompile(`pulldata\s*\(\s*['"]([^'"]+)['"]`)
	searchArg   = regexp.MustCompile(`search\s*\(\s*['"]([^'"]+)['"]`)
)

// NamedFiles returns the files the survey names, each once (its first
// mention), data files first, then by name.
func (s *Survey) NamedFiles() []FileRef {
	seen := map[string]bool{}
	var out []FileRef
	add := func(name string, row int, why string, data bool) {
		if name == "" || seen[name] {
			return
		}
		seen[name] = true
		out = append(out, FileRef{Name: name, Row: row, Why: why, Data: data})
	}
	for _, f := range s.rows {
		switch {
		case f.Type == "csv-external":
			add(f.Name+".csv", f.Row, "csv-external", true)
		case f.Type == "xml-external":
			add(f.Name+".xml", f.Row, "xml-external", true)
		case f.External != "" && f.External != "external_choices":
			add(f.External, f.Row, f.Type+"_from_file", true)
		}
		for _, text := range []string{f.Calculation, f.Relevant, f.Constraint, f.ChoiceFilter, f.RequiredIf,
			f.RepeatCount, f.Columns["default"], f.Columns["trigger"]} {
			for _, m := range pulldataArg.FindAllStringSubmatch(text, -1) {
				add(m[1]+".csv", f.Row, "pulldata", true)
			}
		}
		if m := searchArg.FindStringSubmatch(f.Columns["appearance"]); m != nil {
			add(m[1]+".csv", f.Row, "search", true)
		}
	}
	for _, f := range s.rows {
		for _, col := range sortedKeys(f.Columns) {
			if isMediaColumn(col) {
				add(f.Columns[col], f.Row, "media", false)
			}
		}
	}
	for _, name := range s.ListNames() {
		for _, ch := range s.lists[name].choices {
			for _, col := range sortedKeys(ch.Extra) {
				if isMediaColumn(col) {
					add(ch.Extra[col], 0, "media", false)
				}
			}
		}
	}
	slices.SortStableFunc(out, func(a, b FileRef) int {
		if a.Data != b.Data {
			if a.Data {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// isMediaColumn: image, big-image, audio, video, with or without a
// language (image::English (en)) or pyxform's media:: prefix.
func isMediaColumn(col string) bool {
	col = strings.TrimPrefix(col, "media::")
	base, _, _ := strings.Cut(col, "::")
	switch base {
	case "image", "big-image", "audio", "video":
		return true
	}
	return false
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// LoadFiles is Load with the survey version's attached files (by file
// name): the choices of a select_one_from_file or select_multiple_from_file
// are read from its file (CSV with a name column, or XML root/item/name as
// ODK reads them), so answers are checked against them as against the
// choices sheet. A file that does not read as such a list is a problem of
// the definition. Files not given leave the answers unchecked (any code).
func LoadFiles(data []byte, files map[string][]byte) (*Survey, error) {
	return load(data, files)
}

// fileList reads an attached file as a choice list, once per file.
func (l *loader) fileList(file string, num int) *choiceList {
	if cl, ok := l.fileLists[file]; ok {
		return cl
	}
	data, ok := l.files[file]
	if !ok {
		return nil
	}
	if l.fileLists == nil {
		l.fileLists = map[string]*choiceList{}
	}
	var items []map[string]string
	var err error
	switch {
	case hasExt(file, ".csv"):
		items, err = csvItems(data)
	case hasExt(file, ".xml"):
		items, err = xmlItems(data)
	default:
		// GeoJSON and other files: the device's choices, not checked here.
		l.fileLists[file] = nil
		return nil
	}
	if err != nil {
		l.problem("%s: attached file %s %v", l.at("survey", num, "", "type"), file, err)
		l.fileLists[file] = nil
		return nil
	}
	cl := &choiceList{name: file, index: map[string]int{}}
	for _, it := range items {
		name := strings.TrimSpace(it["name"])
		if name == "" {
			continue // ODK skips items without a name
		}
		if _, dup := cl.index[name]; dup {
			cl.dup = true
			continue
		}
		ch := Choice{Name: name, Label: it["label"]}
		for col, v := range it {
			if col == "name" || col == "label" {
				continue
			}
			if lang, ok := strings.CutPrefix(col, "label::"); ok {
				if ch.Labels == nil {
					ch.Labels = map[string]string{}
				}
				ch.Labels[lang] = v
				continue
			}
			if ch.Extra == nil {
				ch.Extra = map[string]string{}
			}
			ch.Extra[col] = v
		}
		cl.index[name] = len(cl.choices)
		cl.choices = append(cl.choices, ch)
	}
	l.fileLists[file] = cl
	return cl
}

// csvItems reads a CSV as ODK does: a header row naming the columns (one of
// them name), then one item per row.
func csvItems(data []byte) ([]map[string]string, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("is not a CSV table with a header row: %v", err)
	}
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	if !slices.Contains(header, "name") {
		return nil, fmt.Errorf("has no name column (its header row is %q): ODK reads the choices' codes from it", strings.Join(header, ","))
	}
	var items []map[string]string
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("is not valid CSV at line %d: %v", line, err)
		}
		it := make(map[string]string, len(header))
		for i, col := range header {
			if i < len(rec) && col != "" {
				it[col] = rec[i]
			}
		}
		items = append(items, it)
	}
	return items, nil
}

// xmlItems reads root/item elements, each child element a column.
func xmlItems(data []byte) ([]map[string]string, error) {
	var doc struct {
		Items []struct {
			Cols []struct {
				XMLName xml.Name
				Text    string `xml:",chardata"`
			} `xml:",any"`
		} `xml:"item"`
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.Entity = nil
	if err := d.Decode(&doc); err != nil {
		return nil, fmt.Errorf("is not XML with root/item elements: %v", err)
	}
	items := make([]map[string]string, len(doc.Items))
	for i, it := range doc.Items {
		m := map[string]string{}
		for _, c := range it.Cols {
			m[c.XMLName.Local] = c.Text
		}
		items[i] = m
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("has no root/item elements")
	}
	return items, nil
}

package ingest

// spliced is the JSON text of each row of a repeat at the top level of an answers object,
// already written (the member and emigrant rows are stored as rows of their own too).
type spliced struct {
	key   string
	texts []string // jsonText of data[key].([]any)[i]
}

// jsonTextWith is jsonText(data) with the rows of the given top-level repeats copied in
// from their texts instead of written a second time (a household's rows are most of its
// JSON). A repeat is copied only when every row is a non-nil map whose text is not "null"
// (jsonText's text for what json.Marshal refuses, which makes the whole object "null"):
// otherwise, and for anything appendJSON leaves to json.Marshal, the object is jsonText's.
// TestJSONTextWithIsJSONText holds the two equal.
func jsonTextWith(data map[string]any, rows ...spliced) string {
	use := rows[:0:0]
	for _, r := range rows {
		if r.key != "" && len(r.texts) > 0 && rowsMatch(data[r.key], r.texts) {
			use = append(use, r)
		}
	}
	if len(use) == 0 || data == nil {
		return jsonText(data)
	}
	bp := textBufs.Get().(*[]byte)
	defer textBufs.Put(bp)
	b, ok := appendWith((*bp)[:0], data, use)
	if cap(b) <= 64<<10 {
		*bp = b
	}
	if !ok {
		return jsonText(data)
	}
	return string(b)
}

// rowsMatch: v is a list of as many non-nil maps as there are texts, none empty or "null".
func rowsMatch(v any, texts []string) bool {
	list, ok := v.([]any)
	if !ok || len(list) != len(texts) {
		return false
	}
	for i, e := range list {
		if m, ok := e.(map[string]any); !ok || m == nil || texts[i] == "" || texts[i] == "null" {
			return false
		}
	}
	return true
}

// appendWith is appendJSON's object case at the top level, with the spliced repeats copied.
func appendWith(b []byte, x map[string]any, rows []spliced) ([]byte, bool) {
	return appendObject(b, x, rows, 0)
}

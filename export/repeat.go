package export

import (
	"encoding/json"
)

// EachRepeatRow calls fn for each row of a repeat held inside a household's answers (data
// and pii objects, the way submissions store them), for a Source that has no table of that
// repeat's rows. Answers that are not objects, or a repeat that is not an array, give no rows:
// households.csv reports the household's unreadable answers.
func EachRepeatRow(key string, data, pii []byte, repeat string, fn func(*Row) error) error {
	rows := repeatItems(data, repeat)
	piiRows := repeatItems(pii, repeat)
	r := &Row{Key: key}
	for i, item := range rows {
		r.Line, r.Data, r.PII = i+1, item, nil
		if i < len(piiRows) {
			r.PII = piiRows[i]
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func repeatItems(obj []byte, repeat string) []json.RawMessage {
	if len(obj) == 0 {
		return nil
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(obj, &top) != nil {
		return nil
	}
	var items []json.RawMessage
	if json.Unmarshal(top[repeat], &items) != nil {
		return nil
	}
	return items
}

package export

// Pool is the schema of an export over several versions of one survey: the newest version's
// fields, in its order, then the fields only older versions have (newest first), so that a
// question dropped in version 2 keeps its column for the version 1 households. A field
// sensitive in any version is sensitive; choice lists and repeats are merged the same way.
// The Version column of the households file tells the versions apart.
func Pool(newest *Schema, older ...*Schema) *Schema {
	out := &Schema{FormID: newest.FormID, Version: newest.Version, Title: newest.Title, Lists: map[string][]Choice{}}
	for _, s := range append([]*Schema{newest}, older...) {
		for v, r := range s.Rounds {
			if out.Rounds == nil {
				out.Rounds = map[int]string{}
			}
			out.Rounds[v] = r
		}
	}
	at := map[[2]string]int{} // (repeat, name) -> index in out.Fields
	repeats := map[string]bool{}
	for _, s := range append([]*Schema{newest}, older...) {
		for _, r := range s.Repeats {
			if !repeats[r] {
				repeats[r] = true
				out.Repeats = append(out.Repeats, r)
			}
		}
		for _, f := range s.Fields {
			k := [2]string{f.Repeat, f.Name}
			if i, ok := at[k]; ok {
				out.Fields[i].Sensitive = out.Fields[i].Sensitive || f.Sensitive
				continue
			}
			at[k] = len(out.Fields)
			out.Fields = append(out.Fields, f)
		}
		for name, cs := range s.Lists {
			have := map[string]bool{}
			for _, c := range out.Lists[name] {
				have[c.Name] = true
			}
			for _, c := range cs {
				if !have[c.Name] {
					out.Lists[name] = append(out.Lists[name], c)
				}
			}
		}
	}
	return out
}

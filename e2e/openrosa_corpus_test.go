package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"fieldbase/form"
	"fieldbase/xlsform"
)

// corpusForm is a corpus XLSForm fieldbase accepts, with what it exercises.
type corpusForm struct {
	file     string
	survey   *form.Survey
	features []string
}

// features names what a form exercises, for choosing forms with variety.
func features(s *form.Survey) []string {
	seen := map[string]bool{}
	for _, f := range s.Rows() {
		switch f.Type {
		case "repeat", "select_one", "select_multiple", "geopoint", "calculate", "group", "date", "decimal", "integer", "note":
			seen[f.Type] = true
		case "image", "audio", "video", "file":
			seen["media"] = true
		case "start", "end", "today", "deviceid", "username", "phonenumber", "audit":
			seen["metadata"] = true
		}
		if f.Relevant != "" {
			seen["relevant"] = true
		}
		if f.Constraint != "" {
			seen["constraint"] = true
		}
		if f.ChoiceFilter != "" {
			seen["choice_filter"] = true
		}
		if f.Type == "repeat" && f.Parent() != nil {
			for p := f.Parent(); p != nil; p = p.Parent() {
				if p.Type == "repeat" {
					seen["nested repeat"] = true
				}
			}
		}
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// corpusForms returns the corpus forms fieldbase accepts that a device can fill without
// attachments and whose answers are keyed by element name (as the engine's snapshot is),
// chosen greedily for variety (each next form adds the most features not yet covered),
// then by name, n in all.
func corpusForms(t *testing.T, n int) []corpusForm {
	files, _ := filepath.Glob(filepath.Join(corpusDir(t), "*.xls*"))
	sort.Strings(files)
	var all []corpusForm
	ids := map[string]bool{}
	for _, file := range files {
		data, _ := os.ReadFile(file)
		s, err := xlsform.Load(data, filepath.Base(file))
		if err != nil || ids[s.FormID] {
			continue
		}
		ok := true
		for _, ref := range s.NamedFiles() {
			ok = ok && !ref.Data
		}
		for _, f := range s.Fields() {
			ok = ok && f.Key == f.Name
		}
		if ok {
			ids[s.FormID] = true
			all = append(all, corpusForm{file, s, features(s)})
		}
	}
	covered := map[string]bool{}
	var out []corpusForm
	for len(out) < n && len(all) > 0 {
		best, gain := 0, -1
		for i, c := range all {
			g := 0
			for _, f := range c.features {
				if !covered[f] {
					g++
				}
			}
			if g > gain {
				best, gain = i, g
			}
		}
		for _, f := range all[best].features {
			covered[f] = true
		}
		out = append(out, all[best])
		all = append(all[:best], all[best+1:]...)
	}
	return out
}

// jsonAnswers writes the engine's answers as a JSON client sends them (sync-api.md): a
// select_multiple as a list of codes, a geopoint as {lat, lon, altitude, accuracy}, where
// the engine holds ODK's "a b" and "lat lon alt acc" strings.
func jsonAnswers(s *form.Survey, data map[string]any) map[string]any {
	byLevel := map[string]map[string]*form.Field{} // repeat name ("" household) -> key -> field
	for _, f := range s.Fields() {
		if byLevel[f.Repeat] == nil {
			byLevel[f.Repeat] = map[string]*form.Field{}
		}
		byLevel[f.Repeat][f.Key] = f
	}
	repeats := map[string]bool{}
	for _, r := range s.Repeats() {
		repeats[r] = true
	}
	var level func(rep string, in map[string]any) map[string]any
	level = func(rep string, in map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range in {
			if rows, ok := v.([]any); ok && repeats[k] {
				conv := make([]any, len(rows))
				for i, r := range rows {
					row, _ := r.(map[string]any)
					conv[i] = level(k, row)
				}
				out[k] = conv
				continue
			}
			str, _ := v.(string)
			switch f := byLevel[rep][k]; {
			case f != nil && f.Type == "select_multiple" && str != "":
				codes := []any{}
				for _, c := range strings.Fields(str) {
					codes = append(codes, c)
				}
				out[k] = codes
			case f != nil && f.Type == "geopoint" && str != "":
				var lat, lon, alt, acc float64
				fmt.Sscan(str, &lat, &lon, &alt, &acc)
				out[k] = map[string]any{"lat": lat, "lon": lon, "altitude": alt, "accuracy": acc}
			default:
				out[k] = v
			}
		}
		return out
	}
	return level("", data)
}

var metaElem = regexp.MustCompile(`<(timeStart|timeEnd|deviceID|instanceID)>([^<]*)</`)

// TestOpenRosaCorpusSurveys: the real-client test on corpus surveys. Each form is installed
// with `fieldbase survey add` on two real servers; ODK's engine fetches the form list and
// the XForm from the first, fills it with generated valid answers (generate.mjs, the
// differential test's), and submits it like Collect; the same answers go to the second
// server as a JSON push (same id, times and device). The stored submissions must agree:
// data, sensitive answers, status, errors, warnings, flags and the derived columns.
func TestOpenRosaCorpusSurveys(t *testing.T) {
	odk := odkDir(t)
	forms := corpusForms(t, 12)
	if len(forms) < 10 {
		t.Fatalf("only %d corpus forms fieldbase accepts can be filled without attachments; want at least 10", len(forms))
	}
	or, js := newField(t), newField(t)
	for _, f := range []*field{or, js} {
		for _, c := range forms {
			out, err := exec.Command(bin, "survey", "add", "--dir", f.dir, c.file).CombinedOutput()
			if err != nil {
				t.Fatalf("survey add %s: %v\n%s", filepath.Base(c.file), err, out)
			}
		}
	}
	base := or.appTokenURL()
	agreed, mediaForms := 0, 0
	var table strings.Builder
	for _, c := range forms {
		name := filepath.Base(c.file)
		rep := runCollect(t, odk, base, c.survey.FormID, nil, "--generate", "yes")
		if rep.Post.Status != 201 {
			t.Errorf("%s: POST %d %s", name, rep.Post.Status, rep.Post.Body)
			continue
		}
		meta := map[string]string{}
		for _, m := range metaElem.FindAllStringSubmatch(rep.XML, -1) {
			meta[m[1]] = m[2]
		}
		id := strings.TrimPrefix(meta["instanceID"], "uuid:")
		// A version that is not a whole number (or none) is numbered by install order: 1 here.
		env := map[string]any{"id": id, "survey": c.survey.FormID, "version": max(c.survey.Version, 1), "data": jsonAnswers(c.survey, rep.Data)}
		for k, v := range map[string]string{"started_at": "timeStart", "completed_at": "timeEnd", "device_id": "deviceID"} {
			if meta[v] != "" {
				env[k] = meta[v]
			}
		}
		body, _ := json.Marshal(map[string]any{"device_id": "collect:e2e", "app_version": "e2e", "submissions": []any{env}})
		js.must("POST", "/api/sync/push", js.enum, body, 200)
		// The engine's files: in the OpenRosa POST; uploaded after the push on the JSON side.
		for _, file := range rep.Files {
			b, _ := base64.StdEncoding.DecodeString(file.Base64)
			js.must("PUT", "/api/sync/submissions/"+id+"/attachments/"+url.PathEscape(file.Name), js.enum, b, 201)
		}
		got, want := or.storedHousehold(id), js.storedHousehold(id)
		got["attachments"] = or.must("GET", "/api/sync/submissions/"+id+"/attachments", or.enum, nil, 200)
		want["attachments"] = js.must("GET", "/api/sync/submissions/"+id+"/attachments", js.enum, nil, 200)
		if atts := got["attachments"].(map[string]any); len(rep.Files) > 0 && (len(atts["missing"].([]any)) > 0 || len(atts["attachments"].([]any)) != len(rep.Files)) {
			t.Errorf("%s: the engine attached %d files; the server has %v", name, len(rep.Files), atts)
		}
		mediaForms += min(len(rep.Files), 1)
		var diffs []string
		for k := range want {
			if k == "content_hash" || k == "head_key" {
				continue // calculates travel as text in XML; keyed digests differ per server
			}
			if !reflect.DeepEqual(got[k], want[k]) {
				g, _ := json.Marshal(got[k])
				w, _ := json.Marshal(want[k])
				diffs = append(diffs, fmt.Sprintf("%s: OpenRosa stored %.600s\n    JSON push stored %.600s", k, g, w))
			}
		}
		// The engine's verdict on its own answers is fieldbase's (both doors agree above).
		if (rep.Payload == "ready") != (got["status"] != "invalid") {
			diffs = append(diffs, fmt.Sprintf("status: the engine says the form is %s, fieldbase stored it %v (errors %v)", rep.Payload, got["status"], got["errors"]))
		}
		sort.Strings(diffs)
		if len(diffs) > 0 {
			t.Errorf("%s: the OpenRosa submission and the JSON push differ:\n  %s", name, strings.Join(diffs, "\n  "))
		} else {
			agreed++
		}
		fmt.Fprintf(&table, "%-70s %-9s %3d answers  %s\n", name, got["status"], rep.AnswersSet, strings.Join(c.features, ","))
		if got["status"] == "invalid" {
			e, _ := json.Marshal(got["errors"])
			fmt.Fprintf(&table, "    engine %s; fieldbase: %.500s\n", rep.Payload, e)
		}
	}
	if mediaForms == 0 {
		t.Errorf("no chosen corpus form had a media question the engine attached a file to")
	}
	t.Logf("real-client test on %d corpus surveys (%d with attachments), %d stored alike by both doors:\n%s", len(forms), mediaForms, agreed, table.String())
}

package bench

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"fieldbase/hooks"
	"fieldbase/schemas"
)

// A survey defined only by its settings: mhs with every field renamed (a_psu is A_psu, members
// Members …: names of the same length, so that the answers weigh the same bytes),
// form id hhx, its design settings naming the renamed fields, and the mhs indicator catalog
// rewritten for it. No code knows its names, so what a push of its households costs is the
// cost of a survey that fieldbase learns from its settings alone.
//
//	go test ./bench -run '^$' -bench PushRouteByDesign -benchtime 20x
//
// prints households/s of both surveys, pushed in alternating rounds on one server, and
// settings_vs_mhs, the ratio of the renamed survey's rate to mhs's (goal: at least 0.9).

const renamedForm = "hhx"

func renamed(name string) string { return strings.ToUpper(name[:1]) + name[1:] }

var identPattern = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// renameExpr renames the field names in an expression, outside quoted text.
func renameExpr(src string, names map[string]bool) string {
	var b strings.Builder
	for len(src) > 0 {
		i := strings.IndexAny(src, `'"`)
		if i < 0 {
			i = len(src)
		}
		b.WriteString(identPattern.ReplaceAllStringFunc(src[:i], func(id string) string {
			if names[id] {
				return renamed(id)
			}
			return id
		}))
		if i == len(src) {
			break
		}
		end := strings.IndexByte(src[i+1:], src[i])
		if end < 0 {
			b.WriteString(src[i:])
			break
		}
		b.WriteString(src[i : i+end+2])
		src = src[i+end+2:]
	}
	return b.String()
}

// renamedSurvey rewrites the mhs v1 definition and its catalog for form id hhx.
func renamedSurvey(tb testing.TB) (def, catalog []byte, names map[string]bool) {
	tb.Helper()
	var d map[string]any
	if err := json.Unmarshal(schemas.MHS, &d); err != nil {
		tb.Fatal(err)
	}
	names = map[string]bool{}
	for _, r := range d["survey"].([]any) {
		if n, ok := r.(map[string]any)["name"].(string); ok && n != "" {
			names[n] = true
		}
	}
	exprKeys := []string{"relevant", "constraint", "calculation", "repeat_count", "choice_filter", "required", "default", "expression"}
	rewrite := func(rows []any) {
		for _, r := range rows {
			row := r.(map[string]any)
			if n, ok := row["name"].(string); ok && names[n] {
				row["name"] = renamed(n)
			}
			for _, k := range []string{"field", "scope"} { // checks: a field, a repeat
				if f, ok := row[k].(string); ok && names[f] {
					row[k] = renamed(f)
				}
			}
			for _, k := range exprKeys {
				if v, ok := row[k].(string); ok {
					row[k] = renameExpr(v, names)
				}
			}
		}
	}
	rewrite(d["survey"].([]any))
	if checks, ok := d["checks"].([]any); ok {
		rewrite(checks)
	}
	settings := d["settings"].(map[string]any)
	for k, v := range settings {
		if s, ok := v.(string); ok && names[s] {
			settings[k] = renamed(s)
		}
	}
	settings["form_id"] = renamedForm
	var err error
	if def, err = json.Marshal(d); err != nil {
		tb.Fatal(err)
	}
	var c any
	if err := json.Unmarshal(schemas.Indicators, &c); err != nil {
		tb.Fatal(err)
	}
	var walk func(v any, key string) any
	walk = func(v any, key string) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e, k)
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e, key)
			}
		case string:
			switch key {
			case "survey":
				return renamedForm
			case "person_repeat", "stratum", "psu", "weight", "period", "responding", "person", "household",
				"population", "numerator", "denominator":
				return renameExpr(x, names)
			}
		}
		return v
	}
	if catalog, err = json.Marshal(walk(c, "")); err != nil {
		tb.Fatal(err)
	}
	return def, catalog, names
}

// renameEnvelope rewrites a synthetic mhs envelope for hhx: the survey and every answer key.
func renameEnvelope(tb testing.TB, raw []byte, names map[string]bool) []byte {
	var env map[string]any
	if err := json.Unmarshal(raw, &env); err != nil {
		tb.Fatal(err)
	}
	var keys func(m map[string]any) map[string]any
	keys = func(m map[string]any) map[string]any {
		out := make(map[string]any, len(m))
		for k, v := range m {
			if rows, ok := v.([]any); ok {
				for i, r := range rows {
					if row, ok := r.(map[string]any); ok {
						rows[i] = keys(row)
					}
				}
			}
			if names[k] {
				k = renamed(k)
			}
			out[k] = v
		}
		return out
	}
	env["survey"], env["id"] = renamedForm, uuid.NewString() // a new interview, not a resend
	env["data"] = keys(env["data"].(map[string]any))
	out, err := json.Marshal(env)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// BenchmarkPushRouteByDesign: one op is one push of 100 new mhs households and one of the same
// 100 households renamed for hhx; 8 clients; the two surveys alternate in 4 rounds.
func BenchmarkPushRouteByDesign(b *testing.B) {
	rs := newRouteServer(b, 8)
	def, catalog, names := renamedSurvey(b)
	if _, err := hooks.InstallSurvey(rs.app, def); err != nil {
		b.Fatal(err)
	}
	if err := hooks.AddIndicatorCatalog(catalog); err != nil {
		b.Fatal(err)
	}
	mhs := envelopes(b, 21, 100*b.N)
	hhx := make([][]byte, len(mhs))
	for i, e := range mhs {
		hhx[i] = renameEnvelope(b, e, names)
	}
	c := newClient(rs.url)
	const rounds = 4
	var took [2]time.Duration
	var cpu [2]time.Duration
	var n [2]int
	b.ResetTimer()
	for r := 0; r < rounds; r++ {
		lo, hi := len(mhs)*r/rounds, len(mhs)*(r+1)/rounds
		order := []int{0, 1}
		if r%2 == 1 {
			order = []int{1, 0} // alternate which goes first
		}
		for _, k := range order {
			envs := [][][]byte{mhs[lo:hi], hhx[lo:hi]}[k]
			if len(envs) == 0 {
				continue
			}
			cpu0 := selfCPU()
			st, err := pushPrepared(context.Background(), c, rs.tokens, batches(envs, 100), false)
			if err != nil {
				b.Fatal(err)
			}
			if st.outcomes["created"] != st.households {
				b.Fatalf("%s: outcomes %v", []string{"mhs", renamedForm}[k], st.outcomes)
			}
			took[k] += st.elapsed
			cpu[k] += selfCPU() - cpu0
			n[k] += st.households
		}
	}
	b.StopTimer()
	// The renamed households are stored as mhs's are: facts, PSUs, rosters, members.
	var stats [2]string
	for k, f := range []string{"mhs", renamedForm} {
		if err := rs.app.DB().NewQuery(`SELECT COUNT(*) || '/' || SUM(facts != '') || '/' || SUM(a_psu > 0) || '/' || SUM(roster_sig != '') || '/' || SUM(hh_size)
			|| '/' || (SELECT COUNT(*) FROM members WHERE form_id = {:f}) FROM submissions WHERE form_id = {:f}`).
			Bind(map[string]any{"f": f}).Row(&stats[k]); err != nil {
			b.Fatal(err)
		}
	}
	if stats[0] != stats[1] {
		b.Fatalf("stored households/facts/PSUs/rosters/members: mhs %s, %s %s", stats[0], renamedForm, stats[1])
	}
	rate := func(k int) float64 { return float64(n[k]) / took[k].Seconds() }
	b.ReportMetric(rate(0), "mhs-households/s")
	b.ReportMetric(rate(1), "settings-households/s")
	b.ReportMetric(rate(1)/rate(0), "settings_vs_mhs")
	b.ReportMetric(float64(cpu[1].Microseconds())/float64(n[1])/(float64(cpu[0].Microseconds())/float64(n[0])), "settings_vs_mhs_cpu")
}

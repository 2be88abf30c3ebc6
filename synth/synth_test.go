package synth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"fieldbase/dedup"
	"fieldbase/design"
	"fieldbase/form"
	"fieldbase/schemas"
)

var testToday = time.Date(2027, 1, 20, 10, 0, 0, 0, time.UTC)

func testOptions(n int) Options {
	return Options{Households: n, Seed: 42, InvalidRate: 0.1, DuplicateRate: 0.1, Enumerators: 6, Today: testToday}
}

// collect runs Generate and returns the items with each envelope
// round-tripped through JSON (numbers as json.Number), as a server sees it.
func collect(t testing.TB, opt Options) []Item {
	t.Helper()
	var items []Item
	err := Generate(opt, func(it Item) error {
		raw, err := json.Marshal(it.Envelope)
		if err != nil {
			return err
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var env map[string]any
		if err := dec.Decode(&env); err != nil {
			return err
		}
		it.Envelope = env
		items = append(items, it)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func TestDeterministic(t *testing.T) {
	run := func(seed int64) []byte {
		var b bytes.Buffer
		opt := testOptions(500)
		opt.Seed = seed
		if err := WriteJSONL(&b, opt); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	a, b := run(7), run(7)
	if !bytes.Equal(a, b) {
		t.Fatal("same seed, different bytes")
	}
	if bytes.Equal(a, run(8)) {
		t.Fatal("different seeds, same bytes")
	}
	if n := bytes.Count(a, []byte("\n")); n != 500 {
		t.Fatalf("%d lines", n)
	}
	// Labels are deterministic too.
	l1, l2 := labels(t, testOptions(300)), labels(t, testOptions(300))
	if strings.Join(l1, ",") != strings.Join(l2, ",") {
		t.Fatal("labels differ between runs")
	}
}

func labels(t *testing.T, opt Options) []string {
	var out []string
	if err := Generate(opt, func(it Item) error { out = append(out, it.Label); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// A household's answers depend on its dwelling only, not on the rates.
func TestHouseholdStableAcrossRates(t *testing.T) {
	byKey := func(opt Options) map[string]string {
		out := map[string]string{}
		for _, it := range collect(t, opt) {
			if it.Label != "valid" {
				continue
			}
			d := it.Envelope["data"].(map[string]any)
			out[fmt.Sprint(d["a_psu"], "/", d["a_dwelling"])] = dedup.ContentHash(d)
		}
		return out
	}
	o1 := testOptions(400)
	o2 := o1
	o2.InvalidRate, o2.DuplicateRate = 0, 0
	a, b := byKey(o1), byKey(o2)
	same := 0
	for k, h := range a {
		if b[k] == h {
			same++
		} else if _, ok := b[k]; ok {
			t.Errorf("household %s differs between rate settings", k)
		}
	}
	if same < 200 {
		t.Errorf("only %d households in common", same)
	}
}

func TestRates(t *testing.T) {
	opt := testOptions(5000)
	opt.InvalidRate, opt.DuplicateRate = 0.08, 0.12
	count := map[string]int{}
	for _, l := range labels(t, opt) {
		kind, _, _ := strings.Cut(l, ":")
		count[kind]++
		if kind == "duplicate" {
			count[l]++
		}
	}
	near := func(got int, rate float64) bool {
		want := rate * 5000
		return math.Abs(float64(got)-want) < 4*math.Sqrt(want)+5
	}
	if !near(count["invalid"], 0.08) || !near(count["duplicate"], 0.12) {
		t.Errorf("counts %v", count)
	}
	for _, l := range []string{"duplicate:resend", "duplicate:content", "duplicate:household"} {
		if count[l] < 100 {
			t.Errorf("%s: %d", l, count[l])
		}
	}
	zero := testOptions(1000)
	zero.InvalidRate, zero.DuplicateRate = 0, 0
	for _, l := range labels(t, zero) {
		if l != "valid" {
			t.Fatalf("label %q with zero rates", l)
		}
	}
}

func TestOptionsRefused(t *testing.T) {
	for _, o := range []Options{
		{Households: -1}, {Households: MaxHouseholds + 1}, {Households: 1, InvalidRate: 1.5},
		{Households: 1, DuplicateRate: math.NaN()}, {Households: 1, InvalidRate: 0.6, DuplicateRate: 0.6},
	} {
		if err := Generate(o, func(Item) error { return nil }); err == nil {
			t.Errorf("%+v: want an error", o)
		}
	}
	n := 0
	if err := Generate(Options{}, func(Item) error { n++; return nil }); err != nil || n != 0 {
		t.Errorf("zero options: %v, %d items", err, n)
	}
	stop := errors.New("stop")
	n = 0
	err := Generate(testOptions(100), func(Item) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Errorf("emit error: %v after %d", err, n)
	}
}

func TestDesign(t *testing.T) {
	f, err := Design(testOptions(3000))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Strata) != 14 {
		t.Fatalf("%d strata", len(f.Strata))
	}
	numbers := map[int]bool{}
	weights := map[string]float64{}
	sampled := 0
	for _, p := range f.PSUs {
		if numbers[p.Number] || p.Number < 1 || p.Number > 99999 {
			t.Errorf("PSU number %d repeated or out of range", p.Number)
		}
		numbers[p.Number] = true
		if p.Sampled < 10 || p.Sampled > 20 || p.Weight <= 0 {
			t.Errorf("PSU %+v", p)
		}
		prev := 0
		for k := 0; k < p.Sampled; k++ {
			d := p.Dwelling(k)
			if d <= prev || d > p.Listing || d > 9999 {
				t.Errorf("PSU %d dwelling %d = %d (listing %d)", p.Number, k, d, p.Listing)
			}
			prev = d
		}
		weights[p.Stratum] += p.Weight * float64(p.Sampled)
		sampled += p.Sampled
	}
	if sampled < 3000 {
		t.Errorf("only %d dwellings for 3000 households", sampled)
	}
	for _, s := range f.Strata {
		switch {
		case s.Name == LonelyStratum && s.PSUs != 1:
			t.Errorf("lonely stratum has %d PSUs", s.PSUs)
		case s.Name != LonelyStratum && s.PSUs < 2:
			t.Errorf("stratum %s has %d PSUs", s.Name, s.PSUs)
		}
		// Σ weights ≈ N_h (the adjustment is within ±10%).
		if r := weights[s.Name] / float64(s.Households); r < 0.9 || r > 1.15 {
			t.Errorf("stratum %s: weights sum to %.2f × N_h", s.Name, r)
		}
	}
	// Big runs keep PSU numbers in range by making PSUs bigger.
	big, err := Design(Options{Households: 3_000_000})
	if err != nil {
		t.Fatal(err)
	}
	last := big.PSUs[len(big.PSUs)-1]
	if last.Number > 99999 || last.Dwelling(last.Sampled-1) > 9999 {
		t.Errorf("big design out of range: %+v", last)
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestEnvelopesAndDuplicates(t *testing.T) {
	opt := testOptions(3000)
	opt.DuplicateRate = 0.15
	items := collect(t, opt)
	byID := map[string]Item{}
	byHash := map[string]Item{}
	byKey := map[string]Item{}
	psuEnum := map[string]int{}
	start := FieldworkStart.Format("2006-01-02")
	for _, it := range items {
		env := it.Envelope
		id, _ := env["id"].(string)
		if !uuidRE.MatchString(id) || env["survey"] != "mhs" || env["version"] != json.Number("1") {
			t.Fatalf("envelope %v", env)
		}
		if env["device_id"] != DeviceID(it.Enumerator) || it.Enumerator < 0 || it.Enumerator >= opt.Enumerators {
			t.Errorf("device %v for enumerator %d", env["device_id"], it.Enumerator)
		}
		s, err1 := time.Parse(time.RFC3339, env["started_at"].(string))
		c, err2 := time.Parse(time.RFC3339, env["completed_at"].(string))
		if err1 != nil || err2 != nil || c.Sub(s) < 20*time.Minute || c.Sub(s) > 60*time.Minute {
			t.Errorf("times %v %v", env["started_at"], env["completed_at"])
		}
		d := env["data"].(map[string]any)
		key := fmt.Sprint(d["a_psu"], "/", d["a_dwelling"])
		psu := fmt.Sprint(d["a_psu"])
		if e, ok := psuEnum[psu]; ok && e != it.Enumerator && !strings.HasPrefix(it.Label, "invalid:") {
			t.Errorf("PSU %v has enumerators %d and %d", psu, e, it.Enumerator)
		}
		psuEnum[psu] = it.Enumerator
		hash := dedup.ContentHash(d)
		if !strings.HasPrefix(it.Label, "invalid:") {
			date := d["a_date"].(string)
			if date < start || date >= testToday.Format("2006-01-02") || s.In(nepal).Format("2006-01-02") != date {
				t.Errorf("a_date %s, started %v", date, env["started_at"])
			}
		}
		switch it.Label {
		case "valid":
			if _, dup := byID[id]; dup {
				t.Errorf("id %s reused", id)
			}
			if _, dup := byKey[key]; dup {
				t.Errorf("household key %s reused by a valid item", key)
			}
			byID[id], byHash[hash], byKey[key] = it, it, it
		case "duplicate:resend":
			orig, ok := byID[id]
			a, _ := json.Marshal(orig.Envelope)
			b, _ := json.Marshal(env)
			if !ok || !bytes.Equal(a, b) {
				t.Errorf("resend %s is not an exact copy", id)
			}
		case "duplicate:content":
			orig, ok := byHash[hash]
			if !ok || orig.Envelope["id"] == id {
				t.Errorf("content duplicate %s: original found %v", id, ok)
			}
			if _, seen := byID[id]; seen {
				t.Errorf("content duplicate reuses id %s", id)
			}
		case "duplicate:household":
			orig, ok := byKey[key]
			if !ok || orig.Envelope["id"] == id {
				t.Fatalf("household duplicate %s: no original", key)
			}
			if _, same := byHash[hash]; same {
				t.Errorf("household duplicate %s has the same content", key)
			}
			od := orig.Envelope["data"].(map[string]any)
			m := dedup.Compare(mhsRoles(t).Household("a", od), mhsRoles(t).Household("b", d))
			if !m.Probable {
				t.Errorf("dedup does not see %s as probable: %v", key, m.Reasons)
			}
			if probs := checkData(d, testToday); len(probs) > 0 {
				t.Errorf("household duplicate %s is not valid: %v", key, probs)
			}
		}
	}
}

// The valid households break no rule of the questionnaire, and every invalid
// one breaks at least one, according to the checker in checker_test.go.
func TestRulesHold(t *testing.T) {
	opt := testOptions(6000)
	opt.InvalidRate = 0.15
	kinds := map[string]int{}
	for _, it := range collect(t, opt) {
		d := it.Envelope["data"].(map[string]any)
		probs := checkData(d, testToday)
		switch {
		case it.Label == "valid" && len(probs) > 0:
			t.Errorf("valid item %v: %v", it.Envelope["id"], probs)
		case strings.HasPrefix(it.Label, "invalid:"):
			kinds[it.Label]++
			if len(probs) == 0 {
				t.Errorf("%s item %v has no problem", it.Label, it.Envelope["id"])
			}
			if it.Path != "" && !strings.Contains("|"+strings.Join(probs, "|"), "|"+it.Path+":") {
				t.Errorf("%s: nothing at %s: %v", it.Label, it.Path, probs)
			}
		}
	}
	if len(kinds) < 14 {
		t.Errorf("only %d kinds of invalid items: %v", len(kinds), kinds)
	}
	t.Logf("invalid kinds: %v", kinds)
}

// Household-level realism figures, loosely bounded.
func TestRealism(t *testing.T) {
	opt := testOptions(5000)
	opt.InvalidRate, opt.DuplicateRate = 0, 0
	var hh, consent, persons, emig, rem, noAdult, returnees, foreign, recruits, over24, disabled int
	sizes := map[int]int{}
	status := map[string]int{}
	for _, it := range collect(t, opt) {
		d := it.Envelope["data"].(map[string]any)
		hh++
		if d["a_consent"] != "yes" {
			continue
		}
		consent++
		ms := d["members"].([]any)
		sizes[len(ms)]++
		persons += len(ms)
		if d["d_any"] == "yes" {
			emig++
		}
		if d["e_any"] == "yes" {
			rem++
		}
		if _, ok := d["l_resp"]; !ok {
			noAdult++
		}
		headAge, _ := numOf(ms[0].(map[string]any)["b_age"])
		for _, r := range ms {
			m := r.(map[string]any)
			status[m["mig_status"].(string)]++
			if m["b_rel"] == "3" {
				if a, _ := numOf(m["b_age"]); a >= headAge {
					t.Errorf("child aged %v, head %v", a, headAge)
				}
			}
			if m["c_abroad"] == "yes" {
				returnees++
			}
			if m["c_cob"] != "NPL" {
				foreign++
			}
			if c, ok := numOf(m["f_cost"]); ok {
				recruits++
				if e, _ := numOf(m["f_earn1"]); c/e > 24 {
					over24++
				}
			}
			for _, q := range []string{"n_see", "n_hear", "n_walk", "n_cog", "n_self", "n_comm"} {
				if m[q] == "3" || m[q] == "4" {
					disabled++
					break
				}
			}
		}
	}
	mean := float64(persons) / float64(consent)
	t.Logf("households %d, consent %d, mean size %.2f, with emigrants %d, remittances %d, no adult %d, returnees %d, foreign-born %d, paid recruitment %d (over 24 months %d), disabled %d, status %v",
		hh, consent, mean, emig, rem, noAdult, returnees, foreign, recruits, over24, disabled, status)
	if mean < 4.6 || mean > 5.6 {
		t.Errorf("mean household size %.2f", mean)
	}
	for s := 1; s <= 12; s++ {
		if sizes[s] == 0 {
			t.Errorf("no household of size %d", s)
		}
	}
	if consent == hh || float64(consent) < 0.9*float64(hh) {
		t.Errorf("consent %d of %d", consent, hh)
	}
	for _, k := range []string{"NB_NM", "NB_RET", "FB_CIT", "FB_NCIT"} {
		if status[k] < 50 {
			t.Errorf("only %d %s", status[k], k)
		}
	}
	if noAdult == 0 || emig < consent/10 || rem < consent/10 || recruits < 200 || disabled < 100 {
		t.Error("some migration or disability histories are too rare")
	}
	if over24 == 0 || float64(over24) > 0.05*float64(recruits) {
		t.Errorf("cost over 24 months of earnings: %d of %d", over24, recruits)
	}
}

func BenchmarkGenerate(b *testing.B) {
	opt := testOptions(b.N)
	b.ResetTimer()
	n := 0
	if err := Generate(opt, func(Item) error { n++; return nil }); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "households/s")
}

func BenchmarkWriteJSONL(b *testing.B) {
	var buf bytes.Buffer
	opt := testOptions(b.N)
	b.ResetTimer()
	if err := WriteJSONL(&buf, opt); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "households/s")
	b.ReportMetric(float64(buf.Len())/float64(b.N), "bytes/household")
}

// mhsRoles are the dedup roles mhs declares in its settings.
func mhsRoles(t *testing.T) dedup.Roles {
	t.Helper()
	sv, err := form.Load(schemas.MHS)
	if err != nil {
		t.Fatal(err)
	}
	d, problems := design.Read(sv)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return d.Dedup()
}

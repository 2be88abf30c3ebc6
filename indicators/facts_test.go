package indicators

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"fieldbase/form"
	"fieldbase/schemas"
)

// handHousehold is one valid household written by hand: a return-migrant
// head, a foreign-born non-citizen wife who is unemployed, a 16-year-old
// NEET, a child of 4 and a grandmother with a disability. The respondent
// is the head; three members are 18+.
const handHousehold = `{
 "id": "6f1c2a4e-1b7d-4c59-9e0a-6d2f4b8c1a73", "survey": "mhs", "version": 1,
 "started_at": "2026-11-02T09:00:00+05:45", "completed_at": "2026-11-02T09:40:00+05:45",
 "device_id": "tab-001",
 "data": {
  "a_psu": 17, "a_dwelling": 4, "a_stratum": "R3U", "a_region": "R3", "a_urban": "U",
  "a_weight": 120.5, "a_date": "2026-11-02", "a_consent": "yes", "a_head_name": "Hari Test",
  "a_hh_size": 5,
  "members": [
   {"b_name": "Hari", "b_rel": "1", "b_sex": "1", "b_age": 45, "c_cob": "NPL", "c_cit": "1",
    "c_abroad": "yes", "c_ret_year": 2022, "c_ret_from": "QAT",
    "f_first": "yes", "f_dest": "QAT", "f_paid_any": "yes", "f_items": ["agency", "visa"],
    "f_cost": 30000, "f_borrowed": "yes", "f_earn1": 20000,
    "f_docs": "no", "f_wage_wh": "no", "f_debt_stay": "refused", "f_deceived": "no",
    "g_work7": "yes", "g_status": "1", "g_ss": "no", "g_leave": "no", "g_contract": "written",
    "g_union": "no", "g_injury": "yes", "h_benefit": ["none"], "h_contrib": "no",
    "h_ss_abroad": "yes", "h_port": "receiving", "j_ins": "no", "k_acct": "yes", "k_mm": "no",
    "m_qual": "yes", "m_recog": "recognised",
    "n_see": "1", "n_hear": "1", "n_walk": "1", "n_cog": "1", "n_self": "1", "n_comm": "1"},
   {"b_name": "Sita", "b_rel": "2", "b_sex": "2", "b_age": 40, "c_cob": "IND", "c_cit": "2",
    "c_arr_year": 2005, "f_first": "no",
    "f_docs": "yes", "f_wage_wh": "no", "f_debt_stay": "no", "f_deceived": "no",
    "g_work7": "no", "g_absent": "no", "g_seek4": "yes", "g_avail": "yes",
    "h_benefit": ["child"], "h_contrib": "no", "j_ins": "yes", "k_acct": "no", "k_mm": "no",
    "m_qual": "no",
    "n_see": "2", "n_hear": "1", "n_walk": "1", "n_cog": "1", "n_self": "1", "n_comm": "1"},
   {"b_name": "Ram", "b_rel": "3", "b_sex": "1", "b_age": 16, "c_cob": "NPL", "c_cit": "1",
    "c_abroad": "no", "g_work7": "no", "g_absent": "no", "g_seek4": "no", "g_avail": "no",
    "h_benefit": ["none"], "h_contrib": "no", "i_ever": "yes", "i_attend": "no", "j_ins": "dk",
    "k_acct": "no", "k_mm": "yes",
    "n_see": "1", "n_hear": "1", "n_walk": "1", "n_cog": "1", "n_self": "1", "n_comm": "1"},
   {"b_name": "Gita", "b_rel": "3", "b_sex": "2", "b_age": 4, "c_cob": "NPL", "c_cit": "1",
    "h_benefit": ["none"], "i_ever": "yes", "i_attend": "yes", "i_level": "pre", "j_ins": "no"},
   {"b_name": "Maya", "b_rel": "5", "b_sex": "2", "b_age": 70, "c_cob": "NPL", "c_cit": "1",
    "c_abroad": "no", "g_work7": "no", "g_absent": "no", "g_seek4": "no", "g_avail": "no",
    "h_benefit": ["old_age"], "h_contrib": "no", "j_ins": "no", "k_acct": "no", "k_mm": "no",
    "n_see": "2", "n_hear": "2", "n_walk": "3", "n_cog": "1", "n_self": "1", "n_comm": "1"}
  ],
  "d_any": "no", "e_any": "yes", "e_amt12": 90000, "e_channel": ["bank", "carried"], "e_acct": "yes",
  "e_last_amt": 10000, "e_last_fee": 300,
  "l_resp": 1, "l_12m": ["migration", "sex"]
 }
}`

// validated returns the answers of an envelope as ingest passes them to
// Facts: parsed from JSON and validated (calculates filled).
func validated(t *testing.T, sv *form.Survey, envelope string) map[string]any {
	t.Helper()
	var env form.Envelope
	if err := json.Unmarshal([]byte(envelope), &env); err != nil {
		t.Fatal(err)
	}
	res := sv.Validate(&env, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if len(res.Errors) > 0 {
		t.Fatalf("test household is invalid: %+v", res.Errors)
	}
	return res.Data
}

func decodeT(t *testing.T, c *Catalog, facts string) *Unit {
	t.Helper()
	u, err := c.Decode(facts)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// wantValue checks one entry of a unit (ok false: not in the population).
func wantValue(t *testing.T, who string, u *Unit, id string, in bool, y, x, w float64) {
	t.Helper()
	v, ok := u.Value(id)
	if ok != in {
		t.Errorf("%s: in %s population = %v, want %v", who, id, ok, in)
		return
	}
	if in && (v.Y != y || v.X != x || v.W != w) {
		t.Errorf("%s %s: y, x, w = %v, %v, %v; want %v, %v, %v", who, id, v.Y, v.X, v.W, y, x, w)
	}
}

func wantCodes(t *testing.T, who string, c *Catalog, u *Unit, want map[string]string) {
	t.Helper()
	for dim, code := range want {
		if got := u.Code(c, dim); got != code {
			t.Errorf("%s: %s = %q, want %q", who, dim, got, code)
		}
	}
}

func TestFactsHandHousehold(t *testing.T) {
	sv, c := mhs(t)
	data := validated(t, sv, handHousehold)
	hf, mf := c.Facts(sv, data)
	if len(mf) != 5 {
		t.Fatalf("%d member facts, want 5", len(mf))
	}
	const w = 120.5
	h := decodeT(t, c, hf)
	if h.Stratum != "R3U" || h.PSU != "17" || h.Weight != w || h.Period != "2026" {
		t.Errorf("household design = %q %q %v %q", h.Stratum, h.PSU, h.Weight, h.Period)
	}
	wantCodes(t, "household", c, h, map[string]string{"SEX": "M", "AGE": "", "MIGRATORY_STATUS": "",
		"HH_MIG_STATUS": "H_RET", "URBANISATION": "U", "REGION": "R3", "DISABILITY_STATUS": ""})
	wantValue(t, "household", h, "HH1", true, 0, 1, w)
	wantValue(t, "household", h, "REM1", true, 1, 1, w)
	wantValue(t, "household", h, "REM2", true, 300, 10000, w)
	wantValue(t, "household", h, "REM3", true, 1, 1, w)
	if len(h.Values) != 4 {
		t.Errorf("household entries %+v, want HH1, REM1, REM2, REM3", h.Values)
	}

	head := decodeT(t, c, mf[0])
	if head.Stratum != "R3U" || head.PSU != "17" || head.Weight != w {
		t.Errorf("member design = %q %q %v", head.Stratum, head.PSU, head.Weight)
	}
	wantCodes(t, "head (return migrant)", c, head, map[string]string{"SEX": "M", "AGE": "Y25T54",
		"MIGRATORY_STATUS": "NB_RET", "HH_MIG_STATUS": "H_RET", "URBANISATION": "U", "REGION": "R3",
		"DISABILITY_STATUS": "NOPD"})
	wantValue(t, "head", head, "MIG1", true, 1.5, 1, w) // 30000 / 20000
	wantValue(t, "head", head, "MIG2", true, 1, 1, w)
	wantValue(t, "head", head, "MIG3", true, 1, 1, w)
	wantValue(t, "head", head, "SP2", true, 1, 1, w)
	wantValue(t, "head", head, "LAB1", true, 0, 1, w)
	wantValue(t, "head", head, "LAB2", true, 1, 1, w) // employee without social security: informal
	wantValue(t, "head", head, "LAB4", true, 1, 1, w)
	wantValue(t, "head", head, "LAB5", true, 1, 1, w)
	wantValue(t, "head", head, "FL1", true, 0, 1, w) // refused one marker, answered "no" to the others
	wantValue(t, "head", head, "SP1", true, 0, 1, w) // benefit "none" only
	wantValue(t, "head", head, "SKL1", true, 1, 1, w)
	// The respondent: weight × 3 members aged 18+ (the 16-year-old is not).
	wantValue(t, "head", head, "DIS1", true, 1, 1, 3*w)
	wantValue(t, "head", head, "DIS2", true, 1, 1, 3*w)

	wife := decodeT(t, c, mf[1])
	wantCodes(t, "wife (foreign-born non-citizen)", c, wife, map[string]string{"SEX": "F",
		"MIGRATORY_STATUS": "FB_NCIT", "HH_MIG_STATUS": "H_RET", "DISABILITY_STATUS": "NOPD"})
	wantValue(t, "wife", wife, "LAB1", true, 1, 1, w) // not employed, seeking and available
	wantValue(t, "wife", wife, "LAB2", false, 0, 0, 0)
	wantValue(t, "wife", wife, "FL1", true, 1, 1, w) // documents withheld
	wantValue(t, "wife", wife, "MIG1", false, 0, 0, 0)
	wantValue(t, "wife", wife, "MIG2", false, 0, 0, 0) // f_first = no
	wantValue(t, "wife", wife, "SP1", true, 1, 1, w)   // child benefit
	wantValue(t, "wife", wife, "HLT1", true, 1, 1, w)
	wantValue(t, "wife", wife, "DIS1", false, 0, 0, 0) // not the respondent

	neet := decodeT(t, c, mf[2])
	wantCodes(t, "16-year-old", c, neet, map[string]string{"AGE": "Y15T24", "MIGRATORY_STATUS": "NB_NM"})
	wantValue(t, "16-year-old", neet, "LAB3", true, 1, 1, w)
	wantValue(t, "16-year-old", neet, "EDU1", true, 0, 1, w)
	wantValue(t, "16-year-old", neet, "LAB1", false, 0, 0, 0) // neither employed nor unemployed
	wantValue(t, "16-year-old", neet, "FIN1", true, 1, 1, w)  // mobile money
	wantValue(t, "16-year-old", neet, "HLT1", false, 0, 0, 0) // j_ins = dk
	wantValue(t, "16-year-old", neet, "FL1", false, 0, 0, 0)  // not a migrant

	child := decodeT(t, c, mf[3])
	wantCodes(t, "child of 4", c, child, map[string]string{"AGE": "Y_LT15", "DISABILITY_STATUS": "_Z"})
	wantValue(t, "child of 4", child, "HLT1", true, 0, 1, w)
	wantValue(t, "child of 4", child, "EDU1", false, 0, 0, 0)
	if len(child.Values) != 1 {
		t.Errorf("child of 4: entries %+v, want HLT1 only", child.Values)
	}

	gran := decodeT(t, c, mf[4])
	wantCodes(t, "grandmother", c, gran, map[string]string{"AGE": "Y_GE65", "DISABILITY_STATUS": "PD", "SEX": "F"})
	wantValue(t, "grandmother", gran, "SP1", true, 1, 1, w)
}

func TestFactsNoConsent(t *testing.T) {
	sv, c := mhs(t)
	env := `{"id": "7a1c2a4e-1b7d-4c59-9e0a-6d2f4b8c1a73", "survey": "mhs", "version": 1,
	 "started_at": "2026-11-02T09:00:00Z", "completed_at": "2026-11-02T09:05:00Z", "device_id": "tab-001",
	 "data": {"a_psu": 17, "a_dwelling": 5, "a_stratum": "R3U", "a_region": "R3", "a_urban": "U",
	  "a_weight": 120.5, "a_date": "2026-11-02", "a_consent": "no"}}`
	hf, mf := c.Facts(sv, validated(t, sv, env))
	if mf != nil {
		t.Errorf("member facts %q, want none", mf)
	}
	h := decodeT(t, c, hf)
	if h.Stratum != "R3U" || h.PSU != "17" || h.Weight != 120.5 || len(h.Values) != 0 {
		t.Errorf("no-consent household facts %q: want the design and no entries", hf)
	}
	wantCodes(t, "no consent", c, h, map[string]string{"URBANISATION": "U", "REGION": "R3", "SEX": ""})
}

func TestFactsRobust(t *testing.T) {
	sv, c := mhs(t)
	// Another survey gives no facts.
	other, err := form.Load(bytes.Replace(schemas.MHS, []byte(`"form_id": "mhs"`), []byte(`"form_id": "other"`), 1))
	if err != nil {
		t.Fatal(err)
	}
	if h, m := c.Facts(other, map[string]any{"a_psu": 1.0}); h != "" || m != nil {
		t.Errorf("facts for another survey: %q %q", h, m)
	}
	// An unvalidated household with missing and wrong-typed answers: no panic,
	// a household row, and no entry whose y is not a number.
	data := map[string]any{"a_psu": 3.0, "a_stratum": "R1|U", "a_weight": "x", "a_consent": "yes",
		"members": []any{map[string]any{"b_age": 30.0, "f_first": "yes", "f_earn1": 100.0, "f_paid_any": "yes"}, "junk"}}
	hf, mf := c.Facts(sv, data)
	h := decodeT(t, c, hf)
	if h.Stratum != "R1|U" || !math.IsNaN(h.Weight) || len(h.Values) != 0 {
		t.Errorf("facts %q: stratum %q (escaped and back), weight %v, entries %v", hf, h.Stratum, h.Weight, h.Values)
	}
	if len(mf) != 2 {
		t.Fatalf("%d member rows, want 2", len(mf))
	}
	for _, m := range mf {
		if u := decodeT(t, c, m); len(u.Values) != 0 {
			t.Errorf("member without a household weight has entries: %q", m)
		}
	}
	// A hostile household cannot make its facts longer than their column.
	huge := map[string]any{"a_psu": strings.Repeat("9", 1<<20), "a_stratum": strings.Repeat("|é", 1<<20),
		"a_weight": 1e300, "a_region": strings.Repeat(",", 1<<20), "a_urban": strings.Repeat("U", 1<<20),
		"a_date": "2026-10-10", "a_consent": "yes", "members": []any{map[string]any{"mig_status": strings.Repeat("%", 1<<20)}}}
	hf, mf = c.Facts(sv, huge)
	if len(hf) > 2000 || len(mf) != 1 || len(mf[0]) > 2000 {
		t.Errorf("facts of a hostile household: %d and %d bytes", len(hf), len(mf[0]))
	}
	if _, err := c.Decode(mf[0]); err != nil {
		t.Errorf("facts of a hostile household do not decode: %v", err)
	}
	data["a_weight"] = 10.0
	_, mf = c.Facts(sv, data)
	m := decodeT(t, c, mf[0])
	if _, ok := m.Value("MIG1"); ok { // f_cost missing: the ratio is not a number
		t.Errorf("MIG1 entry without f_cost: %q", mf[0])
	}
	if _, ok := m.Value("MIG2"); !ok {
		t.Errorf("MIG2 entry missing: %q", mf[0])
	}
}

func TestDecodeStale(t *testing.T) {
	_, c := mhs(t)
	for _, f := range []string{"", "0.deadbeef|R1U|1|1||,,,,,,|", c.FactsPrefix() + "|R1U"} {
		_, err := c.Decode(f)
		var se *StaleError
		if !errors.As(err, &se) {
			t.Errorf("Decode(%q) = %v, want a StaleError", f, err)
		}
	}
	if !strings.HasPrefix(c.FactsPrefix(), "1.") || len(c.Hash) != 8 {
		t.Errorf("prefix %q hash %q", c.FactsPrefix(), c.Hash)
	}
}

package hooks_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"fieldbase/dedup"
)

// unkeyedHeadKey is the head key as the previous version stored it: an unkeyed SHA-256 of
// the normalised name (the attack's dictionary hashes names this way).
func unkeyedHeadKey(name string) string {
	n := dedup.NormaliseName(name)
	if n == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("fieldbase/head-name/v1\x00" + n))
	return hex.EncodeToString(sum[:])
}

// TestAttackDictionary is doors 2 and 3 of issue 12: analysts read and filtered head_key (an
// unkeyed SHA-256 of the normalised head name: 931 of 1,048 cracked by a dictionary) and
// content_hash (an unkeyed SHA-256 of the canonical answers, names included: 29 of 30
// two-person households recovered from what an analyst can read). The attack now runs on
// everything each role can read, with the real names in its dictionary, and recovers nothing;
// even a superuser, who sees the digests, cannot match them without the secret.
func TestAttackDictionary(t *testing.T) {
	s := newServer(t)
	n, _ := approvedHouseholds(t, s, 40, 0)
	// The dictionary: the real head and member names (the best an attacker could hope for),
	// plus noise.
	var heads []string
	if err := s.App.DB().NewQuery("SELECT json_extract(pii, '$.a_head_name') AS n FROM submissions WHERE n IS NOT NULL").Column(&heads); err != nil {
		t.Fatal(err)
	}
	if len(heads) < n/2 {
		t.Fatalf("%d head names for %d households", len(heads), n)
	}
	dict := map[string]string{} // hash -> name
	for _, name := range append(heads, "Ram Sharma", "Sita Thapa") {
		dict[unkeyedHeadKey(name)] = name
		dict[dedup.ContentHash(map[string]any{"a_head_name": name})] = name
	}
	// Control: this dictionary cracks every head key the previous version stored.
	for _, h := range heads {
		if _, hit := dict[dedup.HeadKey(h)]; !hit && dedup.HeadKey(h) != "" {
			t.Fatalf("the dictionary misses the old key of %q: the attack proves nothing", h)
		}
	}
	recovered, tried := 0, 0
	for _, who := range []string{"analyst", "analystPII", "supA", "enumA1", "superuser"} {
		code, body := s.do("GET", "/api/collections/submissions/records?perPage=500", who, nil)
		if code != 200 {
			t.Fatalf("%s list: %d %v", who, code, body)
		}
		for _, it := range asList(body["items"]) {
			rec := it.(map[string]any)
			for _, k := range []string{"head_key", "content_hash", "raw_hash", "roster_sig"} {
				v, shown := rec[k]
				if shown && who != "superuser" {
					t.Errorf("%s reads %s", who, k)
				}
				if str, _ := v.(string); str != "" {
					tried++
					if _, hit := dict[str]; hit {
						recovered++
					}
				}
			}
			// Content: the canonical answers the reader sees, hashed the old way, must match
			// no stored digest either.
			answers, _ := rec["data"].(map[string]any)
			if pii, ok := rec["pii"].(map[string]any); ok && answers != nil {
				for k, v := range pii {
					if _, isRows := v.([]any); !isRows {
						answers[k] = v
					}
				}
			}
			if answers != nil {
				dict[dedup.ContentHash(answers)] = "content"
			}
		}
		// Filtering or sorting by a digest is refused: a count would answer "is this the key?".
		for _, q := range []string{"filter=" + urlq("head_key='"+unkeyedHeadKey(heads[0])+"'"), "sort=head_key", "filter=" + urlq("content_hash!=''")} {
			code, body := s.do("GET", "/api/collections/submissions/records?"+q, who, nil)
			if who != "superuser" && code == 200 {
				if total, _ := body["totalItems"].(float64); total > 0 {
					t.Errorf("%s: %s answers %v items", who, q, total)
				}
			}
		}
	}
	// The superuser's digests against the dictionary of contents built from every reader's view.
	code, body := s.do("GET", "/api/collections/submissions/records?perPage=500", "superuser", nil)
	if code != 200 {
		t.Fatal(body)
	}
	for _, it := range asList(body["items"]) {
		rec := it.(map[string]any)
		for _, k := range []string{"head_key", "content_hash"} {
			if _, hit := dict[fmt.Sprint(rec[k])]; hit {
				recovered++
			}
		}
	}
	t.Logf("dictionary of %d names and %d answer sets: %d of %d digests recovered", len(heads)+2, len(dict)-2*(len(heads)+2), recovered, tried)
	if tried == 0 {
		t.Fatal("no digest was read at all, not even by the superuser: the test proves nothing")
	}
	if recovered != 0 {
		t.Fatalf("%d digests recovered by the dictionary", recovered)
	}
	// The members' names are not in anything an analyst without the grant reads.
	code, raw := s.doRaw("GET", "/api/collections/members/records?perPage=500", "analyst", nil)
	var names []string
	s.App.DB().NewQuery("SELECT json_extract(s.pii, '$.members[' || m.pos || '].b_name') AS n FROM members m JOIN submissions s ON s.id = m.submission WHERE n IS NOT NULL").Column(&names)
	if len(names) == 0 {
		t.Fatal("no member names stored: the check proves nothing")
	}
	for _, nm := range names {
		if nm != "" && strings.Contains(string(raw), nm) {
			t.Fatalf("the analyst reads the member name %q (%d)", nm, code)
		}
	}
}

func urlq(s string) string { return url.QueryEscape(s) }

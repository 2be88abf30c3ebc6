package hooks_test

import (
	"fmt"
	"strings"
	"testing"

	"fieldbase/dedup"
)

// disclosureMatrix is the role matrix for the fields issue 12 protects, on team A's approved
// submission recorded by enumA1 (roles as in matrixRoles):
//
//	digests: "shown" when head_key, content_hash, raw_hash and roster_sig are all in the
//	         record, "hidden" when none is, the status otherwise
//	gps:     "recorded" (lat/lon and data.a_gps as recorded), "displaced" (the PSU's
//	         displaced point, no accuracy), or the status
//	filter:  a list filter on data.a_gps: "ok" (200) or the status
var disclosureMatrix = `
row      anon enumA1   enumA2 supA     supB analyst   analystPII su
digests  404  hidden   404    hidden   404  hidden    hidden     shown
gps      404  recorded 404    recorded 404  displaced recorded   recorded
filter   ok   ok       ok     ok       ok   400       ok         ok
`

func TestRoleMatrixDisclosure(t *testing.T) {
	s := newServer(t)
	env := households(t, 1, 8080)[0]
	var id string
	for k := int64(0); ; k++ { // a household with a GPS fix
		env = households(t, 1, 8080+k)[0]
		if _, ok := data(env)["a_gps"].(map[string]any); ok {
			break
		}
	}
	id, _ = pushOne(t, s, "enumA1", env)
	approve(t, s, []string{id})
	gps := data(env)["a_gps"].(map[string]any)
	roles := []string{"", "enumA1", "enumA2", "supA", "supB", "analyst", "analystPII", "superuser"}
	lines := strings.Split(strings.TrimSpace(disclosureMatrix), "\n")
	var displaced []float64
	for _, line := range lines[1:] {
		cells := strings.Fields(line)
		row, want := cells[0], cells[1:]
		for i, who := range roles {
			var got string
			switch row {
			case "digests", "gps":
				code, rec := s.do("GET", "/api/collections/submissions/records/"+id, who, nil)
				if code != 200 {
					got = fmt.Sprint(code)
					break
				}
				if row == "digests" {
					n := 0
					for _, k := range []string{"head_key", "content_hash", "raw_hash", "roster_sig"} {
						if _, ok := rec[k]; ok {
							n++
						}
					}
					got = map[int]string{0: "hidden", 4: "shown"}[n]
					if got == "" {
						got = fmt.Sprint(n, " of 4")
					}
					break
				}
				lat, _ := rec["lat"].(float64)
				lon, _ := rec["lon"].(float64)
				ag, _ := rec["data"].(map[string]any)["a_gps"].(map[string]any)
				switch {
				case lat == gps["lat"] && lon == gps["lon"] && ag["lat"] == gps["lat"] && ag["accuracy"] == gps["accuracy"]:
					got = "recorded"
				case lat != 0 && ag["lat"] == lat && ag["lon"] == lon && ag["accuracy"] == nil && (rec["gps_accuracy"] == nil || rec["gps_accuracy"] == 0.0) &&
					dedup.Distance(lat, lon, gps["lat"].(float64), gps["lon"].(float64)) <= 10001:
					got = "displaced"
					displaced = []float64{lat, lon}
				default:
					got = fmt.Sprintf("other %v %v %v", lat, lon, ag)
				}
			case "filter":
				code, _ := s.do("GET", "/api/collections/submissions/records?filter="+urlq("data.a_gps.lat > 0"), who, nil)
				got = map[bool]string{true: "ok", false: fmt.Sprint(code)}[code == 200]
			}
			if got != want[i] {
				t.Errorf("%s as %q: %s, want %s", row, who, got, want[i])
			}
		}
	}
	// The displaced point is the PSU's: another household of the same PSU gets the same one,
	// and it does not move when more households arrive.
	other := households(t, 1, 9191)[0]
	data(other)["a_psu"] = data(env)["a_psu"]
	data(other)["a_gps"] = map[string]any{"lat": gps["lat"].(float64) + 0.01, "lon": gps["lon"], "accuracy": 3}
	id2, _ := pushOne(t, s, "enumA1", other)
	approve(t, s, []string{id2})
	for _, x := range []string{id, id2} {
		_, rec := s.do("GET", "/api/collections/submissions/records/"+x, "analyst", nil)
		if len(displaced) != 2 || rec["lat"] != displaced[0] || rec["lon"] != displaced[1] {
			t.Errorf("household %s of the PSU is shown at %v %v, the PSU's point is %v", x, rec["lat"], rec["lon"], displaced)
		}
	}
}

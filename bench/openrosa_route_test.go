package bench

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fieldbase/form"
	"fieldbase/schemas"
	"fieldbase/xform"
)

// BenchmarkOpenRosaRoute: one op is one household POSTed to /submission as Collect sends
// it (multipart XML, app token in the URL); 8 clients. BENCH_GATHER_MAX=0 (a duration)
// sets how long a group commit waits for Writes coming (store/gather.go).
//
//	go test ./bench -run '^$' -bench OpenRosaRoute -benchtime 800x -cpuprofile /tmp/cpu.out
func BenchmarkOpenRosaRoute(b *testing.B) {
	rs := newRouteServer(b, 8)
	f, err := form.Load(schemas.MHS)
	if err != nil {
		b.Fatal(err)
	}
	col, _ := rs.app.FindCollectionByNameOrId("app_tokens")
	users, _ := rs.app.FindAllRecords("users")
	var bases []string
	for _, u := range users {
		r := core.NewRecord(col)
		r.Set("enumerator", u.Id)
		if err := rs.app.Save(r); err != nil {
			b.Fatal(err)
		}
		bases = append(bases, "/openrosa/key/"+r.GetString("token"))
	}
	var bodies []orBody
	for _, raw := range envelopes(b, 13, b.N) {
		var env map[string]any
		json.Unmarshal(raw, &env)
		bodies = append(bodies, multipartXML(xform.InstanceXML(f, env)))
	}
	c := newClient(rs.url)
	st, err := rs.srv.Store()
	if err != nil {
		b.Fatal(err)
	}
	if d, err := time.ParseDuration(os.Getenv("BENCH_GATHER_MAX")); err == nil {
		st.DB.GatherMax = d // to compare: 0 commits each group without waiting for the Writes coming
	}
	b.ResetTimer()
	cpu0, syncs := selfCPU(), st.DB.Syncs()
	n, elapsed, _, err := orSend(context.Background(), c, bases, bodies)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64((selfCPU()-cpu0).Microseconds())/float64(n), "cpu-us/household")
	b.ReportMetric(float64(n)/elapsed.Seconds(), "households/s")
	// How many households a durable commit holds: 8 clients with one form in flight each.
	b.ReportMetric(float64(n)/float64(st.DB.Syncs()-syncs), "households/commit")
}

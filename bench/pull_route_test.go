package bench

import (
	"context"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// BenchmarkPullRoute: one op is one enumerator's pull of 1,000 review decisions (900
// approvals, 100 rejections carrying the answers back), as the bench's pull figure:
//
//	go test ./bench -run '^$' -bench PullRoute -benchtime 50x -cpuprofile /tmp/pull.out
func BenchmarkPullRoute(b *testing.B) {
	rs := newRouteServer(b, 1)
	team, err := rs.app.FindFirstRecordByFilter("teams", "name = 'T'")
	if err != nil {
		b.Fatal(err)
	}
	users, _ := rs.app.FindCollectionByNameOrId("users")
	sup := core.NewRecord(users)
	sup.SetEmail("sup@example.org")
	sup.Set("role", "supervisor")
	sup.Set("teams", []string{team.Id})
	sup.SetPassword("password123")
	if err := rs.app.Save(sup); err != nil {
		b.Fatal(err)
	}
	supToken, err := sup.NewStaticAuthToken(time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	c := newClient(rs.url)
	st, err := pushPrepared(ctx, c, rs.tokens, batches(envelopes(b, 13, 1200), 100), true)
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	for _, items := range st.byClient {
		for _, it := range items {
			if len(ids) < 1000 && (it.Status == "received" || it.Status == "flagged") {
				ids = append(ids, it.Record)
			}
		}
	}
	if len(ids) < 1000 {
		b.Fatalf("only %d reviewable submissions", len(ids))
	}
	if err := reviewBulk(ctx, c, supToken, "approve", "", ids[:900]); err != nil {
		b.Fatal(err)
	}
	if err := reviewBulk(ctx, c, supToken, "reject", "Please check the roster ages with the household.", ids[900:]); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu0 := selfCPU()
	for i := 0; i < b.N; i++ {
		ans, _, err := pull(ctx, c, rs.tokens[0], "0", 1000)
		if err != nil {
			b.Fatal(err)
		}
		if len(ans.Decisions) < 990 {
			b.Fatalf("pull: %d decisions", len(ans.Decisions))
		}
	}
	b.ReportMetric(float64((selfCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/pull")
}

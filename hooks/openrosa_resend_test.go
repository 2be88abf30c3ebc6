package hooks_test

import (
	"fmt"
	"testing"

	"github.com/pocketbase/dbx"
)

// TestOpenRosaResendPastQuota: an OpenRosa resend is recognised inside the write
// transaction (by the raw hash of the rows under its instanceID), not by a read before it.
// One that never reaches the transaction, because the day's quota refuses it, must still be
// answered "already received" (Collect would otherwise keep the form and send it forever),
// while a new household past the quota is refused.
func TestOpenRosaResendPastQuota(t *testing.T) {
	// The size the engine's household is stored at, under the default quota.
	first := newORClient(t)
	xml, id := engineInstance(t)
	wantStatus(t, "new", first.submit(xml, nil, nil), 201, "Received")
	var size int
	first.s.App.DB().NewQuery("SELECT LENGTH(data) + LENGTH(COALESCE(pii, '')) FROM submissions WHERE uuid = {:u}").
		Bind(dbx.Params{"u": id}).Row(&size)
	if size == 0 {
		t.Fatal("the household was not stored")
	}

	// Room for one household and a half: the resend (counted when let through) is refused
	// by the quota before the transaction.
	t.Setenv("FIELDBASE_QUOTA_BYTES", fmt.Sprint(size+size/2))
	c := newORClient(t)
	xml, id = engineInstance(t)
	wantStatus(t, "new", c.submit(xml, nil, nil), 201, "Received: thank you")
	wantStatus(t, "identical resend past the quota", c.submit(xml, nil, nil), 201, "Already received")
	wantStatus(t, "identical resend again", c.submit(xml, nil, nil), 201, "Already received")
	other, _ := engineInstance(t)
	wantStatus(t, "a new household past the quota", c.submit(other, nil, nil), 400, "daily quota reached")
	if n := c.count("1=1"); n != 1 {
		t.Errorf("%d submissions stored, want 1", n)
	}
	if n := c.count("uuid = '" + id + "'"); n != 1 {
		t.Errorf("%d submissions have the resent id, want 1", n)
	}
}

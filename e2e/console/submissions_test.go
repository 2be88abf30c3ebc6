package console

import (
	"testing"
)

// A supervisor signs in and sees their team's households, and only theirs.
func TestSupervisorSubmissions(t *testing.T) {
	ctx := browser(t)
	signIn(t, ctx, "sup1@fieldbase.demo")
	run(t, ctx, css(`table.grid tbody tr`))
	screenshot(t, ctx, "submissions")
	body := text(t, ctx, "table.grid")
	if !contains(body, "Team Koshi") || contains(body, "Team Bagmati") {
		t.Errorf("the table of sup1 shows other teams or not theirs:\n%.600s", body)
	}
}

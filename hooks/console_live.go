package hooks

import (
	"encoding/json"
	"slices"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"

	"fieldbase/ingest"
)

// ConsoleTopic is the realtime topic the console subscribes to. Its messages say only that a
// team's households changed ({"team", "what"}), never what they hold, and go only to the
// team's supervisors and to superusers; the screen then reloads its page through the scoped
// routes. Every path that changes a household tells it: pushes of either protocol, decisions,
// the record API. The console does not subscribe to the records themselves (PocketBase's
// record subscriptions would make the server build every pushed household's record for
// the broadcast, a tenth of an OpenRosa household's CPU; see events.go).
const ConsoleTopic = "fieldbase/console"

func (s *Server) bindConsoleLive(se *core.ServeEvent) {
	// Pushes, by either protocol, tell the console from afterPush (notifyPushed). Decisions
	// go through app.Save, whichever path made them. The record API's creates and deletes (a
	// superuser in the admin UI) tell it once they succeed: its request hooks, not the
	// record's, which also run for a push's events when someone subscribes to them.
	s.app.OnRecordAfterUpdateSuccess("submissions").BindFunc(func(e *core.RecordEvent) error {
		s.consoleNotify(e.Record.GetString("team"), "review")
		return e.Next()
	})
	told := func(e *core.RecordRequestEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		s.consoleNotify(e.Record.GetString("team"), "record")
		return nil
	}
	s.app.OnRecordCreateRequest("submissions").BindFunc(told)
	s.app.OnRecordDeleteRequest("submissions").BindFunc(told)
}

// notifyPushed tells the console of each team whose households a push created (a
// correction's superseded household is of the same team as the correction).
func (s *Server) notifyPushed(written []ingest.Written) {
	if s.app.SubscriptionsBroker().TotalClients() == 0 {
		return
	}
	var told []string
	for _, w := range written {
		if w.Row == nil || slices.Contains(told, w.Row.Team) {
			continue
		}
		told = append(told, w.Row.Team)
		s.consoleNotify(w.Row.Team, "push")
	}
}

// consoleNotify tells the subscribed console clients that may see team that it changed.
func (s *Server) consoleNotify(team, what string) {
	data, _ := json.Marshal(map[string]string{"team": team, "what": what})
	msg := subscriptions.Message{Name: ConsoleTopic, Data: data}
	for _, c := range s.app.SubscriptionsBroker().Clients() {
		if !c.HasSubscription(ConsoleTopic) {
			continue
		}
		auth, _ := c.Get(apis.RealtimeClientAuthKey).(*core.Record)
		switch roleOf(auth) {
		case RoleSuperuser:
		case RoleSupervisor:
			if !contains(teamsOf(auth), team) {
				continue
			}
		default:
			continue
		}
		c.Send(msg)
	}
}

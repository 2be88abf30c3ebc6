package hooks

import (
	"encoding/json"
	"net/http"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// ConsoleTopic is the realtime topic the console subscribes to. Its messages say only that a
// team's households changed ({"team", "what"}), never what they hold, and go only to the
// team's supervisors and to superusers; the screen then reloads its page through the scoped
// routes. Record subscriptions (PocketBase's own, under the collection rules) may carry the
// same news: the screen takes whichever comes first.
const ConsoleTopic = "fieldbase/console"

func (s *Server) bindConsoleLive(se *core.ServeEvent) {
	se.Router.BindFunc(func(e *core.RequestEvent) error {
		if e.Request.Method != http.MethodPost || e.Request.URL.Path != "/api/sync/push" {
			return e.Next()
		}
		err := e.Next()
		if err == nil && e.Auth != nil {
			for _, t := range teamsOf(e.Auth) {
				s.consoleNotify(t, "push")
			}
		}
		return err
	})
	// Decisions go through app.Save, whichever path made them.
	s.app.OnRecordAfterUpdateSuccess("submissions").BindFunc(func(e *core.RecordEvent) error {
		s.consoleNotify(e.Record.GetString("team"), "review")
		return e.Next()
	})
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

package hooks

import (
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// Small caches that keep an OpenRosa POST (one household per request, as Collect sends)
// from paying several SQL reads before the store: the app token's enumerator, the survey
// version's status and the device record's last touch. Record events of the admin UI and
// the record API clear them at once (revoking a token, retiring a survey); a change made
// with raw SQL is seen within cacheTTL.
const cacheTTL = 10 * time.Second

type cached[V any] struct {
	v  V
	at time.Time
}

type ttlCache[V any] struct {
	mu sync.Mutex
	m  map[string]cached[V]
}

func (c *ttlCache[V]) get(k string, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || now.Sub(e.at) > cacheTTL {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[V]) put(k string, v V, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 10000 {
		c.m = map[string]cached[V]{}
	}
	c.m[k] = cached[V]{v, now}
}

func (c *ttlCache[V]) clear() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}

// orCaches are one server's caches.
type orCaches struct {
	tokenUsers   ttlCache[*core.Record] // app token -> enumerator (nil: no such token)
	surveyStatus ttlCache[surveyRow]    // form@version -> row (Status "" when absent)
	deviceTouch  ttlCache[bool]         // enumerator|device -> touched within cacheTTL
}

var orCacheOf sync.Map // *Server -> *orCaches

func (s *Server) orCache() *orCaches {
	if c, ok := orCacheOf.Load(s); ok {
		return c.(*orCaches)
	}
	c, _ := orCacheOf.LoadOrStore(s, &orCaches{})
	return c.(*orCaches)
}

// bindOpenRosaCaches clears the caches when what they hold changes through PocketBase.
func (s *Server) bindOpenRosaCaches() {
	c := s.orCache()
	s.app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error { orCacheOf.Delete(s); return e.Next() })
	clearTokens := func(e *core.RecordEvent) error { c.tokenUsers.clear(); return e.Next() }
	for _, col := range []string{"app_tokens", "users"} {
		s.app.OnRecordAfterUpdateSuccess(col).BindFunc(clearTokens)
		s.app.OnRecordAfterDeleteSuccess(col).BindFunc(clearTokens)
	}
	clearSurveys := func(e *core.RecordEvent) error { c.surveyStatus.clear(); return e.Next() }
	s.app.OnRecordAfterCreateSuccess("surveys").BindFunc(clearSurveys)
	s.app.OnRecordAfterUpdateSuccess("surveys").BindFunc(clearSurveys)
	s.app.OnRecordAfterDeleteSuccess("surveys").BindFunc(clearSurveys)
}

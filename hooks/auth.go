package hooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// Failed sign-ins slow down the identity that failed, not everyone behind one office IP
// (sync.md). Within LoginWindow, an identity may fail LoginFailsPerAddress times from one
// address and LoginFailsPerIdentity times from all addresses together; an address may fail
// LoginFailsPerAddressAll times over all identities (password spraying). Past a limit every
// sign-in of that identity (from that address) or from that address is answered 429, the
// right password included, until the window has passed since the first counted failure. A
// successful sign-in clears its identity's count from its address.
// Variables so that tests can shorten them.
var (
	LoginWindow             = 15 * time.Minute
	LoginFailsPerAddress    = 5
	LoginFailsPerIdentity   = 20
	LoginFailsPerAddressAll = 100
)

type failCount struct {
	n     int
	since time.Time
}

// loginThrottle counts failed sign-ins in memory: a restart forgets them, which costs an
// attacker nothing he could not get by waiting out the window.
type loginThrottle struct {
	mu    sync.Mutex
	fails map[string]*failCount
	now   func() time.Time
}

func newLoginThrottle() *loginThrottle {
	return &loginThrottle{fails: map[string]*failCount{}, now: time.Now}
}

func throttleKeys(collection, identity, addr string) (pair, ident, address string) {
	id := collection + "\x00" + strings.ToLower(strings.TrimSpace(identity))
	return "p\x00" + id + "\x00" + addr, "i\x00" + id, "a\x00" + addr
}

// blocked says how long the sign-in must wait, 0 when it may go ahead.
func (l *loginThrottle) blocked(collection, identity, addr string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	pair, ident, address := throttleKeys(collection, identity, addr)
	now := l.now()
	var wait time.Duration
	for _, k := range []struct {
		key   string
		limit int
	}{{pair, LoginFailsPerAddress}, {ident, LoginFailsPerIdentity}, {address, LoginFailsPerAddressAll}} {
		f := l.fails[k.key]
		if f == nil {
			continue
		}
		left := f.since.Add(LoginWindow).Sub(now)
		if left <= 0 {
			delete(l.fails, k.key)
			continue
		}
		if f.n >= k.limit && left > wait {
			wait = left
		}
	}
	return wait
}

func (l *loginThrottle) failed(collection, identity, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.fails) > 100000 { // a flood of made-up identities: start counting afresh
		clear(l.fails)
	}
	pair, ident, address := throttleKeys(collection, identity, addr)
	now := l.now()
	for _, k := range []string{pair, ident, address} {
		f := l.fails[k]
		if f == nil || now.Sub(f.since) > LoginWindow {
			f = &failCount{since: now}
			l.fails[k] = f
		}
		f.n++
	}
}

func (l *loginThrottle) succeeded(collection, identity, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	pair, _, _ := throttleKeys(collection, identity, addr)
	delete(l.fails, pair)
}

// bindAuth throttles password sign-ins and keeps an email change request from telling
// whether an address has an account.
func (s *Server) bindAuth() {
	s.app.OnRecordAuthWithPasswordRequest().Bind(&hook.Handler[*core.RecordAuthWithPasswordRequestEvent]{
		Id: "fieldbaseLoginThrottle",
		Func: func(e *core.RecordAuthWithPasswordRequestEvent) error {
			col, addr := e.Collection.Name, e.RealIP()
			if wait := s.logins.blocked(col, e.Identity, addr); wait > 0 {
				return apiError(http.StatusTooManyRequests, fmt.Sprintf(
					"too many failed sign-ins for this account from here: try again in %d minutes, or ask a superuser to reset the password",
					int(wait.Minutes())+1))
			}
			err := e.Next()
			if err != nil {
				s.logins.failed(col, e.Identity, addr)
			} else {
				s.logins.succeeded(col, e.Identity, addr)
			}
			return err
		},
	})
}

// emailChangeGuard answers a request to change one's email to an address that already has
// an account exactly as a request that went through (204), and sends nothing: PocketBase's
// own answer ("Invalid new email address.") would tell any user which addresses have
// accounts.
func (s *Server) emailChangeGuard(e *core.RequestEvent) error {
	if e.Request.Method != http.MethodPost || !strings.HasSuffix(e.Request.URL.Path, "/request-email-change") ||
		!strings.HasPrefix(e.Request.URL.Path, "/api/collections/") || e.Auth == nil {
		return e.Next()
	}
	body, err := io.ReadAll(io.LimitReader(e.Request.Body, 64<<10))
	if err != nil {
		return apiError(http.StatusBadRequest, "could not read the request body")
	}
	e.Request.Body = io.NopCloser(bytes.NewReader(body))
	var req struct {
		NewEmail string `json:"newEmail"`
	}
	if json.Unmarshal(body, &req) == nil && req.NewEmail != "" && !strings.EqualFold(req.NewEmail, e.Auth.Email()) {
		if found, err := s.app.FindAuthRecordByEmail(e.Auth.Collection(), req.NewEmail); err == nil && found.Id != e.Auth.Id {
			return e.NoContent(http.StatusNoContent)
		}
	}
	return e.Next()
}

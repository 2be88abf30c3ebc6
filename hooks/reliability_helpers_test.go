package hooks_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// Helpers shared by the reliability and security tests (issue 9).

// rawRequest sends any body with any headers (token: a raw Authorization value, "" for none)
// and returns the status and the whole answer.
func (s *server) rawRequest(method, path, token string, header map[string]string, body io.Reader, length int64) (int, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.URL+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if length >= 0 {
		req.ContentLength = length
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return res.StatusCode, raw
}

// dataTables are the tables a refused request must leave alone.
var dataTables = []string{"submissions", "members", "emigrants", "reviews", "changes", "assignments", "surveys", "users", "teams", "exports"}

func snapshot(t testing.TB, s *server) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tb := range dataTables {
		out[tb] = count(t, s, tb, "")
	}
	return out
}

// diff names the tables whose row counts changed.
func diff(a, b map[string]int) string {
	var out []string
	for _, tb := range dataTables {
		if a[tb] != b[tb] {
			out = append(out, fmt.Sprintf("%s %d->%d", tb, a[tb], b[tb]))
		}
	}
	return strings.Join(out, ", ")
}

// signToken makes an HS256 JWT with claims signed by key (a forged token when key is wrong).
func signToken(claims map[string]any, key string) string {
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT"})
	p, _ := json.Marshal(claims)
	unsigned := enc.EncodeToString(h) + "." + enc.EncodeToString(p)
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(unsigned))
	return unsigned + "." + enc.EncodeToString(mac.Sum(nil))
}

// authClaims are the claims of a PocketBase auth token for rec, expiring at exp.
func authClaims(rec *core.Record, exp time.Time) map[string]any {
	return map[string]any{"id": rec.Id, "type": "auth", "collectionId": rec.Collection().Id,
		"refreshable": false, "exp": exp.Unix()}
}

// signingKey is the key PocketBase signs rec's auth tokens with.
func signingKey(rec *core.Record) string {
	return rec.TokenKey() + rec.Collection().AuthToken.Secret
}

// jsonError checks that an answer is PocketBase's JSON error shape with the given status.
func jsonError(raw []byte, status int) error {
	var e struct {
		Status  int    `json:"status"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return fmt.Errorf("answer is not JSON: %v: %.200q", err, raw)
	}
	if e.Status != status || strings.TrimSpace(e.Message) == "" {
		return fmt.Errorf("want a JSON error with status %d and a message, got %.300s", status, raw)
	}
	return nil
}

// patternReader yields n bytes of a repeating pattern without holding them in memory.
type patternReader struct {
	prefix, pattern []byte
	n, off          int64
}

func (r *patternReader) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	i := 0
	for i < len(p) && r.off < r.n {
		if r.off < int64(len(r.prefix)) {
			p[i] = r.prefix[r.off]
		} else {
			p[i] = r.pattern[(r.off-int64(len(r.prefix)))%int64(len(r.pattern))]
		}
		i++
		r.off++
	}
	return i, nil
}

func base64URLEncode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func base64URLDecode(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

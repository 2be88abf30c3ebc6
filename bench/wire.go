package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"time"
)

// latencyDevices is how many devices push at once in the latency phase.
const latencyDevices = 50

// pushLatency has latencyDevices devices (device i signs in as enumerator i mod the clients:
// several tablets per enumerator) push `rounds` batches of `size` new households each, all at
// once, and returns every request's time from send to answer.
func pushLatency(ctx context.Context, c *client, tokens []string, gen *households, rounds, size int) ([]time.Duration, int, error) {
	bodies := make([][][]byte, latencyDevices)
	for i := range bodies {
		for r := 0; r < rounds; r++ {
			envs, err := gen.take(size)
			if err != nil {
				return nil, 0, err
			}
			bodies[i] = append(bodies[i], pushBody(fmt.Sprintf("bench-tablet-%02d", i), envs))
		}
	}
	var mu sync.Mutex
	var lat []time.Duration
	err := runWorkers(ctx, latencyDevices, func(ctx context.Context, i int) error {
		for _, body := range bodies[i] {
			start := time.Now()
			var ans pushAnswer
			if err := c.do(ctx, "POST", "/api/sync/push", tokens[i%len(tokens)], body, &ans); err != nil {
				return err
			}
			d := time.Since(start)
			if ans.Counts["created"] != size {
				return fmt.Errorf("latency push: %v for %d new households", ans.Counts, size)
			}
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		}
		return nil
	})
	return lat, latencyDevices * rounds * size, err
}

// quantile of durations in milliseconds (nearest rank).
func quantileMS(d []time.Duration, q float64) float64 {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	k := int(q*float64(len(s))+0.999999) - 1
	k = max(0, min(k, len(s)-1))
	return float64(s[k].Microseconds()) / 1000
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// wire sends a request and returns the bytes of its body and of the answer as they crossed
// the network (gzip: the body is sent gzipped and the answer asked for gzipped), checking
// that a gzipped answer is valid JSON once inflated.
func (c *client) wire(ctx context.Context, method, path, token string, body []byte, gz bool) (sent, got int, answer []byte, err error) {
	send := body
	if gz && body != nil {
		send = gzipBytes(body)
	}
	var r io.Reader
	if send != nil {
		r = bytes.NewReader(send)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return 0, 0, nil, err
	}
	req.Header.Set("Authorization", token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
		if body != nil {
			req.Header.Set("Content-Encoding", "gzip")
		}
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return 0, 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, 0, nil, err
	}
	if res.StatusCode != 200 {
		return 0, 0, nil, &httpError{Method: method, Path: path, Status: res.StatusCode, Body: fmt.Sprintf("%.300s", raw)}
	}
	answer = raw
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return 0, 0, nil, fmt.Errorf("%s %s: gzip answer: %w", method, path, err)
		}
		if answer, err = io.ReadAll(zr); err != nil {
			return 0, 0, nil, err
		}
	} else if gz && len(raw) > 1024 {
		return 0, 0, nil, fmt.Errorf("%s %s: asked for gzip, got %d plain bytes", method, path, len(raw))
	}
	if !json.Valid(answer) {
		return 0, 0, nil, fmt.Errorf("%s %s: answer is not JSON", method, path)
	}
	return len(send), len(raw), answer, nil
}

// pushWire pushes two batches of n new households, one plain and one gzipped both ways,
// and returns the bytes on the wire per household (request + answer) of each.
func pushWire(ctx context.Context, c *client, token string, gen *households, n int) (plain, gz float64, err error) {
	for _, zip := range []bool{false, true} {
		envs, err := gen.take(n)
		if err != nil {
			return 0, 0, err
		}
		sent, got, answer, err := c.wire(ctx, "POST", "/api/sync/push", token, pushBody("bench-wire", envs), zip)
		if err != nil {
			return 0, 0, err
		}
		var ans pushAnswer
		if err := json.Unmarshal(answer, &ans); err != nil || ans.Counts["created"] != n {
			return 0, 0, fmt.Errorf("wire push: %v %v", ans.Counts, err)
		}
		per := float64(sent+got) / float64(n)
		if zip {
			gz = per
		} else {
			plain = per
		}
	}
	return plain, gz, nil
}

// pullWire pulls the same page plain and gzipped and returns the answer bytes of each.
func pullWire(ctx context.Context, c *client, token, cursor string, limit int) (plain, gz int, err error) {
	path := fmt.Sprintf("/api/sync/pull?cursor=%s&limit=%d&device_id=bench-wire", url.QueryEscape(cursor), limit)
	if _, plain, _, err = c.wire(ctx, "GET", path, token, nil, false); err != nil {
		return 0, 0, err
	}
	_, gz, _, err = c.wire(ctx, "GET", path, token, nil, true)
	return plain, gz, err
}

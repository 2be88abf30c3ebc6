package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"time"

	"fieldbase/form"
	"fieldbase/schemas"
	"fieldbase/xform"
)

// OpenRosa ingest (issue 15): the same kind of households as the push runs, each sent as ODK
// Collect sends a finalised form: one multipart POST /submission per household
// (xml_submission_file), 8 clients (one per enumerator, each with its app token in the
// URL), after one HEAD /submission. The ratio is to the JSON push run of the same run.

// openrosaHouseholds is how many households one OpenRosa run sends.
func (o *Options) openrosaHouseholds() int { return max(o.PushHouseholds/2, o.Clients) }

// openrosaRuns times the runs and prints openrosa_households_per_s and its ratio to push.
func (b *Bench) openrosaRuns(ctx context.Context, c *client, acc *accounts, gen *households, push, pushCPU []float64) error {
	opt := b.opt
	f, err := form.Load(schemas.MHS)
	if err != nil {
		return err
	}
	bases := make([]string, len(acc.Enumerators))
	for i, e := range acc.Enumerators {
		var rec struct {
			Token string `json:"token"`
		}
		if err := c.do(ctx, "POST", "/api/collections/app_tokens/records", acc.Super, map[string]any{"enumerator": e.ID, "label": "bench"}, &rec); err != nil {
			return fmt.Errorf("openrosa: app token: %w", err)
		}
		bases[i] = "/openrosa/key/" + rec.Token
	}
	var rates, ratios, cpus, cpuRatios, clientCPUs []float64
	for r := 0; r < opt.Runs; r++ {
		envs, err := gen.take(opt.openrosaHouseholds())
		if err != nil {
			return err
		}
		bodies := make([]orBody, len(envs))
		for i, raw := range envs {
			var env map[string]any
			if err := json.Unmarshal(raw, &env); err != nil {
				return err
			}
			bodies[i] = multipartXML(xform.InstanceXML(f, env))
		}
		cpu, self := b.srvA.cpu(), selfCPU()
		ticks, steal, ticksOK := cpuTicks()
		n, elapsed, statuses, err := orSend(ctx, c, bases, bodies)
		if err != nil {
			return fmt.Errorf("openrosa run %d: %w", r+1, err)
		}
		rate := float64(n) / elapsed.Seconds()
		pc := msPer(b.srvA.cpu()-cpu, n)
		// The bench's own CPU while its 8 clients send (HTTP, the HEADs): on 2 cores it is
		// taken from the server's.
		clientCPUs = append(clientCPUs, msPer(selfCPU()-self, n))
		rates, cpus = append(rates, rate), append(cpus, pc)
		if r < len(push) {
			ratios = append(ratios, rate/push[r])
			cpuRatios = append(cpuRatios, pc/pushCPU[r])
		}
		b.logf("openrosa run %d: %d households in %d POSTs /submission in %s (%.0f/s, server CPU %.2f ms each, bench client %.2f ms; HTTP %v; %s)",
			r+1, n, n, elapsed.Round(time.Millisecond), rate, pc, clientCPUs[len(clientCPUs)-1], statuses, stealSince(ticks, steal, ticksOK))
	}
	b.logf("openrosa %s households/s (goal 2400 = 20 x ODK Central's 120/s)", runsText(rates))
	b.figure("openrosa_households_per_s", median(rates), "households/s")
	b.figure("openrosa_vs_push", median(ratios), "ratio")
	b.figure("openrosa_server_cpu_ms_per_household", median(cpus), "ms")
	b.figure("openrosa_vs_push_cpu", median(cpuRatios), "ratio")
	b.figure("openrosa_client_cpu_ms_per_household", median(clientCPUs), "ms")
	return nil
}

type orBody struct {
	body        []byte
	contentType string
}

// multipartXML is a submission body as Collect builds it.
func multipartXML(doc []byte) orBody {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="xml_submission_file"; filename="submission.xml"`)
	h.Set("Content-Type", "text/xml")
	p, _ := w.CreatePart(h)
	p.Write(doc)
	w.Close()
	return orBody{buf.Bytes(), w.FormDataContentType()}
}

// orSend has one client per base URL send its share of the bodies as ODK Collect sends the
// finalised forms of one send (OpenRosaServerInstanceUploader): before a form, a HEAD of the
// submission URL, unless a HEAD of this send was answered 204 with a Location on the same
// host, which Collect then remembers (re-adding its ?deviceID=) and POSTs the rest to; then
// the form as one multipart POST, one in flight per client. It times from the first request
// to the last answer, HEADs included. Every POST must be answered 201; n counts the POSTs,
// statuses the answers of both.
func orSend(ctx context.Context, c *client, bases []string, bodies []orBody) (int, time.Duration, map[int]int, error) {
	ch := make(chan orBody, len(bodies))
	for _, b := range bodies {
		ch <- b
	}
	close(ch)
	var mu sync.Mutex
	statuses := map[int]int{}
	n := 0
	start := time.Now()
	err := runWorkers(ctx, len(bases), func(ctx context.Context, i int) error {
		const query = "?deviceID=collect%3Abench"
		url := bases[i] + "/submission" + query
		remapped := false
		oc, err := dialCollect(ctx, c.base)
		if err != nil {
			return err
		}
		defer oc.close()
		for b := range ch {
			if !remapped {
				st, loc, err := orHead(ctx, c, url)
				if err != nil {
					return err
				}
				if st != http.StatusNoContent {
					return fmt.Errorf("HEAD /submission: HTTP %d", st)
				}
				mu.Lock()
				statuses[st]++ // the HEADs' 204s
				mu.Unlock()
				if loc != "" {
					url, remapped = loc, true
					if !strings.Contains(loc, "?") {
						url += query
					}
				}
			}
			st, err := oc.post(url, b)
			if err != nil {
				return err
			}
			if st != http.StatusCreated {
				return fmt.Errorf("POST /submission: HTTP %d", st)
			}
			mu.Lock()
			statuses[st]++
			n++
			mu.Unlock()
		}
		return nil
	})
	return n, time.Since(start), statuses, err
}

// orHead is Collect's HEAD before a submission: the status and the Location it follows, as
// a path on this server ("" when there is none or it is another host's, which Collect would
// refuse to follow).
func orHead(ctx context.Context, c *client, path string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, "HEAD", c.base+path, nil)
	if err != nil {
		return 0, "", err
	}
	setCollectHeaders(req)
	res, err := c.hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	base, _ := url.Parse(c.base)
	if err != nil || loc.Host == "" || !strings.EqualFold(loc.Hostname(), base.Hostname()) {
		return res.StatusCode, "", nil
	}
	loc.Scheme, loc.Host = "", ""
	return res.StatusCode, loc.String(), nil
}

const collectUserAgent = "org.odk.collect.android/v2025.2.1 fieldbase-bench"

func setCollectHeaders(req *http.Request) {
	req.Header.Set("X-OpenRosa-Version", "1.0")
	req.Header.Set("User-Agent", collectUserAgent)
	req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
}

// collectConn is one bench client's keep-alive connection, as ODK Collect's HTTP client keeps
// one to the server: each POST (the same request as http.Client would send: Host, User-Agent,
// X-OpenRosa-Version, Date, the multipart Content-Type and Content-Length, the body) is
// written with net/http's Request.Write and its answer read with http.ReadResponse, on the
// worker's own goroutine. http.Client's Transport spends about twice the CPU on a request
// (a reader and a writer goroutine per connection, handing each request and answer
// between them); on this bench's 2 cores the clients' CPU is taken from the server's, and
// Collect runs on the tablets, not beside the server.
type collectConn struct {
	host string // the Host header
	conn net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer
	stop func() bool // closes the connection when the bench's context ends
}

func dialCollect(ctx context.Context, base string) (*collectConn, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" {
		return nil, fmt.Errorf("openrosa: the bench sends to http:// servers, not %q", base)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, err
	}
	cc := &collectConn{host: u.Host, conn: conn, br: bufio.NewReaderSize(conn, 4096), bw: bufio.NewWriterSize(conn, 16<<10)}
	cc.stop = context.AfterFunc(ctx, func() { conn.Close() })
	return cc, nil
}

func (cc *collectConn) close() {
	cc.stop()
	cc.conn.Close()
}

// post sends one submission and reads the whole answer: its status, or an error with the
// answer's text when it is not 2xx.
func (cc *collectConn) post(path string, b orBody) (int, error) {
	req, err := http.NewRequest("POST", "http://"+cc.host+path, bytes.NewReader(b.body))
	if err != nil {
		return 0, err
	}
	setCollectHeaders(req)
	req.Header.Set("Content-Type", b.contentType)
	// Request.Write puts the request line, Host, User-Agent, Content-Length and the headers
	// in one buffered write, as the Transport would, without its goroutines.
	if err := req.Write(cc.bw); err != nil {
		return 0, fmt.Errorf("POST %s: %w", path, err)
	}
	if err := cc.bw.Flush(); err != nil {
		return 0, fmt.Errorf("POST %s: %w", path, err)
	}
	res, err := http.ReadResponse(cc.br, nil)
	if err != nil {
		return 0, fmt.Errorf("POST %s: reading the answer: %w", path, err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return 0, fmt.Errorf("POST %s: reading the answer: %w", path, err)
	}
	if res.StatusCode >= 300 {
		return res.StatusCode, fmt.Errorf("POST %s: HTTP %d: %.300s", path, res.StatusCode, body)
	}
	if res.Close {
		// Collect would open another; the bench's server keeps its connections open.
		return 0, fmt.Errorf("POST %s: the server closed the connection (HTTP %d)", path, res.StatusCode)
	}
	return res.StatusCode, nil
}

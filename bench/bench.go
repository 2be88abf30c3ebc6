// Package bench is `fieldbase bench` (issue 7): it measures the server end to end on this
// machine and prints one `name value unit` line per figure.
//
// Everything runs in a temporary directory that is removed at the end (and on Ctrl-C):
//   - server A, a real `fieldbase serve` child process on its own data dir, seeded through
//     the REST API (superuser from `superuser upsert`, rate limiter off, teams, enumerators,
//     supervisors, an analyst), takes the sync pushes, resends, reviews, pulls, indicators
//     and exports;
//   - a raw store, a PocketBase data dir with the same migrations bootstrapped in this
//     process, gets the same rows with prepared INSERTs (the store's limit);
//   - server B, a second child seeded the same way, gets the same households through
//     PocketBase's own record-create API.
//
// Figures are medians over Options.Runs runs; a ratio is the median of the per-run ratios of
// figures measured in the same run (same households, same moment).
package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "fieldbase/pb_migrations" // the schema of the raw store
)

// Options size the bench.
type Options struct {
	Exe                 string // the fieldbase binary to serve with (os.Executable())
	TmpDir              string // parent of the temporary directory ("" = the system's)
	Keep                bool   // keep the temporary directory (data dirs, server logs)
	Runs                int    // runs per figure (the median is printed)
	Clients             int    // concurrent clients (8, like the ODK Central measurement)
	Batch               int    // households per push and per raw transaction
	PushHouseholds      int    // households per push run (and per raw run)
	PBHouseholds        int    // households per record-API run (the first of the push run's)
	ResendRepeats       int    // times each client resends its batch in a resend run
	Decisions           int    // decisions the pull reads (limit)
	IndicatorHouseholds int    // approved households for indicators and export (0 = skip)
	FillRoute           int    // at most this many households through the push route, the rest copied (cloneFill); 0 = all through the route
	RCells              int    // cells timed per indicator in R (0 = all, can take long)
	NoR                 bool   // skip R
	Seed                int64
	Out, Log            io.Writer // figures; progress
}

// Quick and Full are the sizes of `fieldbase bench --quick` and `fieldbase bench`.
var (
	Quick = Options{Runs: 3, Clients: 8, Batch: 100, PushHouseholds: 1000, PBHouseholds: 80, ResendRepeats: 10,
		Decisions: 1000, IndicatorHouseholds: 20000, RCells: 2, Seed: 7}
	Full = Options{Runs: 3, Clients: 8, Batch: 100, PushHouseholds: 4000, PBHouseholds: 300, ResendRepeats: 25,
		Decisions: 1000, IndicatorHouseholds: 100000, RCells: 2, Seed: 7}
)

// Bench is one run of the benchmark; Cleanup may be called from another goroutine (a
// signal handler) at any time, and more than once.
type Bench struct {
	opt Options

	mu       sync.Mutex
	root     string
	servers  []*server
	raw      *rawStore
	dbs      []*sql.DB
	gens     []*households
	cleaned  bool
	cleanMu  sync.Mutex
	peakAll  float64 // server A's overall peak RSS (MB)
	srvA     *server
	figures  int
	began    time.Time
	finished bool // Run returned (with or without an error)
}

// New prepares a bench; Run runs it.
func New(opt Options) *Bench {
	if opt.Out == nil {
		opt.Out = os.Stdout
	}
	if opt.Log == nil {
		opt.Log = os.Stderr
	}
	return &Bench{opt: opt}
}

func (b *Bench) logf(format string, args ...any) {
	at := ""
	if !b.began.IsZero() {
		at = fmt.Sprintf(" %5.1fs", time.Since(b.began).Seconds())
	}
	fmt.Fprintf(b.opt.Log, "bench"+at+": "+format+"\n", args...)
}

func (b *Bench) figure(name string, v float64, unit string) {
	writeFigure(b.opt.Out, name, v, unit)
	b.figures++
}

func (b *Bench) track(s *server) {
	b.mu.Lock()
	b.servers = append(b.servers, s)
	b.mu.Unlock()
}

// Cleanup stops the servers and removes the temporary directory (unless Keep).
func (b *Bench) Cleanup() {
	b.cleanMu.Lock()
	defer b.cleanMu.Unlock()
	if b.cleaned {
		return
	}
	b.cleaned = true
	b.mu.Lock()
	servers, raw, dbs, gens, root, finished := b.servers, b.raw, b.dbs, b.gens, b.root, b.finished
	b.mu.Unlock()
	if !finished && root != "" {
		fmt.Fprintf(b.opt.Log, "bench: stopped before the end: stopping the servers and removing %s\n", root)
	}
	for _, g := range gens {
		g.close()
	}
	var wg sync.WaitGroup
	for _, s := range servers {
		wg.Add(1)
		go func(s *server) { defer wg.Done(); s.stop() }(s)
	}
	wg.Wait()
	for _, db := range dbs {
		db.Close()
	}
	if raw != nil {
		raw.close()
	}
	if root == "" {
		return
	}
	if b.opt.Keep {
		fmt.Fprintf(b.opt.Log, "bench: kept %s\n", root)
		return
	}
	if err := os.RemoveAll(root); err != nil {
		fmt.Fprintf(b.opt.Log, "bench: could not remove %s: %v\n", root, err)
	}
}

func (o *Options) check() error {
	switch {
	case o.Exe == "":
		return errors.New("bench: no server binary")
	case o.Runs < 1, o.Clients < 1, o.Batch < 1 || o.Batch > 500:
		return errors.New("bench: runs and clients must be ≥ 1, batch 1..500")
	case o.PushHouseholds < o.Batch*o.Clients:
		return fmt.Errorf("bench: --households must be at least batch × clients (%d)", o.Batch*o.Clients)
	case o.PBHouseholds < 1 || o.PBHouseholds > o.PushHouseholds:
		return fmt.Errorf("bench: --pb-households must be 1..--households")
	case o.ResendRepeats < 1, o.Decisions < 1 || o.Decisions > 1000:
		return errors.New("bench: --resend-repeats ≥ 1, --decisions 1..1000 (the pull limit)")
	case o.IndicatorHouseholds < 0:
		return errors.New("bench: --indicator-households ≥ 0")
	}
	return nil
}

// Run runs every measurement and prints the figures as they come.
func (b *Bench) Run(ctx context.Context) error {
	defer func() {
		b.mu.Lock()
		b.finished = true
		b.mu.Unlock()
	}()
	opt := b.opt
	if err := opt.check(); err != nil {
		return err
	}
	began := time.Now()
	b.began = began
	ticks0, steal0, ticksOK := cpuTicks()
	root, err := os.MkdirTemp(opt.TmpDir, "fieldbase-bench-*")
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.root = root
	b.mu.Unlock()
	b.logf("temporary directory %s; %d runs per figure; %d clients; load average %s", root, opt.Runs, opt.Clients, loadAvg())

	// Servers and the raw store.
	srvA, err := startServer(ctx, "server-a", opt.Exe, filepath.Join(root, "server-a"), superEmail, benchPassword)
	if err != nil {
		return err
	}
	b.track(srvA)
	b.srvA = srvA
	srvB, err := startServer(ctx, "server-b", opt.Exe, filepath.Join(root, "server-b"), superEmail, benchPassword)
	if err != nil {
		return err
	}
	b.track(srvB)
	raw, err := openRaw(filepath.Join(root, "raw"))
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.raw = raw
	b.mu.Unlock()
	ca, cb := newClient(srvA.URL), newClient(srvB.URL)
	accA, err := seed(ctx, ca, opt.Clients)
	if err != nil {
		return fmt.Errorf("server A: %w", err)
	}
	accB, err := seed(ctx, cb, opt.Clients)
	if err != nil {
		return fmt.Errorf("server B: %w", err)
	}
	dbA, err := openReadOnly(srvA.Dir)
	if err != nil {
		return fmt.Errorf("server A database: %w", err)
	}
	b.mu.Lock()
	b.dbs = append(b.dbs, dbA)
	b.mu.Unlock()
	b.logf("servers up (A %s pid %d, B %s pid %d), seeded: %d enumerators in %d teams, %d supervisors, an analyst",
		srvA.URL, srvA.pid(), srvB.URL, srvB.pid(), len(accA.Enumerators), len(accA.Teams), len(accA.Supervisors))
	tokens := make([]string, len(accA.Enumerators))
	for i, e := range accA.Enumerators {
		tokens[i] = e.Token
	}

	// Which read routes exist yet.
	indStatus, indBody, err := ca.raw(ctx, "GET", "/api/indicators?survey=mhs", accA.Analyst.Token, nil)
	if err != nil {
		return err
	}
	haveInd := indStatus != 404
	if !haveInd {
		b.logf("GET /api/indicators answers 404 (%s): indicator figures skipped", strings.TrimSpace(string(indBody)))
	} else if indStatus != 200 {
		return fmt.Errorf("GET /api/indicators on an empty server: HTTP %d: %.300s", indStatus, indBody)
	}
	expStatus, _, err := ca.stream(ctx, "/api/export/microdata?survey=mhs", accA.Analyst.Token)
	if err != nil {
		return err
	}
	haveExp := expStatus != 404
	if !haveExp {
		b.logf("GET /api/export/microdata answers 404: export figures skipped")
	} else if expStatus != 200 {
		return fmt.Errorf("GET /api/export/microdata on an empty server: HTTP %d", expStatus)
	}
	fill := opt.IndicatorHouseholds > 0 && (haveInd || haveExp)

	rejects := opt.Decisions / 10
	need := opt.Runs * (opt.PushHouseholds + opt.openrosaHouseholds())
	if fill {
		need = max(need, opt.IndicatorHouseholds+rejects)
	}
	latRounds, latSize := latencyRounds(opt), 10
	extra := latencyDevices*latRounds*latSize + 2*opt.Batch // the latency and wire phases
	gen := newHouseholds(ctx, opt.Seed, need+opt.Decisions+opt.Batch+opt.Runs+extra, opt.Clients)
	b.mu.Lock()
	b.gens = append(b.gens, gen)
	b.mu.Unlock()

	// 1. Push, raw and record-API runs on the same households.
	subTypes, err := fieldTypes(ctx, cb, accB.Super, "submissions")
	if err != nil {
		return err
	}
	memTypes, err := fieldTypes(ctx, cb, accB.Super, "members")
	if err != nil {
		return err
	}
	emiTypes, err := fieldTypes(ctx, cb, accB.Super, "emigrants")
	if err != nil {
		return err
	}
	var push, rawRate, pbRate, vsRaw, vsPB []float64
	var pushCPU, rawCPU, pbCPU, vsRawCPU, vsPBCPU []float64 // ms per household
	var firstRun [][]batch                                  // by client
	created := make([][]pushItem, opt.Clients)              // created receipts by enumerator
	b.notePeak(true)
	pushTicks, pushSteal, pushTicksOK := cpuTicks()
	for r := 0; r < opt.Runs; r++ {
		envs, err := gen.take(opt.PushHouseholds)
		if err != nil {
			return err
		}
		bs := batches(envs, opt.Batch)
		before, err := maxSeq(ctx, dbA)
		if err != nil {
			return err
		}
		cpuA := srvA.cpu()
		st, err := pushPrepared(ctx, ca, tokens, bs, true)
		if err != nil {
			return fmt.Errorf("push run %d: %w", r+1, err)
		}
		pc := msPer(srvA.cpu()-cpuA, st.households)
		if r == 0 {
			firstRun = st.sentBy
		}
		for i := range created {
			created[i] = append(created[i], st.byClient[i]...)
		}
		if st.outcomes["created"] != st.households {
			return fmt.Errorf("push run %d: outcomes %v (want every one created)", r+1, st.outcomes)
		}
		rows, err := readBack(ctx, dbA, before)
		if err != nil {
			return err
		}
		if len(rows.hh) != st.households {
			return fmt.Errorf("push run %d: %d households pushed, %d read back", r+1, st.households, len(rows.hh))
		}
		cpuSelf := selfCPU()
		rawTime, err := raw.insert(ctx, rows, rawSyncEvery)
		if err != nil {
			return err
		}
		rc := msPer(selfCPU()-cpuSelf, len(rows.hh))
		rb, err := buildRecordBodies(rows, opt.PBHouseholds, subTypes, memTypes, emiTypes, accB.Survey)
		if err != nil {
			return err
		}
		cpuB := srvB.cpu()
		pb, records, err := pbRecordAPI(ctx, cb, accB.Super, rb, opt.Clients)
		if err != nil {
			return fmt.Errorf("record API run %d: %w", r+1, err)
		}
		bc := msPer(srvB.cpu()-cpuB, len(rb))
		pushCPU, rawCPU, pbCPU = append(pushCPU, pc), append(rawCPU, rc), append(pbCPU, bc)
		vsRawCPU, vsPBCPU = append(vsRawCPU, rc/pc), append(vsPBCPU, bc/pc)
		rr := float64(len(rows.hh)) / rawTime.Seconds()
		push, rawRate, pbRate = append(push, st.perSecond()), append(rawRate, rr), append(pbRate, pb)
		vsRaw, vsPB = append(vsRaw, st.perSecond()/rr), append(vsPB, st.perSecond()/pb)
		b.logf("run %d: push %d households in %s (%.0f/s, server CPU %.2f ms each; statuses %v); raw %.0f/s (CPU %.2f ms each); record API %d households (%d records) %.1f/s (server CPU %.2f ms each)",
			r+1, st.households, st.elapsed.Round(time.Millisecond), st.perSecond(), pc, st.statuses, rr, rc, len(rb), records, pb, bc)
	}
	pushPeak := b.notePeak(true)
	b.logf("push %s households/s, raw %s, record API %s (%s)", runsText(push), runsText(rawRate), runsText(pbRate), stealSince(pushTicks, pushSteal, pushTicksOK))
	b.figure("push_households_per_s", median(push), "households/s")
	b.figure("raw_insert_households_per_s", median(rawRate), "households/s")
	b.figure("push_vs_raw", median(vsRaw), "ratio")
	b.figure("pb_record_api_households_per_s", median(pbRate), "households/s")
	b.figure("push_vs_pb_record_api", median(vsPB), "ratio")
	b.figure("server_peak_rss_mb", pushPeak, "MB")
	// CPU time per household, which load from other processes inflates far less than wall time.
	b.figure("push_server_cpu_ms_per_household", median(pushCPU), "ms")
	b.figure("raw_insert_cpu_ms_per_household", median(rawCPU), "ms")
	b.figure("pb_record_api_server_cpu_ms_per_household", median(pbCPU), "ms")
	b.figure("push_vs_raw_cpu", median(vsRawCPU), "ratio")
	b.figure("push_vs_pb_record_api_cpu", median(vsPBCPU), "ratio")
	if err := b.openrosaRuns(ctx, ca, accA, gen, push, pushCPU); err != nil {
		return err
	}

	// 2. Resending batches already received: every item answered `exists`.
	var resend, resendCPU []float64
	for r := 0; r < opt.Runs; r++ {
		cpuA := srvA.cpu()
		v, err := resendAll(ctx, ca, tokens, firstRun, opt.ResendRepeats)
		if err != nil {
			return err
		}
		resend = append(resend, v)
		resendCPU = append(resendCPU, 1000*msPer(srvA.cpu()-cpuA, opt.Clients*opt.ResendRepeats*opt.Batch))
	}
	b.logf("resend %s submissions/s (%d clients × %d × %d already received), server CPU %s µs each",
		runsText(resend), opt.Clients, opt.ResendRepeats, opt.Batch, runsText(resendCPU))
	b.figure("resend_submissions_per_s", median(resend), "submissions/s")
	b.figure("resend_server_cpu_us_per_submission", median(resendCPU), "us")
	b.logf("server peak RSS during the resends: %.0f MB", b.notePeak(true))

	pushed := opt.Runs * (opt.PushHouseholds + opt.openrosaHouseholds())

	// 2b. Latency with many devices at once, and bytes on the wire plain and gzip.
	lat, n, err := pushLatency(ctx, ca, tokens, gen, latRounds, latSize)
	if err != nil {
		return fmt.Errorf("latency: %w", err)
	}
	pushed += n
	b.logf("%d devices pushing %d × %d new households at once: p50 %.0f ms, p99 %.0f ms, slowest %.0f ms",
		latencyDevices, latRounds, latSize, quantileMS(lat, 0.5), quantileMS(lat, 0.99), quantileMS(lat, 1))
	b.figure("push_p50_ms_50_devices", quantileMS(lat, 0.5), "ms")
	b.figure("push_p99_ms_50_devices", quantileMS(lat, 0.99), "ms")
	wirePlain, wireGz, err := pushWire(ctx, ca, tokens[0], gen, opt.Batch)
	if err != nil {
		return fmt.Errorf("wire: %w", err)
	}
	pushed += 2 * opt.Batch
	b.figure("push_wire_bytes_per_household_plain", wirePlain, "bytes")
	b.figure("push_wire_bytes_per_household_gzip", wireGz, "bytes")

	// 3. Fill: push through the route up to the households indicators and export read.
	if fill && pushed < opt.IndicatorHouseholds+rejects {
		n := opt.IndicatorHouseholds + rejects - pushed
		if opt.FillRoute > 0 {
			n = max(0, min(n, opt.FillRoute-pushed))
		}
		b.logf("filling: pushing %d more households through the route …", n)
		st, err := b.pushStream(ctx, ca, tokens, gen, n, created)
		if err != nil {
			return fmt.Errorf("fill: %w", err)
		}
		pushed += n
		b.logf("filled: %d households in %s (%.0f/s, statuses %v)", n, st.elapsed.Round(time.Millisecond), st.perSecond(), st.statuses)
		b.figure("push_fill_households_per_s", st.perSecond(), "households/s")
		b.logf("server peak RSS during the fill: %.0f MB", b.notePeak(true))
	}
	if fill && opt.FillRoute > 0 && pushed < opt.IndicatorHouseholds+rejects {
		// A filling shortcut, as the approval is: server A is stopped, this process
		// writes its data.db, and it is started again on it (a new process: what is
		// measured afterwards starts from the database, as after any restart).
		b.notePeak(false)
		dbA.Close()
		srvA.stop()
		if err := b.cloneFill(ctx, srvA.Dir, int64(opt.IndicatorHouseholds+rejects)); err != nil {
			return err
		}
		if srvA, err = serveDir(ctx, "server-a", opt.Exe, srvA.Dir); err != nil {
			return fmt.Errorf("server A after the fill: %w", err)
		}
		b.track(srvA)
		b.srvA = srvA
		ca = newClient(srvA.URL)
		if dbA, err = openReadOnly(srvA.Dir); err != nil {
			return fmt.Errorf("server A database: %w", err)
		}
		b.mu.Lock()
		b.dbs = append(b.dbs, dbA)
		b.mu.Unlock()
		b.logf("server A started again on the filled data dir (%s pid %d)", srvA.URL, srvA.pid())
	}
	// The pulling enumerator needs Decisions submissions to decide.
	if short := opt.Decisions - reviewable(created[0]); short > 0 {
		n := (short + opt.Batch - 1) / opt.Batch * opt.Batch
		if _, err := b.pushStream(ctx, ca, tokens[:1], gen, n, created[:1]); err != nil {
			return err
		}
		pushed += n
	}

	// 4. Decisions: the supervisor approves 90 %, rejects 10 % of one enumerator's
	// submissions; the enumerator pulls them.
	enum := accA.Enumerators[0]
	sup := accA.supervisorOf(enum)
	var ids []string
	for _, it := range created[0] {
		if len(ids) < opt.Decisions && (it.Status == "received" || it.Status == "flagged") {
			ids = append(ids, it.Record)
		}
	}
	if len(ids) < opt.Decisions {
		return fmt.Errorf("only %d submissions of %s to decide", len(ids), enum.Email)
	}
	approve := ids[:len(ids)-rejects]
	// The device is up to date before the decisions (the survey, its assignments): the timed
	// pull's page then holds the decisions alone.
	cursor := "0"
	for {
		ans, _, err := pull(ctx, ca, enum.Token, cursor, opt.Decisions)
		if err != nil {
			return err
		}
		cursor = ans.Cursor
		if !ans.HasMore {
			break
		}
	}
	start := time.Now()
	if err := reviewBulk(ctx, ca, sup.Token, "approve", "", approve); err != nil {
		return err
	}
	if err := reviewBulk(ctx, ca, sup.Token, "reject", "Please check the roster ages with the household.", ids[len(approve):]); err != nil {
		return err
	}
	rev := time.Since(start)
	b.logf("%d decisions by %s through POST /api/review/bulk in %s", len(ids), sup.Email, rev.Round(time.Millisecond))
	b.figure("review_bulk_decisions_per_s", float64(len(ids))/rev.Seconds(), "decisions/s")
	var pulls []float64
	for r := 0; r < opt.Runs; r++ {
		ans, d, err := pull(ctx, ca, enum.Token, cursor, opt.Decisions)
		if err != nil {
			return err
		}
		if len(ans.Decisions) != opt.Decisions {
			return fmt.Errorf("pull: %d decisions in the page, want %d (has_more %v)", len(ans.Decisions), opt.Decisions, ans.HasMore)
		}
		pulls = append(pulls, float64(d.Microseconds())/1000)
	}
	b.logf("pull of %d decisions from cursor %s: %s ms", opt.Decisions, cursor, runsText(pulls))
	b.figure(fmt.Sprintf("pull_ms_%d_decisions", opt.Decisions), median(pulls), "ms")
	pullPlain, pullGz, err := pullWire(ctx, ca, enum.Token, cursor, opt.Decisions)
	if err != nil {
		return fmt.Errorf("wire: %w", err)
	}
	b.figure("pull_wire_bytes_per_decision_plain", float64(pullPlain)/float64(opt.Decisions), "bytes")
	b.figure("pull_wire_bytes_per_decision_gzip", float64(pullGz)/float64(opt.Decisions), "bytes")
	b.logf("server peak RSS during the reviews and pulls: %.0f MB", b.notePeak(true))

	if fill {
		if err := b.readSide(ctx, ca, accA, tokens, gen, dbA, haveInd, haveExp, root); err != nil {
			return err
		}
	} else if opt.IndicatorHouseholds > 0 {
		b.logf("neither GET /api/indicators nor GET /api/export/microdata exists yet: indicator, R and export figures skipped")
	}

	overall := b.notePeak(false)
	b.figure("server_peak_rss_mb_overall", overall, "MB")
	b.logf("done in %s (%d figures; load average %s; %s)", time.Since(began).Round(time.Second), b.figures, loadAvg(), stealSince(ticks0, steal0, ticksOK))
	return nil
}

// latencyRounds is how many batches each of the latency phase's devices pushes.
func latencyRounds(o Options) int {
	if o.PushHouseholds <= Quick.PushHouseholds {
		return 2
	}
	return 4
}

// reviewable counts receipts a supervisor can still decide.
func reviewable(items []pushItem) int {
	n := 0
	for _, it := range items {
		if it.Status == "received" || it.Status == "flagged" {
			n++
		}
	}
	return n
}

// pushStream pushes n households generated as they are sent (untimed fills).
func (b *Bench) pushStream(ctx context.Context, c *client, tokens []string, gen *households, n int, created [][]pushItem) (pushStats, error) {
	ch := make(chan batch, 2*len(tokens))
	errc := make(chan error, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(ch)
		sent := 0
		last := time.Now()
		for sent < n {
			k := min(b.opt.Batch, n-sent)
			envs, err := gen.take(k)
			if err != nil {
				errc <- err
				cancel()
				return
			}
			select {
			case ch <- batch{body: pushBody("bench-device", envs), n: k}:
			case <-ctx.Done():
				return
			}
			sent += k
			if time.Since(last) > 10*time.Second {
				b.logf("  … %d/%d", sent, n)
				last = time.Now()
			}
		}
	}()
	st, err := pushAll(ctx, c, tokens, ch, true)
	select {
	case gerr := <-errc:
		return st, gerr
	default:
	}
	for i := range created {
		created[i] = append(created[i], st.byClient[i]...)
	}
	return st, err
}

// readSide approves every pushed household and times indicators, R and the export.
func (b *Bench) readSide(ctx context.Context, c *client, acc *accounts, tokens []string, gen *households, db *sql.DB, haveInd, haveExp bool, root string) error {
	opt := b.opt
	// Filling shortcut: direct SQL through the superuser SQL API, not the review route, in
	// chunks of 10,000 rows (one UPDATE of 500,000 member rows made the server's RSS jump to
	// ~850 MB). Its peak is logged but kept out of the server figures: no server path does it.
	b.notePeak(true)
	start := time.Now()
	for _, t := range []string{"submissions", "members", "emigrants"} {
		q := fmt.Sprintf(`UPDATE %s SET status = 'approved' WHERE rowid IN (SELECT rowid FROM %s
			WHERE form_id = 'mhs' AND status IN ('received', 'flagged', 'invalid') LIMIT 10000)`, t, t)
		for {
			res, err := acc.sql(ctx, c, q)
			if err != nil {
				return fmt.Errorf("approve: %w", err)
			}
			if res.AffectedRows == 0 {
				break
			}
		}
	}
	shortcutPeak, _ := b.srvA.peakRSS()
	b.srvA.resetPeak()
	var approved, persons int64
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM submissions WHERE form_id = 'mhs' AND status = 'approved'").Scan(&approved); err != nil {
		return err
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM members WHERE form_id = 'mhs' AND status = 'approved'").Scan(&persons); err != nil {
		return err
	}
	b.logf("approved by direct SQL (UPDATE … SET status = 'approved' on submissions, members, emigrants) in %s: %d households, %d persons; server peak RSS meanwhile %.0f MB (not counted)",
		time.Since(start).Round(time.Millisecond), approved, persons, shortcutPeak)

	dims := []string{""}
	if d, err := dimensionIDs(); err == nil {
		dims = append(dims, d...)
	} else {
		return err
	}
	var indS, warmS, indCPU []float64
	if haveInd {
		b.notePeak(true)
		if err := b.firstRead(ctx, c, acc); err != nil {
			return err
		}
		for r := 0; r < 2*opt.Runs; r++ {
			cold := r < opt.Runs
			if cold {
				// A change of the approved data since the last request (approveOne).
				if err := b.approveOne(ctx, c, acc, tokens, gen); err != nil {
					return err
				}
			}
			var sum, cpuSum time.Duration
			var parts []string
			for _, by := range dims {
				path := "/api/indicators?survey=mhs"
				if by != "" {
					path += "&by=" + url.QueryEscape(by)
				}
				t0, cpu0 := time.Now(), b.srvA.cpu()
				status, body, err := c.raw(ctx, "GET", path, acc.Analyst.Token, nil)
				d := time.Since(t0)
				cpuSum += b.srvA.cpu() - cpu0
				if err != nil {
					return err
				}
				if status != 200 {
					return fmt.Errorf("GET %s: HTTP %d: %.300s", path, status, body)
				}
				sum += d
				parts = append(parts, fmt.Sprintf("%s %.2fs", orNone(by), d.Seconds()))
				if r == 0 {
					b.logf("  indicators by %s: %d cells, %d bytes", orNone(by), strings.Count(string(body), `"indicator"`), len(body))
				}
			}
			what := "after a change"
			if cold {
				indS = append(indS, sum.Seconds())
				indCPU = append(indCPU, cpuSum.Seconds())
			} else {
				warmS = append(warmS, sum.Seconds())
				what = "nothing changed"
			}
			b.logf("indicators run %d (%s): %.2f s (%s)", r+1, what, sum.Seconds(), strings.Join(parts, ", "))
		}
		b.figure("indicators_all_dims_s", median(indS), "s")
		b.figure("indicators_all_dims_unchanged_s", median(warmS), "s")
		b.figure("indicators_all_dims_server_cpu_s", median(indCPU), "s")
		b.figure("indicators_peak_rss_mb", b.notePeak(true), "MB")
	}

	if haveInd && !opt.NoR {
		if ok, why := haveRSurvey(ctx); !ok {
			b.logf("R skipped: %s", why)
		} else {
			dir := filepath.Join(root, "r")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			t0 := time.Now()
			nh, np, err := writeRUnits(ctx, db, dir)
			if err != nil {
				return fmt.Errorf("R units: %w", err)
			}
			b.logf("R: units.csv with %d household and %d person rows written in %s; running survey.R (%s) …",
				nh, np, time.Since(t0).Round(time.Millisecond), cellsText(opt.RCells))
			res, err := runRSurvey(ctx, dir, opt.RCells, b.opt.Log)
			if err != nil {
				return err
			}
			how := "every cell timed"
			if res.timed < res.cells {
				how = fmt.Sprintf("%d of %d cells timed, extrapolated per indicator", res.timed, res.cells)
			}
			b.logf("R: %.1f s estimating (%s; reading the CSV took %.1f s more, not counted)", res.seconds, how, res.readSeconds)
			b.figure("r_survey_s", res.seconds, "s")
			b.figure("indicators_vs_r", res.seconds/median(indS), "ratio")
		}
	}

	if haveExp {
		var expS, peaks, expCPU []float64
		for r := 0; r < opt.Runs; r++ {
			b.notePeak(true)
			atStart, _ := readRSS(b.srvA.pid())
			watch := watchRSS(b.srvA.pid())
			t0, cpu0 := time.Now(), b.srvA.cpu()
			status, n, err := c.stream(ctx, "/api/export/microdata?survey=mhs", acc.Analyst.Token)
			d := time.Since(t0)
			b.logf("export run %d: server RSS at the start %s, at its highest sample %s", r+1, atStart, watch())
			expCPU = append(expCPU, (b.srvA.cpu() - cpu0).Seconds())
			if err != nil {
				return err
			}
			if status != 200 {
				return fmt.Errorf("GET /api/export/microdata: HTTP %d", status)
			}
			peaks = append(peaks, b.notePeak(true))
			expS = append(expS, d.Seconds())
			b.logf("export run %d: %d bytes in %.2f s, server peak %.0f MB", r+1, n, d.Seconds(), peaks[r])
		}
		b.figure("export_100k_s", median(expS), "s")
		// Server CPU per household: what the export costs whatever else runs on the machine.
		b.figure("export_server_cpu_us_per_household", median(expCPU)*1e6/float64(approved), "us")
		b.figure("export_peak_rss_mb", maxOf(peaks), "MB")
	}
	return nil
}

// notePeak reads server A's peak RSS since the last reset, folds it into the overall peak
// and, with reset, starts a new one. It returns the peak read (overall when !reset).
func (b *Bench) notePeak(reset bool) float64 {
	if b.srvA == nil {
		return math.NaN()
	}
	p, err := b.srvA.peakRSS()
	if err != nil {
		b.logf("peak RSS: %v", err)
		return math.NaN()
	}
	b.peakAll = math.Max(b.peakAll, p)
	if reset {
		if err := b.srvA.resetPeak(); err != nil {
			b.logf("peak RSS reset: %v", err)
		}
		return p
	}
	return b.peakAll
}

// msPer is d in milliseconds per unit.
func msPer(d time.Duration, n int) float64 {
	if n == 0 {
		return math.NaN()
	}
	return float64(d.Microseconds()) / 1000 / float64(n)
}

func maxOf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}

func orNone(by string) string {
	if by == "" {
		return "none"
	}
	return by
}

func cellsText(n int) string {
	if n == 0 {
		return "every cell"
	}
	return fmt.Sprintf("%d cells per indicator timed", n)
}

// cpuTicks is the machine's CPU time since boot in clock ticks (/proc/stat): all of it, and
// the part the hypervisor gave to other guests while this one wanted to run (steal). On a
// shared VM steal moves the figures: the same work costs more CPU time when neighbours
// load the host's caches, so the runs print it. ok is false where /proc/stat is not.
func cpuTicks() (total, steal uint64, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return parseCPUTicks(line)
}

// parseCPUTicks reads /proc/stat's first line: "cpu user nice system idle iowait irq
// softirq steal [guest guest_nice]". Guest time is counted in user and nice already.
func parseCPUTicks(line string) (total, steal uint64, ok bool) {
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0, false
	}
	for i, v := range f[1:9] {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, 0, false
		}
		total += n
		if i == 7 {
			steal = n
		}
	}
	return total, steal, true
}

// stealSince says what share of the machine's CPU time since the ticks of cpuTicks was
// stolen: "CPU steal 4%" ("CPU steal ?" where it cannot be read).
func stealSince(total0, steal0 uint64, ok0 bool) string {
	total, steal, ok := cpuTicks()
	if !ok || !ok0 || total <= total0 || steal < steal0 {
		return "CPU steal ?"
	}
	return fmt.Sprintf("CPU steal %.0f%%", 100*float64(steal-steal0)/float64(total-total0))
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

package synth

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"
)

// Options says what to generate.
type Options struct {
	Households    int     // items to emit (duplicates included); 0 emits nothing
	Seed          int64   // same seed, same bytes
	InvalidRate   float64 // share of items that are deliberately invalid, 0..1
	DuplicateRate float64 // share of items that repeat an earlier valid one, 0..1
	Enumerators   int     // K enumerators, one device each; ≤ 0 means 1
	// Today is the server's today: interview dates fall before it, on or
	// after the fieldwork start. Zero means fieldwork start + 90 days.
	Today time.Time
}

// Item is one generated submission.
type Item struct {
	// Envelope is the sync envelope: id, survey, version, started_at,
	// completed_at, device_id and data (the answers).
	Envelope map[string]any
	// Enumerator (0..K-1) sends it; all households of a PSU have the same one.
	Enumerator int
	// Label is "valid", "invalid:<what>", "duplicate:resend",
	// "duplicate:content" or "duplicate:household".
	Label string
	// Path names the broken answer of an invalid item the way the validator
	// reports it ("members[2].b_age", "" for a form-level check); empty
	// otherwise.
	Path string
}

// Stream tags keep the random streams of different purposes apart.
const (
	tagFrame uint64 = iota + 1
	tagHousehold
	tagPlace
	tagStream
	tagInvalid
)

// normalise fills defaults and checks ranges.
func (o Options) normalise() (Options, error) {
	if o.Households < 0 || o.Households > MaxHouseholds {
		return o, optError("Households %d is not in 0..%d", o.Households, MaxHouseholds)
	}
	for _, r := range []float64{o.InvalidRate, o.DuplicateRate} {
		if math.IsNaN(r) || r < 0 || r > 1 {
			return o, optError("rates must be in 0..1 (got %v)", r)
		}
	}
	if o.InvalidRate+o.DuplicateRate > 1 {
		return o, optError("InvalidRate + DuplicateRate = %v is more than 1", o.InvalidRate+o.DuplicateRate)
	}
	if o.Enumerators <= 0 {
		o.Enumerators = 1
	}
	if o.Today.IsZero() {
		o.Today = FieldworkStart.AddDate(0, 0, 90)
	}
	return o, nil
}

// DeviceID is the device of enumerator e (one tablet each).
func DeviceID(e int) string { return fmt.Sprintf("tab-%03d", e+1) }

// recentSize is how many recent valid households a duplicate may copy: a
// duplicate repeats something sent a little earlier, as a device would.
const recentSize = 64

// sent is what is remembered of a valid household to rebuild it.
type sent struct {
	psu *PSU
	k   int
}

// Generate emits opt.Households items, in visiting order, to emit; it stops
// at emit's first error and returns it. Each item is, independently: with
// probability DuplicateRate a repeat of one of the last valid households
// (exact resend, same content under a new id, or the same dwelling
// interviewed again), with probability InvalidRate a fresh household with one
// deliberate error, else a fresh valid household. The first item cannot be a
// duplicate (there is nothing to repeat), so duplicates run a little under
// the rate for very small runs.
func Generate(opt Options, emit func(Item) error) error {
	opt, err := opt.normalise()
	if err != nil {
		return err
	}
	f, err := Design(opt)
	if err != nil {
		return err
	}
	stream := newRNG(opt.Seed, tagStream, 0, 0)
	var recent []sent
	psu, k := 0, 0 // next dwelling to interview
	for i := 0; i < opt.Households; i++ {
		u := stream.float()
		if u < opt.DuplicateRate && len(recent) > 0 {
			src := recent[stream.intn(len(recent))]
			if err := emit(f.duplicate(opt, stream, src)); err != nil {
				return err
			}
			continue
		}
		for k >= f.PSUs[psu].Sampled {
			psu, k = psu+1, 0
		}
		p := &f.PSUs[psu]
		h := f.household(opt.Seed, p, k)
		item := Item{Envelope: h.envelope(p), Enumerator: p.Enumerator, Label: "valid"}
		if u < opt.DuplicateRate+opt.InvalidRate {
			what, path := corrupt(newRNG(opt.Seed, tagInvalid, uint64(p.Number), uint64(k)), h, opt.Today)
			item.Label, item.Path = "invalid:"+what, path
		} else {
			if len(recent) < recentSize {
				recent = append(recent, sent{p, k})
			} else {
				recent[stream.intn(recentSize)] = sent{p, k}
			}
		}
		k++
		if err := emit(item); err != nil {
			return err
		}
	}
	return nil
}

func (h *house) envelope(p *PSU) map[string]any {
	return map[string]any{
		"id":           h.id,
		"survey":       "mhs",
		"version":      1,
		"started_at":   h.started.Format(time.RFC3339),
		"completed_at": h.completed.Format(time.RFC3339),
		"device_id":    DeviceID(p.Enumerator),
		"data":         h.data,
	}
}

// duplicate repeats a valid household sent earlier.
func (f *Frame) duplicate(opt Options, stream *rng, src sent) Item {
	h := f.household(opt.Seed, src.psu, src.k)
	item := Item{Enumerator: src.psu.Enumerator}
	switch stream.pick(weighted{{"resend", 4}, {"content", 3}, {"household", 3}}) {
	case "resend":
		// The response was lost, the device sends the same submission again.
		item.Label = "duplicate:resend"
	case "content":
		// The same answers saved again as a new submission.
		h.id = stream.uuid4()
		item.Label = "duplicate:content"
	default:
		// The same dwelling visited again: new submission, answers that
		// differ a little (another day, another GPS reading, a changed answer).
		h.id = stream.uuid4()
		reinterview(stream, f, h, src)
		item.Label = "duplicate:household"
	}
	item.Envelope = h.envelope(src.psu)
	return item
}

// reinterview changes a rebuilt household the way a second visit would while
// keeping it valid: a later date in the same year (so year-based ranges still
// hold), a new GPS reading near the first, and one member's health insurance
// answer (a question nothing else depends on). The GPS reading always
// changes (or appears), so it is never the same content.
func reinterview(r *rng, f *Frame, h *house, src sent) {
	d := h.data
	later := h.date.AddDate(0, 0, r.between(1, 3))
	if !later.After(f.last) && later.Year() == h.date.Year() {
		shift := later.Sub(h.date)
		h.date, h.started, h.completed = later, h.started.Add(shift), h.completed.Add(shift)
		d["a_date"] = later.Format("2006-01-02")
	}
	h.started = h.started.Add(time.Duration(r.between(-90, 90)) * time.Minute)
	h.completed = h.started.Add(time.Duration(r.between(20, 60)) * time.Minute)
	if g, ok := d["a_gps"].(map[string]any); ok {
		lat, _ := g["lat"].(float64)
		lon, _ := g["lon"].(float64)
		acc := round(clamp(3+math.Abs(6*r.norm()), 3, 30), 1)
		g["lat"] = round(lat+r.uniform(-5, 5)/metresPerDegree, 6)
		g["lon"] = round(lon+r.uniform(-5, 5)/metresPerDegree, 6)
		if acc == g["accuracy"] { // make sure the reading differs
			if acc < 30 {
				acc++
			} else {
				acc--
			}
		}
		g["accuracy"] = acc
	} else {
		d["a_gps"] = r.gps(src.psu, src.k) // the first visit had no fix
	}
	if ms, ok := d["members"].([]any); ok && len(ms) > 0 {
		m := ms[r.intn(len(ms))].(map[string]any)
		switch m["j_ins"] {
		case "yes":
			m["j_ins"] = "no"
		case "no":
			m["j_ins"] = "yes"
		default:
			m["j_ins"] = "no"
		}
	}
}

// WriteJSONL writes the envelopes, one JSON object a line. Labels are not
// written: use Generate to get them.
func WriteJSONL(w io.Writer, opt Options) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	err := Generate(opt, func(it Item) error { return enc.Encode(it.Envelope) })
	if err != nil {
		return err
	}
	return bw.Flush()
}

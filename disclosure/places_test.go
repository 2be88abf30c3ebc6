package disclosure

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPlacesHide(t *testing.T) {
	const pt = `{"lat":27.7,"lon":85.3}`
	shapes := map[string]bool{"route": true, "plot_shape": true}
	cases := []struct {
		name      string
		inRepeats bool
		shapes    map[string]bool
		point     string // "" : none
		in, want  string // want "": unchanged (the same bytes)
	}{
		{name: "a survey without places", in: `{"g":{"lat":1,"lon":2},"r":[{"w":{"lat":1,"lon":2}}]}`},
		{name: "no repeat place in this household", inRepeats: true, point: pt,
			in: `{"a":1,"gps":{"lat":1,"lon":2},"roster":[{"age":3,"name":"A\u00e9"}],"sel":["x","y"]}`},
		{name: "a member's workplace becomes the PSU's point, the rest byte for byte", inRepeats: true, point: pt,
			in:   `{"z":1.50,"gps":{"lat":1,"lon":2},"roster":[{"age":30,"work":{"lat":9.1,"lon":8.2,"alt":0,"acc":4},"t":"\u00e9\n"},{"age":4}],"a":[1,2]}`,
			want: `{"z":1.50,"gps":{"lat":1,"lon":2},"roster":[{"age":30,"work":{"lat":27.7,"lon":85.3},"t":"\u00e9\n"},{"age":4}],"a":[1,2]}`},
		{name: "no point: the answer is left out, first, middle and last", inRepeats: true,
			in:   `{"r":[{"w":{"lat":1,"lon":2},"a":1},{"a":1,"w":{"lon":2,"lat":1},"b":2},{"a":1,"w":{"lat":1,"lon":2}},{"w":{"lat":1,"lon":2}}]}`,
			want: `{"r":[{"a":1},{"a":1,"b":2},{"a":1},{}]}`},
		{name: "null point is no point", inRepeats: true, point: "null",
			in: `{"r":[{"w":{"lat":1,"lon":2}}]}`, want: `{"r":[{}]}`},
		{name: "nested repeats", inRepeats: true, point: pt,
			in:   `{"plots":[{"id":1,"crops":[{"c":"rice","at":{"lat":1,"lon":2}}],"at":{"lat":3,"lon":4}}]}`,
			want: `{"plots":[{"id":1,"crops":[{"c":"rice","at":{"lat":27.7,"lon":85.3}}],"at":{"lat":27.7,"lon":85.3}}]}`},
		{name: "objects that are not points, and rows that are not objects", inRepeats: true, point: pt,
			in: `{"r":[{"o":{"lat":1},"p":{"lon":1},"q":{"x":{"lat":1,"lon":2}}},1,"s",[{"w":{"lat":1,"lon":2}}],null]}`},
		{name: "routes and boundaries left out at every level", shapes: shapes,
			in:   `{"route":"1 2 0 0;3 4 0 0","a":1,"r":[{"plot_shape":"x","b":2,"n":[{"route":[1,2]}]}],"plot_shape":{"lat":1,"lon":2}}`,
			want: `{"a":1,"r":[{"b":2,"n":[{}]}]}`},
		{name: "both", inRepeats: true, shapes: shapes, point: pt,
			in:   `{"route":"x","r":[{"w":{"lat":1,"lon":2},"plot_shape":"y"}]}`,
			want: `{"r":[{"w":{"lat":27.7,"lon":85.3}}]}`},
		{name: "empty and null answers", inRepeats: true, in: ``},
		{name: "null", inRepeats: true, in: `null`},
		{name: "white space around", inRepeats: true, point: pt,
			in: " {\"r\" : [ {\"w\" : {\"lat\":1, \"lon\":2} } ] }\n", want: `{"r":[{"w":{"lat":27.7,"lon":85.3}}]}`},
	}
	var p Places
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p.InRepeats, p.Shapes = c.inRepeats, c.shapes
			var point []byte
			if c.point != "" {
				point = []byte(c.point)
			}
			in := []byte(c.in)
			out, changed, err := p.Hide(in, point)
			if err != nil {
				t.Fatal(err)
			}
			if c.want == "" {
				if changed || string(out) != c.in || (len(in) > 0 && &out[0] != &in[0]) {
					t.Fatalf("changed %v, %s; want the same bytes", changed, out)
				}
				return
			}
			if !changed || string(out) != c.want {
				t.Fatalf("changed %v\n got %s\nwant %s", changed, out, c.want)
			}
			if !json.Valid(out) {
				t.Fatalf("not valid JSON: %s", out)
			}
		})
	}
}

func TestPlacesHideRefusesWhatIsNotAnObject(t *testing.T) {
	p := Places{InRepeats: true}
	for _, in := range []string{`[1]`, `"x"`, `{"r":[{"w":{"lat":1,"lon":2}]}`, `{"r":1}{"s":2}`, `{"r":`, `{"r":[{"w":{"lat":1,"lon":2}}]} x`} {
		if out, _, err := p.Hide([]byte(in), []byte(`{"lat":0,"lon":0}`)); err == nil {
			t.Errorf("Hide(%s) = %s, want an error", in, out)
		}
	}
	// The buffers left by a failure do not leak into the next household.
	out, _, err := p.Hide([]byte(`{"r":[{"w":{"lat":1,"lon":2}}]}`), nil)
	if err != nil || string(out) != `{"r":[{}]}` {
		t.Fatalf("after a failure: %s, %v", out, err)
	}
}

func TestPlacesHideLongDocuments(t *testing.T) {
	// Rows and strings longer than the decoder's buffer: names and values stay whole.
	var b strings.Builder
	b.WriteString(`{"r":[`)
	for i := range 300 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"n":"` + strings.Repeat("é", 40) + `","w":{"lat":1,"lon":2},"` + strings.Repeat("k", 70) + `":1}`)
	}
	b.WriteString(`]}`)
	p := Places{InRepeats: true}
	out, changed, err := p.Hide([]byte(b.String()), nil)
	if err != nil || !changed {
		t.Fatal(changed, err)
	}
	want := strings.ReplaceAll(b.String(), `"w":{"lat":1,"lon":2},`, "")
	if string(out) != want {
		t.Fatalf("long document rewritten wrong (%d bytes, want %d)", len(out), len(want))
	}
}

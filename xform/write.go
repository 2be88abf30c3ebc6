package xform

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"fieldbase/form"
)

// InstanceXML writes an envelope (as pushed: id, started_at, completed_at, device_id, data)
// as the XForm instance ODK Collect would submit for it: the answers in form order in ODK's
// value formats, unanswered questions left out, meta last. It is Envelope's inverse, used
// by the benchmark and the tests to send households "as Collect does".
func InstanceXML(s *form.Survey, env map[string]any) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?>` + "\n")
	fmt.Fprintf(&b, `<%s xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" id="%s" version="%s">`, Root, esc(s.FormID), Version(s))
	data, _ := env["data"].(map[string]any)
	writeNodes(&b, s, nil, data)
	b.WriteString("<meta>")
	str := func(k string) string { v, _ := env[k].(string); return v }
	elem := func(name, text string) {
		if text != "" {
			b.WriteString("<" + name + ">" + esc(text) + "</" + name + ">")
		}
	}
	elem(metaInstanceID, "uuid:"+str("id"))
	elem(metaTimeStart, str("started_at"))
	elem(metaTimeEnd, str("completed_at"))
	elem(metaDeviceID, str("device_id"))
	if sup := str("supersedes"); sup != "" {
		elem(metaDeprecated, "uuid:"+sup)
	}
	b.WriteString("</meta></" + Root + ">\n")
	return b.Bytes()
}

func writeNodes(b *bytes.Buffer, s *form.Survey, parent *form.Field, data map[string]any) {
	for _, f := range s.Rows() {
		if f.Parent() != parent {
			continue
		}
		switch f.Type {
		case "group":
			b.WriteString("<" + f.Name + ">")
			writeNodes(b, s, f, data)
			b.WriteString("</" + f.Name + ">")
		case "repeat":
			rows, _ := data[f.Name].([]any)
			for _, r := range rows {
				row, _ := r.(map[string]any)
				b.WriteString("<" + f.Name + ">")
				writeNodes(b, s, f, row)
				b.WriteString("</" + f.Name + ">")
			}
		case "note":
		default:
			v, ok := data[f.Name]
			if !ok || v == nil {
				continue
			}
			b.WriteString("<" + f.Name + ">" + esc(odkText(v)) + "</" + f.Name + ">")
		}
	}
}

// odkText is a JSON answer in ODK's text format.
func odkText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = odkText(e)
		}
		return strings.Join(parts, " ")
	case map[string]any:
		num := func(k string) string {
			if n, ok := x[k].(float64); ok {
				return strconv.FormatFloat(n, 'f', -1, 64)
			}
			return "0"
		}
		return num("lat") + " " + num("lon") + " " + num("altitude") + " " + num("accuracy")
	}
	return fmt.Sprint(v)
}

func esc(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

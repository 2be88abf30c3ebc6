package xform

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits on a submitted instance. A household of the largest corpus form is well under
// 1 MB of XML and 20 levels deep; anything far beyond is a bug or an attack.
const (
	MaxInstanceBytes = 10 << 20
	MaxDepth         = 64
	MaxElements      = 200_000
)

// Error is a problem with a submitted instance that the client must fix: the answer is
// a 400 naming it, and nothing is stored.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func bad(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// Instance is a parsed XForm instance (a submission's xml_submission_file).
type Instance struct {
	Root    string // local name of the root element
	FormID  string // root @id
	Version string // root @version
	// From meta (OpenRosa metadata); "uuid:" is kept as sent.
	InstanceID, DeprecatedID, TimeStart, TimeEnd, DeviceID string
	Audit                                                  string // meta/audit: the audit log's file name

	root *node
}

type node struct {
	name     string
	prefix   string
	template bool // jr:template: a repeat's prototype, never data
	text     string
	kids     []*node
}

// Parse reads an instance safely: a DOCTYPE (and so any entity definition, internal or
// external) is refused, only XML's five predefined entities are known, the depth, the
// number of elements and the size are bounded, and only UTF-8 is read.
func Parse(data []byte) (*Instance, error) {
	if len(data) > MaxInstanceBytes {
		return nil, bad("the submission XML is %d bytes; at most %d are accepted", len(data), MaxInstanceBytes)
	}
	root, formID, version, ok := scan(data)
	if !ok {
		// Not in the plain form scan reads (or not well-formed, or hostile): encoding/xml
		// decides, and says what is wrong.
		var err error
		if root, formID, version, err = decode(data); err != nil {
			return nil, err
		}
	}
	in := &Instance{Root: root.name, root: root}
	in.FormID, in.Version = formID, version
	for _, k := range root.kids {
		if k.name != "meta" {
			continue
		}
		for _, m := range k.kids {
			switch m.name {
			case metaInstanceID:
				in.InstanceID = m.text
			case metaDeprecated:
				in.DeprecatedID = m.text
			case metaTimeStart:
				in.TimeStart = m.text
			case metaTimeEnd:
				in.TimeEnd = m.text
			case metaDeviceID:
				in.DeviceID = m.text
			case metaAudit:
				in.Audit = m.text
			}
		}
	}
	if in.InstanceID == "" {
		// Central's fallback: an instanceID at the top.
		for _, k := range root.kids {
			if k.name == metaInstanceID {
				in.InstanceID = k.text
			}
		}
	}
	return in, nil
}

// decode reads an instance with encoding/xml, under Parse's rules.
func decode(data []byte) (root *node, formID, version string, err error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var stack []*node
	var text strings.Builder
	elements := 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, "", "", bad("the submission is not well-formed XML: %s", strings.TrimPrefix(err.Error(), "XML syntax error on "))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, "", "", bad("the submission XML has more than one root element")
			}
			elements++
			if elements > MaxElements {
				return nil, "", "", bad("the submission XML has more than %d elements", MaxElements)
			}
			if len(stack) >= MaxDepth {
				return nil, "", "", bad("the submission XML is nested more than %d levels deep", MaxDepth)
			}
			n := &node{name: t.Name.Local, prefix: t.Name.Space}
			for _, a := range t.Attr {
				if a.Name.Local == "template" && a.Name.Space == "jr" {
					n.template = true
				}
			}
			if len(stack) == 0 {
				root = n
				a := attrs(t.Attr)
				formID, version = a["id"], a["version"]
			} else {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			}
			stack = append(stack, n)
			text.Reset()
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, "", "", bad("the submission XML closes an element it never opened")
			}
			n := stack[len(stack)-1]
			if n.name != t.Name.Local || n.prefix != t.Name.Space {
				return nil, "", "", bad("the submission is not well-formed XML: <%s> is closed by </%s>", n.name, t.Name.Local)
			}
			if len(n.kids) == 0 {
				n.text = strings.TrimSpace(text.String())
			}
			text.Reset()
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, "", "", bad("the submission is not well-formed XML: text outside its root element")
				}
				continue
			}
			text.Write(t)
		case xml.Directive:
			return nil, "", "", bad("the submission XML has a DOCTYPE or other <!...> declaration; none is accepted (no DTDs, no entities)")
		case xml.ProcInst:
			if t.Target != "xml" {
				return nil, "", "", bad("the submission XML has a processing instruction <?%s?>; none is accepted", t.Target)
			}
			if enc := procEncoding(t.Inst); enc != "" && !strings.EqualFold(enc, "utf-8") {
				return nil, "", "", bad("the submission XML is in %s; only UTF-8 is accepted", enc)
			}
		}
	}
	if root == nil {
		return nil, "", "", bad("the submission XML has no root element")
	}
	if len(stack) != 0 {
		return nil, "", "", bad("the submission XML ends before <%s> is closed", stack[len(stack)-1].name)
	}
	return root, formID, version, nil
}

// attrs returns the unprefixed attributes (RawToken leaves a prefix in Name.Space).
func attrs(as []xml.Attr) map[string]string {
	m := map[string]string{}
	for _, a := range as {
		if a.Name.Space == "" {
			m[a.Name.Local] = a.Value
		}
	}
	return m
}

func procEncoding(inst []byte) string {
	s := string(inst)
	i := strings.Index(s, "encoding=")
	if i < 0 || i+10 > len(s) {
		return ""
	}
	q := s[i+9]
	rest := s[i+10:]
	j := strings.IndexByte(rest, q)
	if j < 0 {
		return ""
	}
	return rest[:j]
}

package form

import (
	"fmt"
	"regexp"
	"strings"
)

// parsedType is the type column of a survey row, as pyxform reads it.
type parsedType struct {
	kind    fieldKind
	name    string // canonical type name (Field.Type)
	list    string // choice list, or the file of select_one_from_file
	ext     bool   // choices from a file or the external_choices sheet
	end     fieldKind
	isEnd   bool
	loop    bool // begin loop over LIST: a group per choice
	orOther bool
}

// simpleTypes maps the type names and pyxform's aliases of the types
// without a list to their canonical name and kind.
var simpleTypes = map[string]struct {
	name string
	kind fieldKind
}{
	"integer": {"integer", kInteger}, "int": {"integer", kInteger}, "q int": {"integer", kInteger}, "add integer prompt": {"integer", kInteger},
	"decimal": {"decimal", kDecimal}, "q decimal": {"decimal", kDecimal}, "add decimal prompt": {"decimal", kDecimal},
	"range": {"range", kDecimal},
	"text":  {"text", kText}, "string": {"text", kText}, "q string": {"text", kText}, "add text prompt": {"text", kText},
	"barcode": {"barcode", kText}, "q barcode": {"barcode", kText}, "add barcode prompt": {"barcode", kText},
	"date": {"date", kDate}, "q date": {"date", kDate}, "add date prompt": {"date", kDate},
	"time":     {"time", kTime},
	"datetime": {"dateTime", kDateTime}, "dateTime": {"dateTime", kDateTime}, "date time": {"dateTime", kDateTime},
	"q date time": {"dateTime", kDateTime}, "q dateTime": {"dateTime", kDateTime}, "add date time prompt": {"dateTime", kDateTime}, "add dateTime prompt": {"dateTime", kDateTime},
	"geopoint": {"geopoint", kGeopoint}, "gps": {"geopoint", kGeopoint}, "location": {"geopoint", kGeopoint},
	"q geopoint": {"geopoint", kGeopoint}, "q location": {"geopoint", kGeopoint}, "add location prompt": {"geopoint", kGeopoint},
	"geotrace": {"geotrace", kGeotrace}, "q geotrace": {"geotrace", kGeotrace},
	"geoshape": {"geoshape", kGeoshape}, "q geoshape": {"geoshape", kGeoshape},
	"image": {"image", kMedia}, "photo": {"image", kMedia}, "q picture": {"image", kMedia}, "q image": {"image", kMedia},
	"add image prompt": {"image", kMedia}, "add photo prompt": {"image", kMedia},
	"audio": {"audio", kMedia}, "q audio": {"audio", kMedia}, "add audio prompt": {"audio", kMedia},
	"video": {"video", kMedia}, "q video": {"video", kMedia}, "add video prompt": {"video", kMedia},
	"file": {"file", kMedia}, "add file prompt": {"file", kMedia},
	"background-audio": {"background-audio", kMedia},
	"acknowledge":      {"acknowledge", kAcknowledge}, "q acknowledge": {"acknowledge", kAcknowledge},
	"add acknowledge prompt": {"acknowledge", kAcknowledge}, "trigger": {"acknowledge", kAcknowledge},
	"note": {"note", kNote}, "q note": {"note", kNote}, "add note prompt": {"note", kNote},
	"calculate": {"calculate", kCalculate}, "q calculate": {"calculate", kCalculate}, "add calculate prompt": {"calculate", kCalculate},
	"hidden": {"hidden", kDevice},
	// Metadata: values the device records.
	"start": {"start", kDevice}, "start time": {"start", kDevice}, "get start time": {"start", kDevice},
	"end": {"end", kDevice}, "end time": {"end", kDevice}, "get end time": {"end", kDevice},
	"today": {"today", kDevice}, "get today": {"today", kDevice},
	"deviceid": {"deviceid", kDevice}, "imei": {"deviceid", kDevice}, "device id": {"deviceid", kDevice}, "get device id": {"deviceid", kDevice}, "uri:deviceid": {"deviceid", kDevice},
	"username": {"username", kDevice}, "uri:username": {"username", kDevice},
	"phonenumber": {"phonenumber", kDevice}, "get phone number": {"phonenumber", kDevice}, "uri:phonenumber": {"phonenumber", kDevice},
	"phone number":                 {"text", kText},
	"number of days in last month": {"integer", kInteger}, "number of days in last six months": {"integer", kInteger},
	"number of days in last year": {"integer", kInteger},
	"simserial":                   {"simserial", kDevice}, "sim id": {"simserial", kDevice}, "get sim id": {"simserial", kDevice}, "uri:simserial": {"simserial", kDevice},
	"subscriberid": {"subscriberid", kDevice}, "subscriber id": {"subscriberid", kDevice}, "get subscriber id": {"subscriberid", kDevice}, "uri:subscriberid": {"subscriberid", kDevice},
	"email": {"email", kDevice}, "uri:email": {"email", kDevice},
	"audit": {"audit", kMedia}, "start-geopoint": {"start-geopoint", kDevice}, "background-geopoint": {"background-geopoint", kDevice},
	"xml-external": {"xml-external", kInstance}, "csv-external": {"csv-external", kInstance},
	"percentage": {"integer", kInteger},
}

// typeConstraints are the constraints pyxform's question types carry
// (question_type_dictionary.py), used where the row has none of its own.
var typeConstraints = map[string]string{
	"phone number": `regex(., '^\d*$')`, "percentage": "0 <= . and . <= 100",
	"number of days in last month": "0 <= . and . <= 31", "number of days in last six months": "0 <= . and . <= 183",
	"number of days in last year": "0 <= . and . <= 365",
}

// selectCommands are pyxform's select types and their aliases.
var selectCommands = map[string]struct {
	name string
	kind fieldKind
	ext  bool
}{
	"select_one": {"select_one", kSelectOne, false}, "select one": {"select_one", kSelectOne, false},
	"select1": {"select_one", kSelectOne, false}, "select one from": {"select_one", kSelectOne, false},
	"add select one prompt using": {"select_one", kSelectOne, false}, "select one using": {"select_one", kSelectOne, false},
	"q select1":       {"select_one", kSelectOne, false},
	"select_multiple": {"select_multiple", kSelectMultiple, false}, "select all that apply": {"select_multiple", kSelectMultiple, false},
	"select all that apply from": {"select_multiple", kSelectMultiple, false}, "select multiple from": {"select_multiple", kSelectMultiple, false},
	"add select multiple prompt using": {"select_multiple", kSelectMultiple, false}, "select multiple using": {"select_multiple", kSelectMultiple, false},
	"q select":             {"select_multiple", kSelectMultiple, false},
	"select_one_from_file": {"select_one", kSelectOne, true}, "select one from file": {"select_one", kSelectOne, true},
	"select_multiple_from_file": {"select_multiple", kSelectMultiple, true}, "select multiple from file": {"select_multiple", kSelectMultiple, true},
	"select_one_external": {"select_one", kSelectOne, true}, "select one external": {"select_one", kSelectOne, true},
	"rank": {"rank", kRank, false},
}

var (
	reSelect = regexp.MustCompile(`^(.+?) (\S+)( (or specify other|or_other|or other))?$`)
	reBegin  = regexp.MustCompile(`^begin[ _](group|repeat|lgroup|looped group|loop)( (over )?(\S+))?$`)
	reEnd    = regexp.MustCompile(`^end[ _](group|repeat|lgroup|looped group|loop)$`)
)

// parseType reads a type as pyxform does: "select_one yn", "select one from
// yn", "select_one yn or_other", "begin group", "begin_repeat", "begin loop
// over yn", and every alias of the simple types.
func parseType(s string) (parsedType, string) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return parsedType{}, "missing type"
	}
	low := strings.ToLower(s)
	if m := reEnd.FindStringSubmatch(low); m != nil {
		p := parsedType{isEnd: true, end: kGroup, name: "group"}
		switch m[1] {
		case "repeat", "lgroup", "looped group":
			p.end, p.name = kRepeat, "repeat"
		case "loop":
			p.loop = true
		}
		return p, ""
	}
	if m := reBegin.FindStringSubmatch(low); m != nil {
		p := parsedType{kind: kGroup, name: "group"}
		switch m[1] {
		case "repeat", "lgroup", "looped group":
			p.kind, p.name = kRepeat, "repeat"
		case "loop":
			p.loop = true
			if m[4] == "" {
				return p, "begin loop needs a choice list: begin loop over LIST"
			}
			// The list name keeps its case.
			p.list = strings.Fields(s)[len(strings.Fields(s))-1]
		default:
			if m[4] != "" {
				return p, fmt.Sprintf("unknown type %q", s)
			}
		}
		return p, ""
	}
	if t, ok := simpleTypes[s]; ok {
		return parsedType{kind: t.kind, name: t.name}, ""
	}
	if t, ok := simpleTypes[low]; ok && low != "datetime" {
		return parsedType{kind: t.kind, name: t.name}, ""
	}
	if m := reSelect.FindStringSubmatch(s); m != nil {
		if c, ok := selectCommands[m[1]]; ok {
			return parsedType{kind: c.kind, name: c.name, list: m[2], ext: c.ext, orOther: m[3] != ""}, ""
		}
	}
	for cmd := range selectCommands {
		if s == cmd {
			return parsedType{}, fmt.Sprintf("%s needs exactly one choice list name (got %q)", s, s)
		}
	}
	if strings.HasPrefix(low, "osm") {
		return parsedType{kind: kMedia, name: "osm"}, ""
	}
	return parsedType{}, fmt.Sprintf("unknown type %q", s)
}

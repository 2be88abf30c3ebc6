package openrosa

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"strconv"
	"time"
)

// Protocol constants.
const (
	Version         = "1.0"
	NSFormList      = "http://openrosa.org/xforms/xformsList"
	NSManifest      = "http://openrosa.org/xforms/xformsManifest"
	NSResponse      = "http://openrosa.org/http/response"
	ContentTypeXML  = "text/xml; charset=utf-8"
	HeaderVersion   = "X-OpenRosa-Version"
	HeaderAcceptLen = "X-OpenRosa-Accept-Content-Length"
)

// Form is one entry of the form list.
type Form struct {
	ID, Name, Version string
	Hash              string // "md5:…" of the served XForm bytes
	DownloadURL       string // absolute
	ManifestURL       string // absolute; "" when the form has no media
	Description       string // shown with verbose=true; may be ""
}

// MediaFile is one entry of a manifest.
type MediaFile struct {
	Filename    string // un-rooted, no ".."
	Hash        string // "md5:…"
	DownloadURL string // absolute
}

// MD5 is the hash as the form list and the manifest write it.
func MD5(b []byte) string {
	sum := md5.Sum(b)
	return "md5:" + hex.EncodeToString(sum[:])
}

// FormList writes the <xforms> document. verbose adds descriptionText.
func FormList(forms []Form, verbose bool) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<xforms xmlns="` + NSFormList + `">`)
	for _, f := range forms {
		b.WriteString("\n<xform>")
		elem(&b, "formID", f.ID)
		elem(&b, "name", f.Name)
		elem(&b, "version", f.Version)
		elem(&b, "hash", f.Hash)
		if verbose && f.Description != "" {
			elem(&b, "descriptionText", f.Description)
		}
		elem(&b, "downloadUrl", f.DownloadURL)
		if f.ManifestURL != "" {
			elem(&b, "manifestUrl", f.ManifestURL)
		}
		b.WriteString("</xform>")
	}
	b.WriteString("\n</xforms>\n")
	return b.Bytes()
}

// Manifest writes the <manifest> document of a form's media.
func Manifest(files []MediaFile) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<manifest xmlns="` + NSManifest + `">`)
	for _, f := range files {
		b.WriteString("\n<mediaFile>")
		elem(&b, "filename", f.Filename)
		elem(&b, "hash", f.Hash)
		elem(&b, "downloadUrl", f.DownloadURL)
		b.WriteString("</mediaFile>")
	}
	b.WriteString("\n</manifest>\n")
	return b.Bytes()
}

// Response writes an OpenRosaResponse; Collect shows msg to the enumerator. An error has
// nature="error".
func Response(msg string, isError bool) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<OpenRosaResponse xmlns="` + NSResponse + `" items="0"><message nature="`)
	if isError {
		b.WriteString("error")
	}
	b.WriteString(`">`)
	xml.EscapeText(&b, []byte(msg))
	b.WriteString("</message></OpenRosaResponse>\n")
	return b.Bytes()
}

// SetHeaders sets what every OpenRosa response carries: the protocol version, the date,
// the language and the largest submission accepted.
func SetHeaders(h http.Header, now time.Time, maxSubmission int64) {
	h.Set(HeaderVersion, Version)
	h.Set("Date", now.UTC().Format(http.TimeFormat))
	h.Set("Content-Language", "en")
	h.Set(HeaderAcceptLen, strconv.FormatInt(maxSubmission, 10))
}

func elem(b *bytes.Buffer, name, text string) {
	b.WriteString("<" + name + ">")
	xml.EscapeText(b, []byte(text))
	b.WriteString("</" + name + ">")
}

package openrosa

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
)

// CollectSettings is the text of ODK Collect's settings QR code (Project settings → Add
// project → scan): base64 of the zlib-compressed JSON settings. form_update_mode
// match_exactly keeps the device's forms those of the server, as Central's managed QR codes.
func CollectSettings(serverURL, projectName string) (string, error) {
	doc := map[string]any{
		"general": map[string]any{
			"server_url":       serverURL,
			"form_update_mode": "match_exactly",
			"autosend":         "wifi_and_cellular",
		},
		"admin":   map[string]any{},
		"project": map[string]any{"name": projectName, "icon": "F"},
	}
	js, err := json.Marshal(doc)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	zw.Write(js)
	if err := zw.Close(); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b.Bytes()), nil
}

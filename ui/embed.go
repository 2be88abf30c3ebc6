// Package ui holds the browser app (the supervisor console and the analyst workspace) as
// files embedded in the binary: plain ES modules and vendored libraries, no build step, no CDN.
package ui

import (
	"embed"
	"io/fs"
)

//go:embed index.html webform.html app vendor
var files embed.FS

// Files returns the app's files, rooted so that index.html is at the top.
func Files() fs.FS { return files }

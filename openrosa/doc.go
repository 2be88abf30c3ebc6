// Package openrosa writes the documents of the OpenRosa 1.0 protocol as ODK Collect reads
// them (form list, manifest, OpenRosaResponse) and reads a submission's multipart body. It
// knows nothing of HTTP routing or of PocketBase: hooks/ serves what it writes.
//
// The rules followed are those Collect enforces and ODK Central answers (see docs/openrosa.md):
// every <xform> has formID, name, version, hash ("md5:" + the MD5 of the exact bytes
// served) and an absolute downloadUrl; manifestUrl only when the form has media.
package openrosa

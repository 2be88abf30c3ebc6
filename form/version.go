package form

import "strconv"

// VersionLabel is the version as the form's authors wrote it, what OpenRosa clients are
// served and send back: settings.version's text, or the version number when there is
// none.
func (s *Survey) VersionLabel() string {
	if s.Settings.VersionText != "" {
		return s.Settings.VersionText
	}
	return strconv.Itoa(s.Version)
}

// SetInstalled gives a survey loaded from a stored definition its installed version: n, the
// sync protocol's number (a whole-number settings.version, or the install order for any
// other text), and label, the version as written. A deployment orders versions by install
// time (pyxform's rule), so a definition whose version is "2025-05-01 22-47" or nothing has
// Version 0 until the server numbers it. Call it once, before the survey is shared.
func (s *Survey) SetInstalled(n int, label string) {
	s.Version, s.Settings.Version = n, n
	s.Settings.VersionText = label
}

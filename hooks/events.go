package hooks

import "fieldbase/ingest"

// afterPush runs once a push is on disk.
func (s *Server) afterPush(written []ingest.Written) {}

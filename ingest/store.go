package ingest

import (
	"context"
	"time"

	"fieldbase/dedup"
	"fieldbase/design"
	"fieldbase/form"
	"fieldbase/store"
)

// Survey is a compiled survey version as the server knows it.
type Survey struct {
	RecordID string // surveys collection record id
	Form     *form.Survey
	// Design is the roles the survey declares in its settings (never nil): the typed columns,
	// dedup and preloading read them.
	Design *design.Design

	hhSensitive     []string
	repeatSensitive map[string][]string
}

// Surveys finds a compiled survey by form id and version. A nil error with ok false means
// the server has no such survey (the device is wrong); an error means it could not tell
// (the database failed: the device should send again later).
type Surveys interface {
	Find(formID string, version int) (sv *Survey, ok bool, err error)
}

// FactsFunc turns validated answers into the stored indicator facts of the household
// and of each member row (see package indicators); nil stores none.
type FactsFunc func(sv *form.Survey, data map[string]any) (household string, members []string)

// Written is a submission record a push wrote or changed, for the record events fired after
// the commit (see Store.AfterCommit).
type Written struct {
	Record string // submissions record id
	Op     string // "create" or "update"
	// Row is what a create inserted, so that the events need not read the row back; nil
	// for an update. Its JSON columns (data, pii, flags, errors, warnings) are valid JSON:
	// jsonText wrote them (TestJSONTextIsMarshal, TestJSONTextWithIsJSONText).
	Row *store.Submission
}

// Store turns pushed items into stored submissions through DB.
type Store struct {
	DB      *store.Store
	Keys    dedup.Keyed // the deployment's keyed digests (disclosure.Keys); required
	Quota   Quota       // per enumerator and day; the zero value is DefaultQuota
	Surveys Surveys
	Facts   FactsFunc
	Now     func() time.Time // for tests; time.Now when nil

	// AfterCommit, when set, is told what a push wrote once it is durable (record events,
	// realtime, caches). It runs on the pushing request; it must not fail the push.
	AfterCommit func(ctx context.Context, written []Written)

	usage usageCache // today's use of the quota per enumerator
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

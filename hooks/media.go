package hooks

import (
	"crypto/md5"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/types"

	"fieldbase/form"
	"fieldbase/openrosa"
)

// Attachment limits (docs/sync-api.md, "Media"): one file, and all the files of one
// submission together, by either door (a JSON push's uploads or an OpenRosa POST).
// Variables so that tests can lower them; a file can never exceed the submission_files
// collection's own limit (10 MiB).
var (
	MaxAttachmentBytes           int64 = 10 << 20
	MaxSubmissionAttachmentBytes int64 = 50 << 20
	// MaxDailyAttachmentBytes is what one enumerator's files may take in 24 hours, so that
	// one account (a stolen tablet) cannot fill the server's disk; the environment variable
	// FIELDBASE_QUOTA_ATTACHMENT_BYTES sets it.
	MaxDailyAttachmentBytes int64 = 2 << 30
)

func dailyAttachmentQuota() int64 {
	if v, err := strconv.ParseInt(os.Getenv("FIELDBASE_QUOTA_ATTACHMENT_BYTES"), 10, 64); err == nil && v > 0 {
		return v
	}
	return MaxDailyAttachmentBytes
}

// checkDailyQuota refuses adding bytes of files when the enumerator's files of the last 24
// hours would go over the daily quota (429: the device keeps them and sends them later).
func (s *Server) checkDailyQuota(enumerator string, adding int64) error {
	if adding == 0 {
		return nil
	}
	var used int64
	since := types.NowDateTime().Add(-24 * time.Hour).String()
	err := s.app.DB().NewQuery("SELECT COALESCE(SUM(size), 0) FROM submission_files WHERE enumerator = {:e} AND created >= {:t}").
		Bind(dbx.Params{"e": enumerator, "t": since}).Row(&used)
	if err != nil {
		return fmt.Errorf("attachment quota of %s: %w", enumerator, err)
	}
	if q := dailyAttachmentQuota(); used+adding > q {
		return &fileRefusal{http.StatusTooManyRequests, fmt.Sprintf(
			"your files of the last 24 hours take %d bytes and these %d more: at most %d bytes a day are accepted; keep them on the device and send them tomorrow, or ask a superuser to raise the quota",
			used, adding, q)}
	}
	return nil
}

// mediaSub is the stored submission attachments belong to: the first copy under its uuid
// (a conflict copy, conflict_of set, never takes files).
type mediaSub struct {
	ID         string `db:"id"`
	UUID       string `db:"uuid"`
	Enumerator string `db:"enumerator"`
	Team       string `db:"team"`
	Status     string `db:"status"`
	FormID     string `db:"form_id"`
	Version    int    `db:"version"`
	Data       string `db:"data"`
	PII        string `db:"pii"`
}

// fileRefusal is an attachment the writer does not take, with the status and message the
// door answers (a JSON error or an OpenRosaResponse).
type fileRefusal struct {
	status int
	msg    string
}

func (f *fileRefusal) Error() string { return f.msg }

// File outcomes of saveSubmissionFiles.
const (
	fileCreated = "created" // stored now
	fileExists  = "exists"  // the same bytes (md5) were stored before: nothing new
	fileDiffers = "differs" // other bytes are stored under this name: kept as they are
)

// saveSubmissionFiles is the one writer of submission attachments, for both doors: each
// file is stored as a protected PocketBase file in submission_files, once per name. A file
// whose name is stored with the same md5 is an idempotent resend; one with other bytes is
// never stored over the first (outcome differs; the door decides what to answer). Files
// beyond MaxAttachmentBytes, or that would take the submission's files beyond
// MaxSubmissionAttachmentBytes, are refused (413) before anything of the call is stored.
func (s *Server) saveSubmissionFiles(record, instanceID, enumerator, team string, files []openrosa.File) ([]string, error) {
	col, err := s.app.FindCachedCollectionByNameOrId("submission_files")
	if err != nil {
		return nil, err
	}
	stored, err := s.storedFiles(record)
	if err != nil {
		return nil, err
	}
	var total int64
	for _, f := range stored {
		total += f.Size
	}
	if err := checkFileLimits(files); err != nil {
		return nil, err
	}
	outcomes := make([]string, len(files))
	todo := make([]bool, len(files))
	for i, f := range files {
		hash := md5hex(f.Data)
		if old, ok := stored[f.Name]; ok {
			outcomes[i] = fileExists
			if old.MD5 != hash {
				outcomes[i] = fileDiffers
			}
			continue
		}
		total += int64(len(f.Data))
		if total > MaxSubmissionAttachmentBytes {
			return nil, overSubmissionLimit(f.Name, total)
		}
		stored[f.Name] = storedFile{Name: f.Name, Size: int64(len(f.Data)), MD5: hash}
		todo[i] = true
	}
	var adding int64
	for i, f := range files {
		if todo[i] {
			adding += int64(len(f.Data))
		}
	}
	if err := s.checkDailyQuota(enumerator, adding); err != nil {
		return nil, err
	}
	for i, f := range files {
		if !todo[i] {
			continue
		}
		file, err := filesystem.NewFileFromBytes(f.Data, f.Name)
		if err != nil {
			return nil, err
		}
		rec := core.NewRecord(col)
		rec.Set("submission", record)
		rec.Set("instance_id", instanceID)
		rec.Set("name", f.Name)
		rec.Set("file", file)
		rec.Set("size", len(f.Data))
		rec.Set("md5", md5hex(f.Data))
		rec.Set("enumerator", enumerator)
		rec.Set("team", team)
		if err := s.app.Save(rec); err != nil {
			// Two uploads of the same name at once: the unique index lets one in.
			if again, aerr := s.storedFiles(record); aerr == nil {
				if old, ok := again[f.Name]; ok {
					outcomes[i] = fileExists
					if old.MD5 != md5hex(f.Data) {
						outcomes[i] = fileDiffers
					}
					continue
				}
			}
			return nil, &fileRefusal{http.StatusBadRequest, fmt.Sprintf("attachment %q is not accepted: %v", truncate(f.Name, 100), err)}
		}
		outcomes[i] = fileCreated
	}
	return outcomes, nil
}

// checkFileLimits refuses files that could not be stored whatever is stored already: one
// over MaxAttachmentBytes, or together over MaxSubmissionAttachmentBytes. The OpenRosa door
// checks before it stores the instance, so that a refused POST leaves nothing behind.
func checkFileLimits(files []openrosa.File) error {
	var total int64
	for _, f := range files {
		if int64(len(f.Data)) > MaxAttachmentBytes {
			return &fileRefusal{http.StatusRequestEntityTooLarge, fmt.Sprintf(
				"attachment %q is %d bytes: at most %d bytes a file are accepted", truncate(f.Name, 100), len(f.Data), MaxAttachmentBytes)}
		}
		if total += int64(len(f.Data)); total > MaxSubmissionAttachmentBytes {
			return overSubmissionLimit(f.Name, total)
		}
	}
	return nil
}

func overSubmissionLimit(name string, total int64) error {
	return &fileRefusal{http.StatusRequestEntityTooLarge, fmt.Sprintf(
		"attachment %q would take this submission's files to %d bytes: at most %d bytes of files a submission are accepted",
		truncate(name, 100), total, MaxSubmissionAttachmentBytes)}
}

func md5hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// storedFile is one row of submission_files, as the list and the writer see it.
type storedFile struct {
	ID   string `db:"id" json:"-"`
	Name string `db:"name" json:"name"`
	Size int64  `db:"size" json:"size"`
	MD5  string `db:"md5" json:"md5"`
	File string `db:"file" json:"-"`
}

func (s *Server) storedFiles(record string) (map[string]storedFile, error) {
	var rows []storedFile
	err := s.app.DB().NewQuery("SELECT id, name, size, md5, file FROM submission_files WHERE submission = {:s}").
		Bind(dbx.Params{"s": record}).All(&rows)
	if err != nil {
		return nil, fmt.Errorf("submission files of %s: %w", record, err)
	}
	out := make(map[string]storedFile, len(rows))
	for _, r := range rows {
		out[r.Name] = r
	}
	return out, nil
}

// mediaSubmission finds the submission with this uuid that the caller may see, or the
// same 404 whether there is none or it is someone else's.
func (s *Server) mediaSubmission(e *core.RequestEvent, uuid string) (*mediaSub, error) {
	notFound := apiError(http.StatusNotFound, fmt.Sprintf("no submission %q with attachments you may see", truncate(uuid, 64)))
	var sub mediaSub
	err := s.app.DB().NewQuery(`SELECT id, uuid, enumerator, team, status, form_id, version, data, pii FROM submissions
		WHERE uuid = {:u} AND conflict_of = '' ORDER BY created LIMIT 1`).Bind(dbx.Params{"u": uuid}).One(&sub)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	if !mayReadMedia(e.Auth, &sub) {
		return nil, notFound
	}
	return &sub, nil
}

// mayReadMedia is the role table of sync.md for a submission's files: the enumerator who
// sent it, the supervisors of its team, superusers; analysts only an approved household's,
// and only with pii_granted (photos and recordings identify people, like the sensitive
// answers they may not otherwise read).
func mayReadMedia(auth *core.Record, sub *mediaSub) bool {
	switch roleOf(auth) {
	case RoleSuperuser:
		return true
	case RoleEnumerator:
		return sub.Enumerator == auth.Id
	case RoleSupervisor:
		return contains(teamsOf(auth), sub.Team)
	case RoleAnalyst:
		return sub.Status == "approved" && auth.GetBool("pii_granted")
	}
	return false
}

// mediaTypes are the question types whose answer names a file (form's media kinds).
var mediaTypes = map[string]bool{"image": true, "audio": true, "video": true, "file": true,
	"background-audio": true, "audit": true, "osm": true}

// mediaAnswers returns the file names the submission's media answers (image, audio,
// video, file, audit ...) name, each with the path of its answer (members[1].photo).
func (s *Server) mediaAnswers(sub *mediaSub) (map[string]string, error) {
	sv, ok, err := s.Surveys.Find(sub.FormID, sub.Version)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	if !ok {
		return out, nil
	}
	var data, pii map[string]any
	json.Unmarshal([]byte(sub.Data), &data)
	json.Unmarshal([]byte(sub.PII), &pii)
	for _, f := range sv.Form.Fields() {
		if !mediaTypes[f.Type] {
			continue
		}
		var chain []*form.Field // enclosing repeats, outermost first
		for p := f.Parent(); p != nil; p = p.Parent() {
			if p.Type == "repeat" {
				chain = append([]*form.Field{p}, chain...)
			}
		}
		for _, tree := range []map[string]any{data, pii} {
			collectMedia(tree, chain, f.Key, "", out)
		}
	}
	return out, nil
}

func collectMedia(level map[string]any, chain []*form.Field, key, prefix string, out map[string]string) {
	if level == nil {
		return
	}
	if len(chain) == 0 {
		if name, ok := level[key].(string); ok && name != "" {
			out[name] = prefix + key
		}
		return
	}
	rows, _ := level[chain[0].Key].([]any)
	for i, r := range rows {
		row, _ := r.(map[string]any)
		collectMedia(row, chain[1:], key, fmt.Sprintf("%s%s[%d].", prefix, chain[0].Key, i), out)
	}
}

// attachmentState is one attachment of GET .../attachments.
type attachmentState struct {
	Name   string `json:"name"`
	Answer string `json:"answer,omitempty"` // the answer that names it, "" for a file no answer names
	Stored bool   `json:"stored"`
	Size   int64  `json:"size,omitempty"`
	MD5    string `json:"md5,omitempty"`
}

type attachmentList struct {
	ID          string            `json:"id"`
	Attachments []attachmentState `json:"attachments"`
	Missing     []string          `json:"missing"`
	Limits      map[string]int64  `json:"limits"`
}

func (s *Server) listAttachments(sub *mediaSub) (*attachmentList, error) {
	named, err := s.mediaAnswers(sub)
	if err != nil {
		return nil, err
	}
	stored, err := s.storedFiles(sub.ID)
	if err != nil {
		return nil, err
	}
	out := &attachmentList{ID: sub.UUID, Attachments: []attachmentState{}, Missing: []string{},
		Limits: map[string]int64{"file_bytes": MaxAttachmentBytes, "submission_bytes": MaxSubmissionAttachmentBytes}}
	for name, answer := range named {
		st := attachmentState{Name: name, Answer: answer}
		if f, ok := stored[name]; ok {
			st.Stored, st.Size, st.MD5 = true, f.Size, f.MD5
		} else {
			out.Missing = append(out.Missing, name)
		}
		out.Attachments = append(out.Attachments, st)
	}
	for name, f := range stored {
		if _, ok := named[name]; !ok {
			out.Attachments = append(out.Attachments, attachmentState{Name: name, Stored: true, Size: f.Size, MD5: f.MD5})
		}
	}
	sort.Slice(out.Attachments, func(i, j int) bool { return out.Attachments[i].Name < out.Attachments[j].Name })
	sort.Strings(out.Missing)
	return out, nil
}

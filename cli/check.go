package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"fieldbase/form"
	"fieldbase/ingest"
	"fieldbase/schemas"
)

// checkResult is the per-item line `fieldbase check` prints: what a push would answer.
type checkResult struct {
	ID       string         `json:"id"`
	Outcome  string         `json:"outcome"` // created | refused, as a push of a new item
	Status   string         `json:"status"`  // received | flagged | invalid | refused
	Errors   []form.Problem `json:"errors"`
	Warnings []form.Problem `json:"warnings"`
}

// CheckCommand is `fieldbase check` (exported for tests that compare it with a push).
func CheckCommand() *cobra.Command { return checkCommand() }

func checkCommand() *cobra.Command {
	var surveyFile string
	cmd := &cobra.Command{
		Use:   "check FILE",
		Short: "Check submissions offline exactly as a push would (a push body, a JSON array or JSON lines; - for stdin)",
		Long: "Reads FILE as the body of POST /api/sync/push ({\"submissions\": [...]}), a JSON array of envelopes, " +
			"or JSON lines (one envelope a line), says on stderr which it read, and prints one JSON line per envelope: " +
			`{"id","outcome","status","errors","warnings"} with the problems a push would answer for a new submission ` +
			"(status received|flagged|invalid|refused). It uses push's own parser and validation; what needs the " +
			"server's data is not checked (a resend or duplicate, the assignment and its preloaded answers, supersedes). " +
			"Nothing is written and no data dir is used. Exit code 0 even when some are invalid, 2 when the input cannot be read.",
		Args:          cobra.ExactArgs(1),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			def := schemas.MHS
			if surveyFile != "" {
				b, err := readDefinition(surveyFile)
				if err != nil {
					return exit2(err)
				}
				def = b
			}
			sv, err := form.Load(def)
			if err != nil {
				return exit2(fmt.Errorf("survey: %w", err))
			}
			in, err := openInput(args[0])
			if err != nil {
				return exit2(err)
			}
			defer in.Close()
			out := bufio.NewWriter(cmd.OutOrStdout())
			defer out.Flush()
			enc := json.NewEncoder(out)
			n := 0
			surveys := oneSurvey{ingest.NewSurvey("", sv)}
			now := time.Now()
			kind, err := eachEnvelope(in, func(raw json.RawMessage) error {
				n++
				return enc.Encode(checkOne(surveys, raw, now))
			})
			if err != nil {
				out.Flush()
				return exit2(fmt.Errorf("input unreadable after %d envelopes: %w", n, err))
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "read %s: checked %d envelopes against %s version %d\n", kind, n, sv.FormID, sv.Version)
			return nil
		},
	}
	cmd.Flags().StringVar(&surveyFile, "survey", "", "survey definition, JSON or XLSForm .xlsx (default: the built-in mhs v1)")
	return cmd
}

// oneSurvey is the survey check knows: the one it was given.
type oneSurvey struct{ sv *ingest.Survey }

func (o oneSurvey) Find(formID string, version int) (*ingest.Survey, bool, error) {
	if formID == o.sv.Form.FormID && version == o.sv.Form.Version {
		return o.sv, true, nil
	}
	return nil, false, nil
}

func checkOne(surveys ingest.Surveys, raw json.RawMessage, now time.Time) checkResult {
	out, err := ingest.Check(surveys, raw, now)
	if err != nil { // no database here: cannot happen, but never print a half answer
		return checkResult{Outcome: ingest.Refused, Status: ingest.Refused, Warnings: []form.Problem{},
			Errors: []form.Problem{{Rule: "type", Message: "could not check: " + err.Error()}}}
	}
	r := checkResult{ID: out.ID, Outcome: out.Outcome, Status: out.Status, Errors: out.Errors, Warnings: out.Warnings}
	if out.Outcome == ingest.Refused {
		r.Status = ingest.Refused
	}
	if r.Errors == nil {
		r.Errors = []form.Problem{}
	}
	if r.Warnings == nil {
		r.Warnings = []form.Problem{}
	}
	return r
}

func openInput(name string) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(os.Stdin), nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open input: %w", err)
	}
	return f, nil
}

// Input kinds eachEnvelope recognises.
const (
	kindPushBody  = "a push body"
	kindArray     = "a JSON array"
	kindJSONLines = "JSON lines"
	kindEmpty     = "an empty input"
)

// eachEnvelope streams the envelopes of a push body, a JSON array or JSON lines, one at a
// time, and says which of the three it read. An object with a "submissions" array and no
// "id" is a push body (as sent to POST /api/sync/push); other objects are envelopes.
func eachEnvelope(r io.Reader, fn func(json.RawMessage) error) (string, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	first, err := peekNonSpace(br)
	if err == io.EOF {
		return kindEmpty, nil
	}
	if err != nil {
		return "", err
	}
	dec := json.NewDecoder(br)
	if first == '[' {
		return kindArray, eachInArray(dec, fn)
	}
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return kindJSONLines, err
	}
	var body struct {
		ID          json.RawMessage   `json:"id"`
		Submissions []json.RawMessage `json:"submissions"`
	}
	if json.Unmarshal(raw, &body) == nil && body.Submissions != nil && body.ID == nil {
		for _, item := range body.Submissions {
			if err := fn(item); err != nil {
				return kindPushBody, err
			}
		}
		if _, err := dec.Token(); err != io.EOF {
			return kindPushBody, fmt.Errorf("more after the push body")
		}
		return kindPushBody, nil
	}
	for {
		if err := fn(bytes.TrimSpace(raw)); err != nil {
			return kindJSONLines, err
		}
		raw = nil
		err := dec.Decode(&raw)
		if err == io.EOF {
			return kindJSONLines, nil
		}
		if err != nil {
			return kindJSONLines, err
		}
	}
}

func eachInArray(dec *json.Decoder, fn func(json.RawMessage) error) error {
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if err := fn(raw); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}

func peekNonSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		if b != ' ' && b != '\n' && b != '\r' && b != '\t' {
			return b, br.UnreadByte()
		}
	}
}

// exit2 reports err and ends the command with exit code 2 (unreadable input), as it promises.
func exit2(err error) error {
	fmt.Fprintln(os.Stderr, "error:", err)
	return exitError(2)
}

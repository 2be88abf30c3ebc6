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
	Status   string         `json:"status"`
	Errors   []form.Problem `json:"errors"`
	Warnings []form.Problem `json:"warnings"`
}

func checkCommand() *cobra.Command {
	var surveyFile string
	cmd := &cobra.Command{
		Use:   "check FILE",
		Short: "Validate envelopes (a JSON array or JSON lines; - for stdin) and print one JSON result per envelope",
		Long: "Validates each envelope exactly as POST /api/sync/push does and prints " +
			`{"id","status","errors","warnings"} per envelope as JSON lines (status received|flagged|invalid|refused). ` +
			"Exit code 0 even when some are invalid, 2 when the input cannot be read.",
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
			out := bufio.NewWriter(os.Stdout)
			defer out.Flush()
			enc := json.NewEncoder(out)
			n := 0
			err = eachEnvelope(in, func(raw json.RawMessage) error {
				n++
				return enc.Encode(checkOne(sv, raw, ingest.Today(time.Now())))
			})
			if err != nil {
				out.Flush()
				return exit2(fmt.Errorf("input unreadable after %d envelopes: %w", n, err))
			}
			fmt.Fprintf(os.Stderr, "checked %d envelopes\n", n)
			return nil
		},
	}
	cmd.Flags().StringVar(&surveyFile, "survey", "", "survey definition, JSON or XLSForm .xlsx (default: the built-in mhs v1)")
	return cmd
}

func checkOne(sv *form.Survey, raw json.RawMessage, now time.Time) checkResult {
	var env form.Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return checkResult{Status: "refused", Errors: []form.Problem{{Rule: "type", Message: "not a submission envelope: " + err.Error()}}, Warnings: []form.Problem{}}
	}
	if env.Survey != sv.FormID || env.Version != sv.Version {
		return checkResult{ID: env.ID, Status: "refused", Warnings: []form.Problem{},
			Errors: []form.Problem{{Path: "survey", Rule: "type", Message: fmt.Sprintf("unknown survey %q version %d", env.Survey, env.Version)}}}
	}
	res := sv.Validate(&env, now)
	r := checkResult{ID: env.ID, Status: res.Status, Errors: res.Errors, Warnings: res.Warnings}
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

// eachEnvelope streams a JSON array or JSON lines, one envelope at a time.
func eachEnvelope(r io.Reader, fn func(json.RawMessage) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	first, err := peekNonSpace(br)
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return err
	}
	dec := json.NewDecoder(br)
	if first == '[' {
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
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(bytes.TrimSpace(raw)); err != nil {
			return err
		}
	}
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

// exit2 reports err and exits with code 2 (unreadable input), as the command promises.
func exit2(err error) error {
	fmt.Fprintln(os.Stderr, "error:", err)
	os.Exit(2)
	return err
}

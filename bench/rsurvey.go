package bench

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"fieldbase/form"
	"fieldbase/indicators"
	"fieldbase/schemas"
)

//go:embed survey.R
var surveyR []byte

// haveRSurvey says whether Rscript with the survey package can run here (and why not).
func haveRSurvey(ctx context.Context) (bool, string) {
	path, err := exec.LookPath("Rscript")
	if err != nil {
		return false, "Rscript is not installed"
	}
	out, err := exec.CommandContext(ctx, path, "-e", `if (!requireNamespace("survey", quietly = TRUE)) quit(status = 3)`).CombinedOutput()
	if err != nil {
		return false, fmt.Sprintf("R's survey package is not installed (%v %s)", err, bytes.TrimSpace(out))
	}
	return true, ""
}

// writeRUnits writes the approved households' stored indicator facts (the rows
// GET /api/indicators reads) in estimate/testdata's units.csv layout, with indicators.csv
// and dims.csv, for survey.R. It returns the number of household and person rows.
func writeRUnits(ctx context.Context, db *sql.DB, dir string) (int, int, error) {
	sv, err := form.Load(schemas.MHS)
	if err != nil {
		return 0, 0, err
	}
	c, err := indicators.LoadPooled(schemas.Indicators, sv)
	if err != nil {
		return 0, 0, err
	}
	f, err := os.Create(filepath.Join(dir, "units.csv"))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("id,type,hh,stratum,psu")
	for _, d := range c.Dimensions {
		w.WriteString("," + d.ID)
	}
	for _, in := range c.Indicators {
		fmt.Fprintf(w, ",in_%s,w_%s,y_%s,x_%s", in.ID, in.ID, in.ID, in.ID)
	}
	w.WriteString("\n")
	var line []byte
	row := func(id, typ string, h int, facts string) error {
		u, err := c.Decode(facts)
		if err != nil {
			return err
		}
		line = line[:0]
		line = fmt.Appendf(line, "%s,%s,%d,%s,%s", id, typ, h, csvText(u.Stratum), csvText(u.PSU))
		for _, code := range u.Codes {
			line = append(line, ',')
			line = append(line, csvText(code)...)
		}
		for _, in := range c.Indicators {
			if (in.Unit == indicators.Household) != (typ == "H") {
				line = append(line, ",,,,"...)
				continue
			}
			v, ok := u.Value(in.ID)
			if !ok {
				v = indicators.Value{W: u.Weight}
			}
			in := 0
			if ok {
				in = 1
			}
			line = fmt.Appendf(line, ",%d,%s,%s,%s", in, num(v.W), num(v.Y), num(v.X))
		}
		line = append(line, '\n')
		_, err = w.Write(line)
		return err
	}
	index := map[string]int{}
	nh, np := 0, 0
	err = eachRow(ctx, db, "SELECT id, COALESCE(facts, '') FROM submissions WHERE form_id = 'mhs' AND status = 'approved'", func(id, facts string) error {
		nh++
		index[id] = nh
		return row(fmt.Sprintf("H%07d", nh), "H", nh, facts)
	})
	if err != nil {
		return 0, 0, err
	}
	err = eachRow(ctx, db, "SELECT submission, COALESCE(facts, '') FROM members WHERE form_id = 'mhs' AND status = 'approved'", func(sub, facts string) error {
		np++
		return row(fmt.Sprintf("P%07d", np), "P", index[sub], facts)
	})
	if err != nil {
		return 0, 0, err
	}
	if err := w.Flush(); err != nil {
		return 0, 0, err
	}
	var ib, db2 bytes.Buffer
	ib.WriteString("id,unit,kind,scale\n")
	for _, in := range c.Indicators {
		if !in.Measured() { // no population in v1 households: nothing for R to estimate
			continue
		}
		u := "P"
		if in.Unit == indicators.Household {
			u = "H"
		}
		fmt.Fprintf(&ib, "%s,%s,%s,%s\n", in.ID, u, in.Kind, num(in.Scale))
	}
	db2.WriteString("id,person_only\n")
	for _, d := range c.Dimensions {
		po := 0
		if d.PersonOnly {
			po = 1
		}
		fmt.Fprintf(&db2, "%s,%d\n", d.ID, po)
	}
	if err := os.WriteFile(filepath.Join(dir, "indicators.csv"), ib.Bytes(), 0o644); err != nil {
		return 0, 0, err
	}
	if err := os.WriteFile(filepath.Join(dir, "dims.csv"), db2.Bytes(), 0o644); err != nil {
		return 0, 0, err
	}
	return nh, np, nil
}

func eachRow(ctx context.Context, db *sql.DB, q string, fn func(a, b string) error) error {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	var a, b string
	for rows.Next() {
		if err := rows.Scan(&a, &b); err != nil {
			return err
		}
		if err := fn(a, b); err != nil {
			return err
		}
	}
	return rows.Err()
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// csvText quotes a field that needs it (codes and strata are plain in practice).
func csvText(s string) string {
	if strings.ContainsAny(s, ",\"\n\r") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// rResult is what survey.R reports.
type rResult struct {
	seconds      float64 // estimation time, extrapolated to every cell when sampled
	timed, cells int
	readSeconds  float64
}

// runRSurvey runs survey.R on dir, its lines echoed to logw.
func runRSurvey(ctx context.Context, dir string, perIndicator int, logw io.Writer) (rResult, error) {
	script := filepath.Join(dir, "survey.R")
	if err := os.WriteFile(script, surveyR, 0o644); err != nil {
		return rResult{}, err
	}
	cmd := exec.CommandContext(ctx, "Rscript", script, dir, strconv.Itoa(perIndicator))
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.StdoutPipe()
	if err != nil {
		return rResult{}, err
	}
	if err := cmd.Start(); err != nil {
		return rResult{}, err
	}
	var res rResult
	found := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(logw, "bench: R:", line)
		if f := strings.Fields(line); len(f) == 5 && f[0] == "TOTAL" {
			res.seconds, _ = strconv.ParseFloat(f[1], 64)
			res.timed, _ = strconv.Atoi(f[2])
			res.cells, _ = strconv.Atoi(f[3])
			res.readSeconds, _ = strconv.ParseFloat(f[4], 64)
			found = true
		}
	}
	if err := cmd.Wait(); err != nil {
		return res, fmt.Errorf("Rscript: %w: %s", err, tail(errb.String(), 800))
	}
	if !found {
		return res, fmt.Errorf("Rscript printed no TOTAL line: %s", tail(errb.String(), 800))
	}
	return res, nil
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// dimensionIDs are the breakdown dimensions of the shipped mhs indicator catalog, in order.
func dimensionIDs() ([]string, error) {
	var cat struct {
		Dimensions []struct {
			ID string `json:"id"`
		} `json:"dimensions"`
	}
	if err := json.Unmarshal(schemas.Indicators, &cat); err != nil {
		return nil, fmt.Errorf("indicator catalog: %w", err)
	}
	var ids []string
	for _, d := range cat.Dimensions {
		ids = append(ids, d.ID)
	}
	return ids, nil
}

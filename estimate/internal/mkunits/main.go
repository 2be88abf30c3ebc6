// Command mkunits writes the estimate package's synthetic test data:
// units.csv (one row per household and person) and indicators.csv (the
// indicators' unit, kind and scale) into a directory. The reference data
// is regenerated with
//
//	go run ./estimate/internal/mkunits -dir estimate/testdata
//
// and then estimate/testdata/reference.R recomputes reference.csv. A large
// data set for timing R (see estimate/testdata/bench.R):
//
//	go run ./estimate/internal/mkunits -households 100000 -indicators REM2,FIN1 -dir /tmp/big
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"fieldbase/estimate/internal/unitgen"
)

func main() {
	households := flag.Int("households", unitgen.ReferenceHouseholds, "number of households")
	seed := flag.Uint64("seed", unitgen.ReferenceSeed, "random seed")
	dir := flag.String("dir", ".", "output directory")
	only := flag.String("indicators", "", "comma-separated indicator ids (default all)")
	flag.Parse()
	inds, err := pick(*only)
	if err != nil {
		log.Fatal(err)
	}
	d := unitgen.Generate(*households, *seed)
	if err := write(filepath.Join(*dir, "units.csv"), func(f *os.File) error { return d.WriteUnits(f, inds) }); err != nil {
		log.Fatal(err)
	}
	if err := write(filepath.Join(*dir, "indicators.csv"), func(f *os.File) error { return unitgen.WriteIndicators(f, inds) }); err != nil {
		log.Fatal(err)
	}
}

func pick(list string) ([]int, error) {
	var inds []int
	for i, c := range unitgen.Indicators {
		if list == "" || strings.Contains(","+list+",", ","+c.ID+",") {
			inds = append(inds, i)
		}
	}
	if len(inds) == 0 {
		return nil, fmt.Errorf("no indicator in %q", list)
	}
	return inds, nil
}

func write(path string, fill func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := fill(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

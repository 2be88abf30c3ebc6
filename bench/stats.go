package bench

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
)

// median of the values (the mean of the middle two for an even count); NaN for none.
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// formatValue prints a figure with about four significant digits and no exponent.
func formatValue(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "NaN"
	case a >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
}

// writeFigure prints one `name value unit` line.
func writeFigure(w io.Writer, name string, v float64, unit string) {
	fmt.Fprintf(w, "%s %s %s\n", name, formatValue(v), unit)
}

// runsText lists a figure's runs for the progress log.
func runsText(v []float64) string {
	s := "["
	for i, x := range v {
		if i > 0 {
			s += " "
		}
		s += formatValue(x)
	}
	return s + "]"
}

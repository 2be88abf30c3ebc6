package unitgen

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
)

// WriteUnits writes the data as CSV, one row per unit: id, type, hh,
// stratum, psu, the dimension codes, then in_, w_, y_, x_ for each of the
// given indicators (indices into Indicators). The four are empty on rows
// of the other unit type; outside the population in_ is 0 and y, x are 0.
func (d *Data) WriteUnits(out io.Writer, inds []int) error {
	w := bufio.NewWriter(out)
	w.WriteString("id,type,hh,stratum,psu")
	for _, dim := range Dims {
		w.WriteString("," + dim)
	}
	for _, i := range inds {
		id := Indicators[i].ID
		fmt.Fprintf(w, ",in_%s,w_%s,y_%s,x_%s", id, id, id, id)
	}
	w.WriteByte('\n')
	next := make([]int, len(Indicators)) // cursor into each Column
	var buf []byte
	for ui := range d.Units {
		u := &d.Units[ui]
		buf = buf[:0]
		if u.Type == 'H' {
			buf = fmt.Appendf(buf, "H%06d,H,%d", u.HH, u.HH)
		} else {
			buf = fmt.Appendf(buf, "P%06d-%02d,P,%d", u.HH, u.Member, u.HH)
		}
		buf = fmt.Appendf(buf, ",%s,%d", d.Strata[u.Stratum], u.PSU)
		for dim, c := range u.Codes {
			buf = append(buf, ',')
			buf = append(buf, Codes[dim][c]...)
		}
		for _, i := range inds {
			if Indicators[i].Unit != u.Type {
				buf = append(buf, ",,,,"...)
				continue
			}
			c := &d.Columns[i]
			k := next[i]
			for k < len(c.Units) && c.Units[k] < int32(ui) {
				k++
			}
			next[i] = k
			in, y, x := 0, 0.0, 0.0
			if k < len(c.Units) && c.Units[k] == int32(ui) {
				in, y, x = 1, c.Y[k], c.XAt(k)
			}
			buf = fmt.Appendf(buf, ",%d,", in)
			buf = strconv.AppendFloat(buf, d.W(i, int32(ui)), 'g', -1, 64)
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, y, 'g', -1, 64)
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, x, 'g', -1, 64)
		}
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return w.Flush()
}

// WriteIndicators writes the catalog as CSV: id, unit, kind, scale.
func WriteIndicators(out io.Writer, inds []int) error {
	w := bufio.NewWriter(out)
	w.WriteString("id,unit,kind,scale\n")
	for _, i := range inds {
		c := Indicators[i]
		fmt.Fprintf(w, "%s,%c,%s,%s\n", c.ID, c.Unit, c.Kind, strconv.FormatFloat(c.Scale, 'f', -1, 64))
	}
	return w.Flush()
}

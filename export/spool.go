package export

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
)

// spool holds one file of the ZIP while the households are read: the repeats' rows come out of
// the households' answers in the same pass as households.csv, but a ZIP holds each file in
// one piece, so they are written (compressed as in the ZIP) to an unlinked temporary file and
// copied into the ZIP once households.csv is complete. Memory stays that of the buffers; the
// disk holds the compressed rows.
type spool struct {
	f      *os.File
	buf    *bufio.Writer // into f
	fw     *flate.Writer // nil for a stored file
	crc    hash.Hash32
	n      uint64 // uncompressed bytes
	method uint16
}

func newSpool(dir string, method uint16) (*spool, error) {
	f, err := os.CreateTemp(dir, "fieldbase-export-*")
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	// Unlinked at once: an interrupted export leaves nothing behind.
	_ = os.Remove(f.Name())
	sp := &spool{f: f, buf: bufio.NewWriterSize(f, 256<<10), crc: crc32.NewIEEE(), method: method}
	if method == zip.Deflate {
		if sp.fw, err = flate.NewWriter(sp.buf, flate.BestSpeed); err != nil {
			f.Close()
			return nil, err
		}
	}
	return sp, nil
}

// Write takes the file's uncompressed bytes.
func (sp *spool) Write(p []byte) (int, error) {
	sp.crc.Write(p)
	sp.n += uint64(len(p))
	if sp.fw != nil {
		return sp.fw.Write(p)
	}
	return sp.buf.Write(p)
}

// copyTo adds the spooled file to the ZIP as name.
func (sp *spool) copyTo(zw *zip.Writer, hdr *zip.FileHeader) error {
	if sp.fw != nil {
		if err := sp.fw.Close(); err != nil {
			return err
		}
	}
	if err := sp.buf.Flush(); err != nil {
		return err
	}
	size, err := sp.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if _, err := sp.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	setModified(hdr)
	hdr.Method = sp.method
	hdr.CRC32 = sp.crc.Sum32()
	hdr.CompressedSize64 = uint64(size)
	hdr.UncompressedSize64 = sp.n
	w, err := zw.CreateRaw(hdr)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, bufio.NewReaderSize(sp.f, 256<<10))
	return err
}

func (sp *spool) close() {
	if sp != nil && sp.f != nil {
		sp.f.Close()
		sp.f = nil
	}
}

// setModified does for a raw entry what zip.Writer.CreateHeader does with Modified: the
// MS-DOS date and time, and the extended timestamp (UTC) that unzip tools prefer.
func setModified(hdr *zip.FileHeader) {
	t := hdr.Modified
	if t.IsZero() {
		return
	}
	if t.Year() >= 1980 {
		hdr.ModifiedDate = uint16(t.Day() + int(t.Month())<<5 + (t.Year()-1980)<<9)
		hdr.ModifiedTime = uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11)
	}
	var ext [9]byte
	binary.LittleEndian.PutUint16(ext[0:], 0x5455) // extended timestamp
	binary.LittleEndian.PutUint16(ext[2:], 5)
	ext[4] = 1 // modification time present
	binary.LittleEndian.PutUint32(ext[5:], uint32(t.Unix()))
	hdr.Extra = append(hdr.Extra, ext[:]...)
}

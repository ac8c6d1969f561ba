package codec

import (
	"bytes"
	"encoding/binary"
	"sync"
	"testing"
)

// maskOggSerial zeroes the serial number and checksum of every Ogg page,
// the only bytes in which two encodings of the same input differ.
func maskOggSerial(t *testing.T, b []byte) []byte {
	t.Helper()
	b = bytes.Clone(b)
	for off := 0; off < len(b); {
		h := b[off:]
		if len(h) < 27 || string(h[:4]) != "OggS" || len(h) < 27+int(h[26]) {
			t.Fatalf("no Ogg page at %d", off)
		}
		size := 27 + int(h[26])
		for _, s := range h[27:size] {
			size += int(s)
		}
		binary.LittleEndian.PutUint32(h[14:], 0)
		binary.LittleEndian.PutUint32(h[22:], 0)
		off += size
	}
	return b
}

// TestConcurrent runs four encoders of each format at once and checks
// each produces what one encoder alone does: the C libraries keep no
// shared state that concurrent use could corrupt.
func TestConcurrent(t *testing.T) {
	pcm := speechLike(SampleRate)
	encode := func(format string) ([]byte, error) {
		var buf bytes.Buffer
		enc, err := NewEncoder(format, &buf)
		if err != nil {
			return nil, err
		}
		for i := 0; i < len(pcm); i += 480 {
			if err := enc.Write(pcm[i : i+480]); err != nil {
				return nil, err
			}
		}
		return buf.Bytes(), enc.Close()
	}
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			want, err := encode(format)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			got := make([][]byte, 4)
			errs := make([]error, len(got))
			for i := range got {
				wg.Go(func() { got[i], errs[i] = encode(format) })
			}
			wg.Wait()
			for i, b := range got {
				if errs[i] != nil {
					t.Fatal(errs[i])
				}
				if format == "opus" {
					b, want = maskOggSerial(t, b), maskOggSerial(t, want)
				}
				if !bytes.Equal(b, want) {
					t.Errorf("encoder %d of 4 produced %d bytes unlike the %d of a lone encoder", i, len(b), len(want))
				}
			}
		})
	}
}

//go:build cgo

package opusenc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"
	"time"
)

func tone(n int) []int16 {
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/24000))
	}
	return pcm
}

var cfg = Config{SampleRate: 24000, Bitrate: 32000, Speech: true, Complexity: 5, MaxPageDelay: 200 * time.Millisecond}

// page is one Ogg page.
type page struct {
	flags   byte
	granule int64
	seq     uint32
	body    []byte
}

// pages splits an Ogg stream into its pages, checking the framing.
func pages(t *testing.T, ogg []byte) []page {
	t.Helper()
	var out []page
	for off := 0; off < len(ogg); {
		h := ogg[off:]
		if len(h) < 27 || string(h[:4]) != "OggS" || h[4] != 0 {
			t.Fatalf("no Ogg page at %d", off)
		}
		nseg := int(h[26])
		if len(h) < 27+nseg {
			t.Fatalf("page at %d: truncated segment table", off)
		}
		size := 0
		for _, s := range h[27 : 27+nseg] {
			size += int(s)
		}
		end := 27 + nseg + size
		if len(h) < end {
			t.Fatalf("page at %d: body overruns the stream", off)
		}
		out = append(out, page{
			flags:   h[5],
			granule: int64(binary.LittleEndian.Uint64(h[6:])),
			seq:     binary.LittleEndian.Uint32(h[18:]),
			body:    h[27+nseg : end],
		})
		off += end
	}
	return out
}

func encode(t *testing.T, n int) []byte {
	t.Helper()
	enc, err := NewEncoder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	var ogg []byte
	for pcm := tone(n); len(pcm) > 0; pcm = pcm[min(len(pcm), 480):] {
		if ogg, err = enc.Encode(ogg, pcm[:min(len(pcm), 480)]); err != nil {
			t.Fatal(err)
		}
	}
	if ogg, err = enc.Finish(ogg); err != nil {
		t.Fatal(err)
	}
	return ogg
}

func TestValidate(t *testing.T) {
	tests := []struct {
		cfg Config
		ok  bool
	}{
		{cfg, true},
		{Config{SampleRate: 48000, Bitrate: 510000, Application: VoIP, Complexity: 10, MaxPageDelay: time.Second}, true},
		{Config{SampleRate: 8000, Bitrate: 6000, MaxPageDelay: 20 * time.Millisecond}, true},
		{Config{SampleRate: 7999, Bitrate: 32000, MaxPageDelay: time.Second}, false},
		{Config{SampleRate: 96000, Bitrate: 32000, MaxPageDelay: time.Second}, false},
		{Config{SampleRate: 24000, Bitrate: 5999, MaxPageDelay: time.Second}, false},
		{Config{SampleRate: 24000, Bitrate: 32000, Application: 2, MaxPageDelay: time.Second}, false},
		{Config{SampleRate: 24000, Bitrate: 32000, Complexity: 11, MaxPageDelay: time.Second}, false},
		{Config{SampleRate: 24000, Bitrate: 32000}, false},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrInvalidConfig)) {
			t.Errorf("%+v: Validate() = %v", tt.cfg, err)
		}
		if enc, err := NewEncoder(tt.cfg); (err == nil) != tt.ok {
			t.Errorf("%+v: NewEncoder: %v", tt.cfg, err)
		} else if err == nil {
			enc.Close()
		}
	}
}

func TestStream(t *testing.T) {
	for _, n := range []int{0, 1, 480, 24000, 24001} {
		ps := pages(t, encode(t, n))
		if len(ps) < 3 {
			t.Fatalf("%d samples: %d pages, want headers and audio", n, len(ps))
		}
		head := ps[0].body
		if ps[0].flags != 2 || len(head) < 19 || string(head[:8]) != "OpusHead" || !bytes.HasPrefix(ps[1].body, []byte("OpusTags")) {
			t.Fatalf("%d samples: stream does not start with OpusHead and OpusTags pages", n)
		}
		preskip := int64(binary.LittleEndian.Uint16(head[10:]))
		if head[8] != 1 || head[9] != 1 || binary.LittleEndian.Uint32(head[12:]) != 24000 {
			t.Errorf("%d samples: OpusHead version %d, %d channels, input rate %d; want 1, 1, 24000",
				n, head[8], head[9], binary.LittleEndian.Uint32(head[12:]))
		}
		last := ps[len(ps)-1]
		// The end position tells the decoder the exact length at 48 kHz.
		if last.flags&4 == 0 || last.granule != preskip+2*int64(n) {
			t.Errorf("%d samples: last page flags %#x, granule %d; want end of stream at %d + %d",
				n, last.flags, last.granule, preskip, 2*n)
		}
		for i, p := range ps {
			if p.seq != uint32(i) {
				t.Errorf("%d samples: page %d has sequence number %d", n, i, p.seq)
			}
			// Each page ends at most MaxPageDelay (plus the packet that
			// crossed it) after the one before.
			if i > 2 && p.granule-ps[i-1].granule > 9600+960 {
				t.Errorf("%d samples: page %d holds %d samples at 48 kHz, more than 200 ms", n, i, p.granule-ps[i-1].granule)
			}
		}
	}
}

// TestHeadersFirst checks the header pages are handed over on the first
// call, before any audio is complete.
func TestHeadersFirst(t *testing.T) {
	enc, err := NewEncoder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	ogg, err := enc.Encode(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ps := pages(t, ogg); len(ps) != 2 {
		t.Errorf("first Encode gave %d pages, want the 2 header pages", len(ps))
	}
}

func TestClosed(t *testing.T) {
	enc, err := NewEncoder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enc.Finish(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := enc.Encode(nil, tone(10)); !errors.Is(err, ErrClosed) {
		t.Errorf("Encode after Finish: %v", err)
	}
	if _, err := enc.Finish(nil); !errors.Is(err, ErrClosed) {
		t.Errorf("second Finish: %v", err)
	}
	enc.Close()
	enc.Close()
	if _, err := enc.Encode(nil, tone(10)); !errors.Is(err, ErrClosed) {
		t.Errorf("Encode after Close: %v", err)
	}
}

//go:build cgo

package aac

import (
	"errors"
	"math"
	"testing"
)

func tone(n int) []int16 {
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/24000))
	}
	return pcm
}

var cfg = Config{SampleRate: 24000, Bitrate: 64000}

// adtsFrames checks that b is a sequence of ADTS frames of AAC-LC mono at
// 24 kHz without CRC, and counts them.
func adtsFrames(t *testing.T, b []byte) int {
	t.Helper()
	n := 0
	for off := 0; off < len(b); n++ {
		h := b[off:]
		if len(h) < 7 || h[0] != 0xFF || h[1] != 0xF1 {
			t.Fatalf("no MPEG-4 ADTS header without CRC at %d", off)
		}
		profile, sf, ch := h[2]>>6, h[2]>>2&15, (h[2]&1)<<2|h[3]>>6
		if profile != 1 || sf != 6 || ch != 1 {
			t.Fatalf("frame at %d: profile %d, rate index %d, channels %d; want 1 (LC), 6 (24 kHz), 1", off, profile, sf, ch)
		}
		size := int(h[3]&3)<<11 | int(h[4])<<3 | int(h[5]>>5)
		if size < 7 || off+size > len(b) || h[6]&3 != 0 {
			t.Fatalf("frame at %d: length %d in a stream of %d, %d raw blocks", off, size, len(b), h[6]&3+1)
		}
		off += size
	}
	return n
}

func TestValidate(t *testing.T) {
	tests := []struct {
		cfg Config
		ok  bool
	}{
		{cfg, true},
		{Config{SampleRate: 48000, Bitrate: 128000}, true},
		{Config{SampleRate: 24000, Bitrate: 144000}, true},
		{Config{SampleRate: 24000, Bitrate: 144001}, false},
		{Config{SampleRate: 24000, Bitrate: 7999}, false},
		{Config{SampleRate: 25000, Bitrate: 64000}, false},
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

func TestEncode(t *testing.T) {
	for _, n := range []int{0, 1, 1024, 24000, 24001} {
		enc, err := NewEncoder(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if enc.Delay() != 1024 {
			t.Errorf("Delay() = %d, want 1024", enc.Delay())
		}
		var out []byte
		for pcm := tone(n); len(pcm) > 0; pcm = pcm[min(len(pcm), 700):] {
			if out, err = enc.Encode(out, pcm[:min(len(pcm), 700)]); err != nil {
				t.Fatal(err)
			}
		}
		if out, err = enc.Finish(out); err != nil {
			t.Fatal(err)
		}
		// The frames hold the priming, the input, and less than a frame of
		// padding; no input makes no frames at all.
		frames := adtsFrames(t, out)
		if n == 0 && frames != 0 {
			t.Errorf("no samples: %d frames", frames)
		} else if pad := 1024*frames - enc.Delay() - n; n > 0 && (pad < 0 || pad >= 1024) {
			t.Errorf("%d samples: %d frames, leaving %d samples of padding", n, frames, pad)
		}
		enc.Close()
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

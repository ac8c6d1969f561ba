//go:build cgo

package lame

import (
	"bytes"
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

var cfg = Config{SampleRate: 24000, Bitrate: 64, Quality: 3}

// frameLen is the size of an MPEG-2 Layer III frame at 64 kbit/s and
// 24 kHz without padding: 72 * bitrate / rate.
const frameLen = 72 * 64000 / 24000

// frames checks that mp3 is a sequence of MPEG-2 Layer III mono frames at
// 64 kbit/s and 24 kHz, and returns them.
func frames(t *testing.T, mp3 []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for off := 0; off < len(mp3); {
		h := mp3[off:]
		if len(h) < 4 {
			t.Fatalf("%d stray bytes at %d", len(h), off)
		}
		switch {
		case h[0] != 0xFF || h[1]&0xE0 != 0xE0:
			t.Fatalf("no frame sync at %d: % x", off, h[:4])
		case h[1]>>3&3 != 2 || h[1]>>1&3 != 1:
			t.Fatalf("frame at %d is not MPEG-2 Layer III: % x", off, h[:4])
		case h[2]>>4 != 8 || h[2]>>2&3 != 1:
			t.Fatalf("frame at %d: bitrate index %d, rate index %d; want 8 (64 kbit/s), 1 (24 kHz)", off, h[2]>>4, h[2]>>2&3)
		case h[3]>>6 != 3:
			t.Fatalf("frame at %d: channel mode %d, want 3 (mono)", off, h[3]>>6)
		}
		n := frameLen + int(h[2]>>1&1)
		if off+n > len(mp3) {
			t.Fatalf("frame at %d of %d bytes overruns the stream of %d", off, n, len(mp3))
		}
		out = append(out, mp3[off:off+n])
		off += n
	}
	return out
}

func TestValidate(t *testing.T) {
	tests := []struct {
		cfg Config
		ok  bool
	}{
		{cfg, true},
		{Config{SampleRate: 44100, Bitrate: 128, Quality: 0}, true},
		{Config{SampleRate: 24000, Bitrate: 160, Quality: 9}, true},
		{Config{SampleRate: 24000, Bitrate: 192}, false}, // MPEG-2 tops out at 160
		{Config{SampleRate: 48000, Bitrate: 8}, false},   // MPEG-1 starts at 32
		{Config{SampleRate: 24000, Bitrate: 65}, false},
		{Config{SampleRate: 25000, Bitrate: 64}, false},
		{Config{SampleRate: 24000, Bitrate: 64, Quality: 10}, false},
		{Config{SampleRate: 24000, Bitrate: 64, Quality: -1}, false},
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
	for _, n := range []int{0, 1, 575, 576, 24000, 24001} {
		enc, err := NewEncoder(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var mp3 []byte
		for pcm := tone(n); len(pcm) > 0; pcm = pcm[min(len(pcm), 1000):] {
			if mp3, err = enc.Encode(mp3, pcm[:min(len(pcm), 1000)]); err != nil {
				t.Fatal(err)
			}
		}
		if mp3, err = enc.Finish(mp3); err != nil {
			t.Fatal(err)
		}
		fs := frames(t, mp3)
		// The frames hold the delay, the input and the padding, exactly.
		if got, want := 576*len(fs), enc.Delay()+n+enc.Padding(); got != want {
			t.Errorf("%d samples: %d frames hold %d samples, want delay %d + input + padding %d = %d",
				n, len(fs), got, enc.Delay(), enc.Padding(), want)
		}
		if enc.Delay() != 576 {
			t.Errorf("Delay() = %d, want LAME's 576", enc.Delay())
		}
		enc.Close()
	}
}

func TestInfoTag(t *testing.T) {
	for _, withTag := range []bool{false, true} {
		c := cfg
		c.InfoTag = withTag
		enc, err := NewEncoder(c)
		if err != nil {
			t.Fatal(err)
		}
		mp3, err := enc.Encode(nil, tone(24000))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := enc.InfoTag(); err == nil {
			t.Error("InfoTag before Finish succeeded")
		}
		if mp3, err = enc.Finish(mp3); err != nil {
			t.Fatal(err)
		}
		tag, err := enc.InfoTag()
		if err != nil {
			t.Fatal(err)
		}
		first := frames(t, mp3)[0]
		switch {
		case !withTag && tag != nil:
			t.Errorf("InfoTag without Config.InfoTag: %d bytes", len(tag))
		case withTag && (len(tag) != len(first) || !bytes.Contains(tag, []byte("Info")) || !bytes.Contains(tag, []byte("LAME"))):
			t.Errorf("InfoTag: %d bytes, first frame %d; want an Info frame of the same size", len(tag), len(first))
		case withTag:
			frames(t, tag) // a valid frame in its own right
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
	if _, err := enc.InfoTag(); !errors.Is(err, ErrClosed) {
		t.Errorf("InfoTag after Close: %v", err)
	}
	if _, err := enc.Encode(nil, tone(10)); !errors.Is(err, ErrClosed) {
		t.Errorf("Encode after Close: %v", err)
	}
}

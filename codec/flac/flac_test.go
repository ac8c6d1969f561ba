//go:build cgo

package flac

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
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

var cfg = Config{SampleRate: 24000, Level: 5}

// streamInfo is the decoded STREAMINFO block.
type streamInfo struct {
	minBlock, maxBlock, rate, channels, bits int
	total                                    uint64
	md5                                      [16]byte
}

func parseStreamInfo(b []byte) streamInfo {
	be := binary.BigEndian
	packed := be.Uint64(b[10:18])
	si := streamInfo{
		minBlock: int(be.Uint16(b[0:])),
		maxBlock: int(be.Uint16(b[2:])),
		rate:     int(packed >> 44),
		channels: int(packed>>41&7) + 1,
		bits:     int(packed>>36&31) + 1,
		total:    packed & (1<<36 - 1),
	}
	copy(si.md5[:], b[18:34])
	return si
}

func TestValidate(t *testing.T) {
	tests := []struct {
		cfg Config
		ok  bool
	}{
		{cfg, true},
		{Config{SampleRate: 48000, Level: 0}, true},
		{Config{SampleRate: 8000, Level: 8}, true},
		{Config{SampleRate: 0, Level: 5}, false},
		{Config{SampleRate: 700000, Level: 5}, false},
		{Config{SampleRate: 24000, Level: 9}, false},
		{Config{SampleRate: 24000, Level: -1}, false},
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
	for _, n := range []int{0, 1, 4096, 24001} {
		enc, err := NewEncoder(cfg)
		if err != nil {
			t.Fatal(err)
		}
		pcm := tone(n)
		head, err := enc.Encode(nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The header is ready before any audio: "fLaC", then STREAMINFO
		// (type 0, 34 bytes), then libFLAC's VORBIS_COMMENT (type 4) with
		// its vendor string, the last metadata block.
		if len(head) < StreamInfoOffset+StreamInfoLen+4 || string(head[:4]) != "fLaC" || head[4] != 0 || head[7] != StreamInfoLen ||
			head[StreamInfoOffset+StreamInfoLen] != 0x84 {
			t.Fatalf("%d samples: header % x", n, head)
		}
		if si := parseStreamInfo(head[StreamInfoOffset:]); si.total != 0 || si.rate != 24000 || si.channels != 1 || si.bits != 16 {
			t.Errorf("%d samples: provisional STREAMINFO %+v, want 24 kHz, mono, 16 bits, length unknown", n, si)
		}
		if enc.StreamInfo() != nil {
			t.Errorf("StreamInfo before Finish")
		}
		out := head
		if out, err = enc.Encode(out, pcm); err != nil {
			t.Fatal(err)
		}
		if out, err = enc.Finish(out); err != nil {
			t.Fatal(err)
		}
		si := parseStreamInfo(enc.StreamInfo())
		want := md5.Sum(pcmBytes(pcm))
		if si.total != uint64(n) || si.md5 != want || si.rate != 24000 || si.maxBlock != 4096 {
			t.Errorf("%d samples: final STREAMINFO %+v, want %d samples, block 4096, MD5 %x", n, si, n, want)
		}
		// Frames start with the fixed-blocksize sync code.
		if n > 0 && !bytes.HasPrefix(out[len(head):], []byte{0xFF, 0xF8}) {
			t.Errorf("%d samples: no frame after the header", n)
		}
		enc.Close()
	}
}

func pcmBytes(pcm []int16) []byte {
	b := make([]byte, 2*len(pcm))
	for i, v := range pcm {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
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
	if enc.StreamInfo() != nil {
		t.Errorf("StreamInfo after Close")
	}
}

package audio

import (
	"math"
	"testing"
)

// TestMulawCodes checks the decoder against values of G.711's table and
// that every code but negative zero survives decoding and encoding again.
func TestMulawCodes(t *testing.T) {
	// The extremes and the zeros of the μ-law table, and two codes of
	// the first segment, as every G.711 decoder gives them.
	for code, want := range map[byte]int16{0x80: 32124, 0x00: -32124, 0xff: 0, 0x7f: 0, 0xfe: 8, 0x7e: -8, 0xf0: 120, 0xef: 132, 0x8f: 16764} {
		if got := MulawDecode(nil, []byte{code})[0]; got != want {
			t.Errorf("decode(%#02x) = %d, want %d", code, got, want)
		}
	}
	for c := range 256 {
		if c == 0x7f {
			continue // negative zero decodes to 0, which encodes as positive zero
		}
		pcm := MulawDecode(nil, []byte{byte(c)})
		if got := MulawEncode(nil, pcm)[0]; got != byte(c) {
			t.Errorf("encode(decode(%#02x) = %d) = %#02x", c, pcm[0], got)
		}
	}
}

// TestMulawQuantisation: every 16-bit sample comes back within half a step
// of its segment (a sixteenth of its size, at least 8), except where it is
// clipped beyond the top code; and the encoding is monotonic.
func TestMulawQuantisation(t *testing.T) {
	prev := -32768
	for x := -32768; x <= 32767; x++ {
		code := MulawEncode(nil, []int16{int16(x)})[0]
		y := int(MulawDecode(nil, []byte{code})[0])
		if y < prev {
			t.Fatalf("decode(encode(%d)) = %d, below decode(encode(%d)) = %d", x, y, x-1, prev)
		}
		prev = y
		if x < -32124 || x > 32124 {
			continue
		}
		if err, bound := abs(y-x), abs(x)/16+8; err > bound {
			t.Fatalf("decode(encode(%d)) = %d: error %d above %d", x, y, err, bound)
		}
	}
}

// TestMulawSNR: μ-law keeps the signal-to-noise ratio of a sine near 38 dB
// over a wide range of levels, which is what makes 8 bits enough for
// speech.
func TestMulawSNR(t *testing.T) {
	for _, dbfs := range []float64{-3, -20, -40} {
		x := sine(8000, 8000, 1013, 32767*math.Pow(10, dbfs/20))
		y := MulawDecode(nil, MulawEncode(nil, x))
		var sig, noise float64
		for i := range x {
			sig += float64(x[i]) * float64(x[i])
			d := float64(y[i]) - float64(x[i])
			noise += d * d
		}
		snr := 10 * math.Log10(sig/noise)
		if min := 30.0; snr < min {
			t.Errorf("%v dBFS sine: SNR %.1f dB, want at least %v", dbfs, snr, min)
		}
		t.Logf("%v dBFS: SNR %.1f dB", dbfs, snr)
	}
}

func BenchmarkMulaw(b *testing.B) {
	x := sine(8000, 8000, 440, 12000) // one second at 8 kHz
	enc := make([]byte, 0, len(x))
	dec := make([]int16, 0, len(x))
	b.Run("encode", func(b *testing.B) {
		b.SetBytes(int64(2 * len(x)))
		for b.Loop() {
			enc = MulawEncode(enc[:0], x)
		}
	})
	enc = MulawEncode(enc[:0], x)
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(enc)))
		for b.Loop() {
			dec = MulawDecode(dec[:0], enc)
		}
	})
}

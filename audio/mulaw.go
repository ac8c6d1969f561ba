package audio

import "math/bits"

// μ-law (G.711) turns 16-bit linear PCM into 8-bit codes and back, as the
// telephone network carries speech (8 kHz, 64 kbit/s). The encoder follows
// ITU-T G.191's reference implementation (ulaw_compress): the sample is
// reduced to the 14 bits G.711 defines by dropping its two low bits, a
// negative one through its one's complement, biased by 33 and coded as
// a 3-bit segment and a 4-bit step, inverted. The decoder returns the
// middle of each code's interval, so that decoding then encoding gives
// the same code back.

// MulawEncode appends the μ-law codes of pcm to dst and returns it.
func MulawEncode(dst []byte, pcm []int16) []byte {
	for _, s := range pcm {
		dst = append(dst, mulawCode(s))
	}
	return dst
}

// MulawDecode appends the linear samples of the μ-law codes b to dst and
// returns it.
func MulawDecode(dst []int16, b []byte) []int16 {
	for _, c := range b {
		dst = append(dst, mulawTable[c])
	}
	return dst
}

func mulawCode(s int16) byte {
	mag := int(s)
	if s < 0 {
		mag = ^mag // -1 - s: G.191 reduces negative samples by one's complement
	}
	v := min(mag>>2+33, 0x1fff)
	seg := bits.Len(uint(v>>6)) + 1 // 1 to 8
	code := byte(8-seg)<<4 | byte(15-(v>>seg)&15)
	if s >= 0 {
		code |= 0x80
	}
	return code
}

// mulawTable is the linear value of every code.
var mulawTable = func() (t [256]int16) {
	for c := range t {
		u := ^byte(c)
		v := (int(u&0x0f)<<3 + 0x84) << (u & 0x70 >> 4)
		if u&0x80 != 0 {
			t[c] = int16(0x84 - v)
		} else {
			t[c] = int16(v - 0x84)
		}
	}
	return t
}()

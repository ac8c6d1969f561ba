package twiliosim

// G.711 μ-law, written from the standard's reference material rather than
// with package audio, so that the simulator checks the server's coding
// instead of sharing it.

// ulawTable is G.711's table of μ-law codes and their linear values,
// 16-bit scale (ITU-T G.711, Table 2a, times four).
var ulawTable = [256]int16{
	-32124, -31100, -30076, -29052, -28028, -27004, -25980, -24956,
	-23932, -22908, -21884, -20860, -19836, -18812, -17788, -16764,
	-15996, -15484, -14972, -14460, -13948, -13436, -12924, -12412,
	-11900, -11388, -10876, -10364, -9852, -9340, -8828, -8316,
	-7932, -7676, -7420, -7164, -6908, -6652, -6396, -6140,
	-5884, -5628, -5372, -5116, -4860, -4604, -4348, -4092,
	-3900, -3772, -3644, -3516, -3388, -3260, -3132, -3004,
	-2876, -2748, -2620, -2492, -2364, -2236, -2108, -1980,
	-1884, -1820, -1756, -1692, -1628, -1564, -1500, -1436,
	-1372, -1308, -1244, -1180, -1116, -1052, -988, -924,
	-876, -844, -812, -780, -748, -716, -684, -652,
	-620, -588, -556, -524, -492, -460, -428, -396,
	-372, -356, -340, -324, -308, -292, -276, -260,
	-244, -228, -212, -196, -180, -164, -148, -132,
	-120, -112, -104, -96, -88, -80, -72, -64,
	-56, -48, -40, -32, -24, -16, -8, 0,
	32124, 31100, 30076, 29052, 28028, 27004, 25980, 24956,
	23932, 22908, 21884, 20860, 19836, 18812, 17788, 16764,
	15996, 15484, 14972, 14460, 13948, 13436, 12924, 12412,
	11900, 11388, 10876, 10364, 9852, 9340, 8828, 8316,
	7932, 7676, 7420, 7164, 6908, 6652, 6396, 6140,
	5884, 5628, 5372, 5116, 4860, 4604, 4348, 4092,
	3900, 3772, 3644, 3516, 3388, 3260, 3132, 3004,
	2876, 2748, 2620, 2492, 2364, 2236, 2108, 1980,
	1884, 1820, 1756, 1692, 1628, 1564, 1500, 1436,
	1372, 1308, 1244, 1180, 1116, 1052, 988, 924,
	876, 844, 812, 780, 748, 716, 684, 652,
	620, 588, 556, 524, 492, 460, 428, 396,
	372, 356, 340, 324, 308, 292, 276, 260,
	244, 228, 212, 196, 180, 164, 148, 132,
	120, 112, 104, 96, 88, 80, 72, 64,
	56, 48, 40, 32, 24, 16, 8, 0,
}

// segEnd are the upper ends of μ-law's eight segments, in 14-bit units
// biased by 33 (the reference encoder of Sun Microsystems' public-domain
// g711.c, which the ITU's G.191 software tools follow).
var segEnd = [8]int{0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF}

// ulawEncode codes one 16-bit sample, as g711.c's linear2ulaw does.
func ulawEncode(sample int16) byte {
	v := int(sample) >> 2
	mask := byte(0xFF)
	if v < 0 {
		v, mask = -v, 0x7F
	}
	v = min(v, 8159) + 33
	seg := 0
	for seg < 8 && v > segEnd[seg] {
		seg++
	}
	if seg >= 8 {
		return 0x7F ^ mask
	}
	return (byte(seg<<4) | byte(v>>(seg+1))&0x0F) ^ mask
}

// Encode codes linear PCM as μ-law.
func Encode(pcm []int16) []byte {
	out := make([]byte, len(pcm))
	for i, s := range pcm {
		out[i] = ulawEncode(s)
	}
	return out
}

// Decode expands μ-law to linear PCM.
func Decode(b []byte) []int16 {
	out := make([]int16, len(b))
	for i, c := range b {
		out[i] = ulawTable[c]
	}
	return out
}

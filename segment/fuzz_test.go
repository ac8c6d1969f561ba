package segment

import (
	"testing"
)

// fuzzOps splits text into tokens as directed by ctl: each control byte's low
// four bits give a token length of 1 to 16 bytes (so tokens split UTF-8
// sequences), and its high bits sometimes add a Flush (0x1_) or a Reset
// (0x2_) after the token. What ctl does not cover is pushed as one token.
func fuzzOps(text string, ctl []byte) []op {
	var ops []op
	for _, c := range ctl {
		if text == "" {
			break
		}
		n := min(int(c&15)+1, len(text))
		ops = append(ops, op{kind: opPush, text: text[:n]})
		text = text[n:]
		switch c >> 4 {
		case 1:
			ops = append(ops, op{kind: opFlush})
		case 2:
			ops = append(ops, op{kind: opReset})
		}
	}
	if text != "" {
		ops = append(ops, op{kind: opPush, text: text})
	}
	return append(ops, op{kind: opFlush})
}

func FuzzSegmenter(f *testing.F) {
	for i, c := range loadGolden(f) {
		text := c.text()
		ctl := make([]byte, len(text)/3)
		for j := range ctl {
			ctl[j] = byte(j*7+i) % 6 // tokens of 1 to 6 bytes
		}
		if len(ctl) > 4 {
			ctl[len(ctl)/2] |= 0x10
		}
		f.Add(text, ctl, uint8(i))
		f.Add(text, []byte(nil), uint8(i)|0x80)
	}
	f.Fuzz(func(t *testing.T, text string, ctl []byte, sel uint8) {
		checkSession(t, fuzzConfig(sel), fuzzOps(text, ctl))
	})
}

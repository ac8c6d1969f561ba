package twiliosim

import (
	"testing"

	"github.com/parley-voice/parley/audio"
)

// TestG711AgreesWithServer: the server's μ-law (package audio) and the
// simulator's, written independently, decode every code alike and encode
// every sample to the same code or the next one (the references differ
// by one step for some negative samples: g711.c shifts before it negates,
// G.191 takes the one's complement).
func TestG711AgreesWithServer(t *testing.T) {
	for c := range 256 {
		if got, want := audio.MulawDecode(nil, []byte{byte(c)})[0], Decode([]byte{byte(c)})[0]; got != want {
			t.Errorf("code %#02x: server %d, G.711 table %d", c, got, want)
		}
	}
	differ := 0
	for x := -32768; x <= 32767; x++ {
		s := audio.MulawEncode(nil, []int16{int16(x)})[0]
		r := Encode([]int16{int16(x)})[0]
		if s == r {
			continue
		}
		differ++
		ds, dr := int(ulawTable[s]), int(ulawTable[r])
		if step := abs(ds - dr); step > abs(dr)/8+16 {
			t.Fatalf("sample %d: server %#02x (%d), reference %#02x (%d)", x, s, ds, r, dr)
		}
	}
	if differ > 65536/100 {
		t.Fatalf("the encoders differ on %d of 65536 samples", differ)
	}
	t.Logf("the encoders differ by one step on %d of 65536 samples", differ)
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func TestSign(t *testing.T) {
	// Twilio's documented example (package twilio's doc).
	form := map[string][]string{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"},
		"From": {"+12349013030"}, "To": {"+18005551212"}}
	if got := Sign("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form); got != "0/KCTR6DLpKmkAf8muzZqo1nDgQ=" {
		t.Fatalf("Sign = %q", got)
	}
}

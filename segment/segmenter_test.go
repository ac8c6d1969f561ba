package segment

import (
	"slices"
	"testing"

	"github.com/parley-voice/parley/protocol"
)

func TestClassifyWord(t *testing.T) {
	tests := []struct {
		word string
		lang protocol.Language
		want period
	}{
		{"Dr", protocol.Auto, periodContinues},
		{"Dr", protocol.Korean, periodContinues}, // English titles apply everywhere
		{"etc", protocol.English, periodAmbiguous},
		{"Etc", protocol.English, periodAmbiguous}, // sentence-initial capital
		{"E.g", protocol.English, periodContinues},
		{"Approx", protocol.English, periodContinues},
		{"apples", protocol.English, periodEnds},
		{"U.S", protocol.English, periodContinues},
		{"J.R.R", protocol.English, periodContinues},
		{"Ph.D", protocol.English, periodContinues},
		{"a.m", protocol.English, periodAmbiguous},
		{"P.M", protocol.English, periodAmbiguous},
		{"example.com", protocol.English, periodEnds},
		{"bbc.co.uk", protocol.English, periodEnds},
		{"J", protocol.English, periodContinues},
		{"p", protocol.English, periodAmbiguous},
		{"我", protocol.Chinese, periodEnds}, // a letter without case
		{"3", protocol.English, periodEnds},
		{"3", protocol.Auto, periodEnds},
		{"3", protocol.German, periodContinues},
		{"2024", protocol.German, periodContinues},
		{"3rd", protocol.English, periodEnds},
		{"usw", protocol.German, periodAmbiguous},
		{"usw", protocol.English, periodEnds},
		{"Sra", protocol.Spanish, periodContinues},
		{"Sra", protocol.English, periodEnds},
		{"Sra", protocol.Auto, periodContinues},
		{"Sig.ra", protocol.Italian, periodContinues},
		{"ecc", protocol.Italian, periodAmbiguous},
		{"Mme", protocol.French, periodContinues},
		{"т.е", protocol.Russian, periodContinues},
		{"т.д", protocol.Russian, periodAmbiguous},
		{"г", protocol.Russian, periodAmbiguous},
		{"Т.е", protocol.Russian, periodContinues},
	}
	for _, tt := range tests {
		if got := classifyWord([]byte(tt.word), abbrevTables[tt.lang], tt.lang); got != tt.want {
			t.Errorf("classifyWord(%q, %s) = %d, want %d", tt.word, tt.lang, got, tt.want)
		}
	}
}

// TestAutoTableMergesLanguages checks that Auto knows every language's
// abbreviations and resolves disagreements towards "continues".
func TestAutoTableMergesLanguages(t *testing.T) {
	auto := abbrevTables[protocol.Auto]
	for _, lang := range protocol.Languages {
		for w, p := range abbrevTables[lang] {
			if a, ok := auto[w]; !ok || a < p && a != periodContinues {
				t.Errorf("Auto has %q as %d (present %v), %s has %d", w, a, ok, lang, p)
			}
		}
	}
}

// TestSplitUTF8 pushes text one byte at a time, splitting every multi-byte
// sequence, and expects the segments of a single push; Len counts each byte
// of an incomplete sequence, as utf8.RuneCount does.
func TestSplitUTF8(t *testing.T) {
	text := "我们今天要把这件事情全部做完才能回家休息。“好的。”大家说。"
	one, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	want := append(one.Push(text), one.Flush()...)

	s, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := range len(text) {
		got = append(got, s.Push(text[i:i+1])...)
		if i == 1 && s.Len() != 2 { // "我" is three bytes; two have arrived
			t.Errorf("Len() with two bytes of a three-byte sequence = %d, want 2", s.Len())
		}
	}
	got = append(got, s.Flush()...)
	if !slices.Equal(got, want) || len(want) != 2 {
		t.Errorf("byte by byte: %q, whole: %q (want two segments)", got, want)
	}
}

func TestFlushIncompleteUTF8(t *testing.T) {
	s, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	s.Push("ok \xe4\xbd")
	if got := s.Flush(); !slices.Equal(got, []string{"ok \xe4\xbd"}) {
		t.Errorf("Flush() = %q, want the incomplete bytes too", got)
	}
	if got := s.Push("\xa0."); got != nil || s.Len() != 2 {
		t.Errorf("after Flush, the rest of the sequence is two stray bytes: got %q, Len %d", got, s.Len())
	}
}

func TestPushEmpty(t *testing.T) {
	s, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	s.Push("Hello there, my friend! How")
	before := s.Len()
	if got := s.Push(""); got != nil || s.Len() != before {
		t.Errorf("Push(\"\") = %q, Len %d → %d", got, before, s.Len())
	}
}

func TestPending(t *testing.T) {
	s, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	segs := s.Push("This first sentence is long enough to be spoken now. And here the next one béga")
	if len(segs) != 1 {
		t.Fatalf("segments %q", segs)
	}
	if got := s.Pending(1000); got != " And here the next one béga" {
		t.Fatalf("Pending = %q", got)
	}
	// A limit inside "é" cuts back to a whole code point.
	if got := s.Pending(len(" And here the next one b") + 1); got != " And here the next one b" {
		t.Fatalf("Pending(cut) = %q", got)
	}
	s.Reset()
	if got := s.Pending(10); got != "" {
		t.Fatalf("Pending after Reset = %q", got)
	}
}

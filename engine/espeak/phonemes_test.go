package espeak

import "testing"

// TestNewClause fixes how a clause's punctuation is read from the text one
// espeak_TextToPhonemes call consumed, look-ahead character included
// (cases as espeak-ng 1.51 consumes them).
func TestNewClause(t *testing.T) {
	tests := []struct {
		consumed string
		last     bool
		punct    rune
		sentence bool
	}{
		{"Hello, w", false, ',', false},
		{"orld! H", false, '!', true},
		{"ow are you today? I", false, '?', true},
		{"'m fine: t", false, ':', false},
		{"hanks; r", false, ';', false},
		{"eally.", true, '.', true},
		{"Hello,    w", false, ',', false},
		{"orld.\nN", false, '.', true},                   // a line break is white space
		{"ext line \"quoted.\"", false, '.', true},       // the closing quote is the look-ahead
		{"said \"hi.\")", false, '.', true},              // a closer before the look-ahead
		{"Hola, ¿", false, ',', false},                   // the look-ahead is the next clause's opener
		{"你好，世", false, ',', false},                      // full-width comma
		{"界。今", false, '.', true},                        // ideographic full stop
		{"天好吗？", true, '?', true},                        // the end: no look-ahead
		{"Wait... w", false, '.', true},                  // an ellipsis is a period
		{"and so on…", true, '.', true},                  // and so is its one-character form
		{"no punctuation at the end", true, 0, false},    // the end of the text
		{"a clause cut for length and", false, 0, false}, // no terminator
		{"", true, 0, false},
	}
	for _, tt := range tests {
		c := newClause(tt.consumed, tt.last, "x")
		if c.Punct != tt.punct || c.EndsSentence() != tt.sentence || c.Text != tt.consumed || c.Phonemes != "x" {
			t.Errorf("newClause(%q, %v) = %+v (sentence %v), want punctuation %q (sentence %v)",
				tt.consumed, tt.last, c, c.EndsSentence(), tt.punct, tt.sentence)
		}
	}
}

package segment

import "unicode"

// class is what a code point means to the scanner.
type class uint8

const (
	classOther       class = iota
	classSpace             // a word break; confirms a pending boundary
	classGlue              // a no-break space: neither a word break nor a confirmation
	classSentence          // . ! ?  (a boundary only when whitespace follows)
	classClause            // , ; :  (likewise)
	classCJKSentence       // 。！？ (a boundary on its own)
	classCJKClause         // ，、；： (likewise)
	classCloser            // a closing quote or bracket
	classQuote             // a quote mark that closes only after ASCII punctuation
)

var asciiClass = func() (t [128]class) {
	for _, r := range "\t\n\v\f\r " {
		t[r] = classSpace
	}
	for _, r := range ".!?" {
		t[r] = classSentence
	}
	for _, r := range ",;:" {
		t[r] = classClause
	}
	for _, r := range "\"')]}" {
		t[r] = classCloser
	}
	return t
}()

func classify(r rune) class {
	if r < 0x80 {
		return asciiClass[r]
	}
	switch r {
	case '。', '！', '？':
		return classCJKSentence
	case '，', '、', '；', '：':
		return classCJKClause
	case '\u00a0', '\u2007', '\u202f':
		// Typographers put these exactly where a line (and so a segment)
		// must not break: "Dr.\u00a0Smith", French "Oui\u202f!".
		return classGlue
	case '”', '’', '»', '›', '」', '』', '）', '】', '》', '〉', '〕', '〗', '〙', '〛', '］', '｝', '＂', '＇':
		return classCloser
	case '“', '‘', '«', '‹':
		// Closers in German („…“) and in »…« quoting, openers elsewhere.
		// Right after ASCII punctuation, before whitespace, they can only be
		// closing; CJK punctuation needs no whitespace, so there a following
		// “ is taken as opening the next sentence.
		return classQuote
	}
	if unicode.IsSpace(r) {
		return classSpace
	}
	return classOther
}

func isLetterOrDigit(r rune) bool {
	if r < 0x80 {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

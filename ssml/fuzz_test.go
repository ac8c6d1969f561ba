package ssml

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parley-voice/parley/segment"
)

// split cuts text into fragments as ctl directs: each byte gives a
// fragment of 1 to 16 bytes, so fragments split UTF-8 sequences, tags and
// entities anywhere. What ctl does not cover is the last fragment.
func split(text string, ctl []byte) []string {
	var out []string
	for _, c := range ctl {
		if text == "" {
			break
		}
		n := min(int(c&15)+1, len(text))
		out = append(out, text[:n])
		text = text[n:]
	}
	if text != "" {
		out = append(out, text)
	}
	return out
}

// result is everything a generation produced, positions absolute.
type result struct {
	text  string
	marks []Mark
	err   string // the first error of a Push, or of End
}

// parseAll pushes the fragments, stopping at the first refused one, and
// ends the generation.
func parseAll(t testing.TB, frags []string) result {
	p, err := NewParser(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var r result
	var text strings.Builder
	for _, f := range frags {
		out, err := p.Push(f)
		if err != nil {
			r.err = err.Error()
			break
		}
		text.WriteString(out.Text)
		r.marks = append(r.marks, out.Marks...)
		checkBounds(t, p)
	}
	out, err := p.End()
	if err != nil && r.err == "" {
		r.err = err.Error()
	}
	text.WriteString(out.Text)
	r.marks = append(r.marks, out.Marks...)
	r.text = text.String()
	return r
}

// checkBounds fails the test if the parser holds more than its limits.
func checkBounds(t testing.TB, p *Parser) {
	t.Helper()
	c := p.cfg
	if len(p.st.buf) > c.MaxTagChars || len(p.st.content) > c.MaxAtomChars || len(p.st.stack) > c.MaxDepth || len(p.st.utf) >= utf8.UTFMax {
		t.Fatalf("parser exceeds its bounds: tag %d, atom %d, depth %d, utf %d", len(p.st.buf), len(p.st.content), len(p.st.stack), len(p.st.utf))
	}
}

// checkResult checks what must hold for any input: markup never becomes
// text, and every placeholder is an atom.
func checkResult(t testing.TB, input string, r result) {
	t.Helper()
	if !strings.Contains(input, "&") && strings.ContainsRune(r.text, '<') {
		t.Fatalf("markup spoken: %q gave text %q", input, r.text)
	}
	atoms := 0
	n := utf8.RuneCountInString(r.text)
	for _, m := range r.marks {
		if m.Kind.Atom() {
			atoms++
		}
		if m.Pos < 0 || m.Pos > n {
			t.Fatalf("mark %v outside text of %d code points", m, n)
		}
	}
	if c := strings.Count(r.text, string(Placeholder)); c != atoms {
		t.Fatalf("%d placeholders in %q, %d atoms", c, r.text, atoms)
	}
	if !slices.IsSortedFunc(r.marks, func(a, b Mark) int { return a.Pos - b.Pos }) {
		t.Fatalf("marks out of order: %v", r.marks)
	}
}

// equalResults compares two runs over the same markup. When there is an
// error, only the error is compared: the fragments before the refused one
// were rightly taken.
func equalResults(a, b result) bool {
	if a.err != "" || b.err != "" {
		return a.err == b.err
	}
	return a.text == b.text && slices.Equal(a.marks, b.marks)
}

// TestSplitInvariance parses every golden document whole and in fragments
// of every size from 1 to 16 bytes: the text, the marks and the error are
// the same however the markup arrives.
func TestSplitInvariance(t *testing.T) {
	for _, c := range loadGolden(t) {
		whole := parseAll(t, []string{c.Input})
		checkResult(t, c.Input, whole)
		for size := 1; size <= 16; size++ {
			ctl := make([]byte, len(c.Input))
			for i := range ctl {
				ctl[i] = byte(size - 1)
			}
			got := parseAll(t, split(c.Input, ctl))
			if !equalResults(whole, got) {
				t.Errorf("%s in fragments of %d bytes:\n got %q %v %q\nwant %q %v %q", c.Name, size, got.text, got.marks, got.err, whole.text, whole.marks, whole.err)
			}
		}
	}
}

// TestRefusedFragmentLeavesNoTrace sends a good prefix, a fragment with an
// error, then the correct continuation: the result is that of the good
// document, as if the bad fragment had never been sent.
func TestRefusedFragmentLeavesNoTrace(t *testing.T) {
	cases := []struct{ prefix, bad, rest string }{
		{`Hello <prosody rate="sl`, `ow">x</prosody> & more`, `ow">x</prosody> and more`},
		{`<speak>One<brea`, `k time="abc"/>`, `k time="1s"/>two</speak>`},
		{`<say-as interpret-as="digits">12`, `<break/>`, `34</say-as>`},
		{`Caf`, "\xc3", "\xc3\xa9 &amp; tea"},
		{`<sub alias="x">`, `</s>`, `y</sub>`},
	}
	for _, c := range cases {
		p, _ := NewParser(DefaultConfig())
		var text strings.Builder
		var marks []Mark
		for _, f := range []string{c.prefix, c.bad, c.rest} {
			out, err := p.Push(f)
			if f == c.bad {
				if c.bad != "\xc3" && err == nil {
					t.Fatalf("%q accepted", c.bad)
				}
				if c.bad == "\xc3" {
					// An incomplete UTF-8 sequence is not an error: it is
					// held. Drop it the way a refusal would, to compare.
					p.Reset()
					text.Reset()
					marks = nil
					out, _ = p.Push(c.prefix)
				} else {
					continue
				}
			}
			text.WriteString(out.Text)
			marks = append(marks, out.Marks...)
		}
		end, err := p.End()
		if err != nil {
			t.Fatalf("%q: %v", c.prefix+c.rest, err)
		}
		text.WriteString(end.Text)
		marks = append(marks, end.Marks...)
		want := parseAll(t, []string{c.prefix + c.rest})
		got := result{text: text.String(), marks: marks}
		if !equalResults(want, got) {
			t.Errorf("%q then %q refused then %q:\n got %q %v\nwant %q %v", c.prefix, c.bad, c.rest, got.text, got.marks, want.text, want.marks)
		}
	}
}

// chunkAll runs a Segmenter over the fragments and flushes.
func chunkAll(t testing.TB, frags []string) ([]Chunk, error) {
	s, err := NewSegmenter(DefaultConfig(), segment.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var all []Chunk
	for _, f := range frags {
		cs, err := s.Push(f)
		if err != nil {
			return nil, err
		}
		all = append(all, cs...)
	}
	cs, err := s.Flush()
	return append(all, cs...), err
}

// flatten turns chunks back into the generation's text and absolute
// marks, and the markup they account for.
func flatten(cs []Chunk) (string, []Mark, int) {
	var text strings.Builder
	var marks []Mark
	raw, pos := 0, 0
	for _, c := range cs {
		for _, m := range c.Marks {
			m.Pos += pos
			marks = append(marks, m)
		}
		text.WriteString(c.Text)
		pos += utf8.RuneCountInString(c.Text)
		raw += c.Raw
	}
	return text.String(), marks, raw
}

// TestSegmenterKeepsEverything checks, for every golden document without
// an error, whole and in fragments, that the chunks hold exactly the
// parser's text and marks and account for every code point of markup.
func TestSegmenterKeepsEverything(t *testing.T) {
	for _, c := range loadGolden(t) {
		if c.Parse.Error != "" {
			continue
		}
		want := parseAll(t, []string{c.Input})
		for size := 1; size <= 17; size += 4 {
			ctl := make([]byte, len(c.Input))
			for i := range ctl {
				ctl[i] = byte(size - 1)
			}
			cs, _ := chunkAll(t, split(c.Input, ctl))
			text, marks, raw := flatten(cs)
			if text != want.text || !slices.Equal(marks, want.marks) {
				t.Errorf("%s (fragments of %d): chunks hold %q %v, want %q %v", c.Name, size, text, marks, want.text, want.marks)
			}
			if n := utf8.RuneCountInString(c.Input); raw != n && text != "" {
				t.Errorf("%s (fragments of %d): chunks account for %d code points of %d", c.Name, size, raw, n)
			}
			for _, ch := range cs {
				if strings.ContainsRune(ch.Text, '<') && !strings.Contains(c.Input, "&") {
					t.Errorf("%s: chunk %q holds markup", c.Name, ch.Text)
				}
			}
		}
	}
}

// TestSegmenterNeverCutsAtoms pushes a long text full of atoms with
// spaces and sentence ends inside them, one byte at a time: every atom
// arrives whole in one chunk.
func TestSegmenterNeverCutsAtoms(t *testing.T) {
	var b strings.Builder
	for i := range 40 {
		b.WriteString(`Sentence number `)
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(` says <say-as interpret-as="characters">A. B. C. D.</say-as> and <sub alias="one. two, three">w</sub>. `)
	}
	in := b.String()
	cs, err := chunkAll(t, split(in, make([]byte, len(in))))
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) < 10 {
		t.Fatalf("only %d chunks: the test needs cuts", len(cs))
	}
	atoms := 0
	for _, c := range cs {
		for _, m := range c.Marks {
			if !m.Kind.Atom() {
				continue
			}
			atoms++
			if r := []rune(c.Text); m.Pos >= len(r) || r[m.Pos] != Placeholder {
				t.Fatalf("atom %v not at a placeholder of %q", m, c.Text)
			}
			if m.Text != "A. B. C. D." && m.Text != "w" {
				t.Fatalf("atom text %q", m.Text)
			}
		}
	}
	if atoms != 80 {
		t.Fatalf("%d atoms, want 80", atoms)
	}
}

// TestSegmenterLen counts held markup toward the buffer, so that a client
// cannot grow it without bound inside an unfinished tag.
func TestSegmenterLen(t *testing.T) {
	s, _ := NewSegmenter(DefaultConfig(), segment.DefaultConfig())
	if _, err := s.Push(`Hi <say-as interpret-as="digits">123`); err != nil {
		t.Fatal(err)
	}
	if got, want := s.Len(), utf8.RuneCountInString(`Hi <say-as interpret-as="digits">123`); got != want {
		t.Fatalf("Len %d, want %d", got, want)
	}
	if _, err := s.Push(`</say-as>`); err != nil {
		t.Fatal(err)
	}
	if got := s.Len(); got != 4 { // "Hi " and the placeholder
		t.Fatalf("Len %d after the atom closed, want 4", got)
	}
	_, err := s.Push(`<say-as interpret-as="digits">` + strings.Repeat("9", 300))
	var e *Error
	if !errors.As(err, &e) || e.Tag != "<say-as>" {
		t.Fatalf("over-long atom: %v", err)
	}
}

func FuzzParser(f *testing.F) {
	for i, c := range loadGolden(f) {
		ctl := make([]byte, len(c.Input)/3)
		for j := range ctl {
			ctl[j] = byte(j*7+i) % 9
		}
		f.Add(c.Input, ctl)
	}
	f.Fuzz(func(t *testing.T, input string, ctl []byte) {
		whole := parseAll(t, []string{input})
		checkResult(t, input, whole)
		got := parseAll(t, split(input, ctl))
		if !equalResults(whole, got) {
			t.Fatalf("fragments change the result:\n got %q %v %q\nwant %q %v %q", got.text, got.marks, got.err, whole.text, whole.marks, whole.err)
		}
		if whole.err != "" {
			return
		}
		cs, _ := chunkAll(t, split(input, ctl))
		text, marks, _ := flatten(cs)
		if text != whole.text || !slices.Equal(marks, whole.marks) {
			t.Fatalf("chunks hold %q %v, want %q %v", text, marks, whole.text, whole.marks)
		}
	})
}

package ssml

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/parley-voice/parley/segment"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.json from the current output (review the diff: the file is the spec)")

const goldenPath = "testdata/golden.json"

// goldenCase is one document: the whole markup, parsed in one Push and
// ended, and what that gives.
type goldenCase struct {
	Name  string `json:"name"`
	Input string `json:"input"`
	// Parse is the parser's output: plain text, marks and the error, of
	// Push then (if Push succeeded) End.
	Parse goldenParse `json:"parse"`
	// Chunks are what a Segmenter with the default configurations makes
	// of the document pushed whole and flushed.
	Chunks []goldenChunk `json:"chunks,omitempty"`
}

type goldenParse struct {
	Text     string   `json:"text"`
	Marks    []string `json:"marks,omitempty"`
	Error    string   `json:"error,omitempty"`
	EndError string   `json:"end_error,omitempty"`
}

type goldenChunk struct {
	Text  string   `json:"text"`
	Style string   `json:"style,omitempty"`
	Marks []string `json:"marks,omitempty"`
	Raw   int      `json:"raw"`
}

func loadGolden(t testing.TB) []goldenCase {
	t.Helper()
	b, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

func marksOf(ms []Mark) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.String())
	}
	return out
}

func runGolden(t *testing.T, c goldenCase) goldenCase {
	p, err := NewParser(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	got := goldenCase{Name: c.Name, Input: c.Input}
	out, err := p.Push(c.Input)
	if err != nil {
		got.Parse.Error = err.Error()
	} else {
		end, eerr := p.End()
		got.Parse.Text = out.Text + end.Text
		got.Parse.Marks = marksOf(append(out.Marks, end.Marks...))
		if eerr != nil {
			got.Parse.EndError = eerr.Error()
		}
	}
	if err != nil {
		return got
	}
	s, err := NewSegmenter(DefaultConfig(), segment.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	chunks, perr := s.Push(c.Input)
	if perr != nil {
		t.Fatalf("Segmenter.Push failed where Parser.Push did not: %v", perr)
	}
	rest, _ := s.Flush()
	for _, ch := range append(chunks, rest...) {
		g := goldenChunk{Text: ch.Text, Marks: marksOf(ch.Marks), Raw: ch.Raw}
		if !ch.Style.Neutral() || ch.Style.Emphasis != "" {
			g.Style = Mark{Kind: KindStyle, Style: ch.Style}.String()
		}
		got.Chunks = append(got.Chunks, g)
	}
	return got
}

// TestGolden parses each document of testdata/golden.json and compares
// the plain text, marks, errors and chunks with the file.
func TestGolden(t *testing.T) {
	cases := loadGolden(t)
	var out []goldenCase
	for _, c := range cases {
		got := runGolden(t, c)
		out = append(out, got)
		if *update {
			continue
		}
		w, _ := json.MarshalIndent(c, "", "  ")
		g, _ := json.MarshalIndent(got, "", "  ")
		if !bytes.Equal(w, g) {
			t.Errorf("%s:\n got %s\nwant %s", c.Name, g, w)
		}
	}
	if *update {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenPath, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGoldenErrorsAreErrors checks that every error in the golden file is
// an *Error matching ErrMarkup, with its offset inside the input.
func TestGoldenErrorsAreErrors(t *testing.T) {
	for _, c := range loadGolden(t) {
		p, _ := NewParser(DefaultConfig())
		_, err := p.Push(c.Input)
		if err == nil {
			_, err = p.End()
		}
		if err == nil {
			continue
		}
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrMarkup) {
			t.Errorf("%s: %v is not an *Error wrapping ErrMarkup", c.Name, err)
			continue
		}
		if n := len([]rune(c.Input)); e.Offset < 0 || e.Offset > n {
			t.Errorf("%s: offset %d outside the input of %d code points", c.Name, e.Offset, n)
		}
	}
}

func Example() {
	p, _ := NewParser(DefaultConfig())
	out, _ := p.Push(`<speak>Hold on.<break time="300ms"/>Your code is <say-as interpret-as="digits">4711</say-as>.</speak>`)
	fmt.Printf("%+q\n", out.Text)
	for _, m := range out.Marks {
		fmt.Println(m)
	}
	// Output:
	// "Hold on. Your code is \ufffc."
	// @8 break 300ms
	// @22 say-as digits format="" "4711"
}

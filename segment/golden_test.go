package segment

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/parley-voice/parley/protocol"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.json from the current output (review the diff: the file is the spec)")

const goldenPath = "testdata/golden.json"

// goldenCase is one token stream with the segments each step must return.
type goldenCase struct {
	Name   string        `json:"name"`
	Note   string        `json:"note,omitempty"`
	Config *goldenConfig `json:"config,omitempty"`
	Steps  []goldenStep  `json:"steps"`
}

// goldenConfig overrides DefaultConfig field by field.
type goldenConfig struct {
	MinChars      *int   `json:"min_chars,omitempty"`
	MaxChars      *int   `json:"max_chars,omitempty"`
	FirstMinChars *int   `json:"first_min_chars,omitempty"`
	Language      string `json:"language,omitempty"`
}

// goldenStep is exactly one operation. Push pushes each token in turn;
// PushRunes pushes its text one code point at a time. Want lists every
// segment the step returns, in order; Len, if set, is Len() afterwards.
type goldenStep struct {
	Push      []string `json:"push,omitempty"`
	PushRunes string   `json:"push_runes,omitempty"`
	Flush     bool     `json:"flush,omitempty"`
	Reset     bool     `json:"reset,omitempty"`
	Want      []string `json:"want"`
	Len       *int     `json:"len,omitempty"`
}

func (c goldenCase) config() Config {
	cfg := DefaultConfig()
	if g := c.Config; g != nil {
		if g.MinChars != nil {
			cfg.MinChars = *g.MinChars
		}
		if g.MaxChars != nil {
			cfg.MaxChars = *g.MaxChars
		}
		if g.FirstMinChars != nil {
			cfg.FirstMinChars = *g.FirstMinChars
		}
		if g.Language != "" {
			cfg.Language = protocol.Language(g.Language)
		}
	}
	return cfg
}

// run performs the step on s and returns what it returned.
func (st goldenStep) run(t testing.TB, s *Segmenter) []string {
	ops := 0
	for _, set := range []bool{st.Push != nil, st.PushRunes != "", st.Flush, st.Reset} {
		if set {
			ops++
		}
	}
	if ops != 1 {
		t.Fatalf("step %+v: want exactly one operation, have %d", st, ops)
	}
	var got []string
	switch {
	case st.Push != nil:
		for _, tok := range st.Push {
			got = append(got, s.Push(tok)...)
		}
	case st.PushRunes != "":
		for _, r := range st.PushRunes {
			got = append(got, s.Push(string(r))...)
		}
	case st.Flush:
		got = s.Flush()
	case st.Reset:
		s.Reset()
	}
	return got
}

func loadGolden(t testing.TB) []goldenCase {
	t.Helper()
	data, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cases); err != nil {
		t.Fatalf("%s: %v", goldenPath, err)
	}
	return cases
}

// text is everything a case pushes, for the fuzz seeds.
func (c goldenCase) text() string {
	var b []byte
	for _, st := range c.Steps {
		for _, tok := range st.Push {
			b = append(b, tok...)
		}
		b = append(b, st.PushRunes...)
	}
	return string(b)
}

func TestGolden(t *testing.T) {
	cases := loadGolden(t)
	names := make(map[string]bool)
	for i := range cases {
		c := &cases[i]
		if names[c.Name] {
			t.Fatalf("duplicate case name %q", c.Name)
		}
		names[c.Name] = true
		t.Run(c.Name, func(t *testing.T) {
			s, err := New(c.config())
			if err != nil {
				t.Fatal(err)
			}
			var pushed, spoken []byte
			for j := range c.Steps {
				st := &c.Steps[j]
				if st.Reset {
					pushed = pushed[:len(spoken)] // the invariant so far says the rest was buffered
				}
				got := st.run(t, s)
				for _, tok := range st.Push {
					pushed = append(pushed, tok...)
				}
				pushed = append(pushed, st.PushRunes...)
				for _, seg := range got {
					spoken = append(spoken, seg...)
				}
				if *update {
					st.Want = slices.Clip(append([]string{}, got...))
				} else if !slices.Equal(got, st.Want) {
					t.Errorf("step %d: got %q, want %q", j, got, st.Want)
				}
				if st.Len != nil && s.Len() != *st.Len {
					t.Errorf("step %d: Len() = %d, want %d", j, s.Len(), *st.Len)
				}
				if n := utf8.RuneCount(pushed[len(spoken):]); s.Len() != n {
					t.Errorf("step %d: Len() = %d, but %d code points are unspoken", j, s.Len(), n)
				}
			}
			if !bytes.HasPrefix(pushed, spoken) {
				t.Errorf("spoken text %q is not a prefix of the pushed text %q", spoken, pushed)
			}
		})
	}
	if *update {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(cases); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.FromSlash(goldenPath), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

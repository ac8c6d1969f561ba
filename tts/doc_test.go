package tts

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/internal/docblock"
)

var update = flag.Bool("update", false, "rewrite the generated table in doc.go")

// supportRows are the rows of the table of doc.go's "By engine": a feature
// and what it is for an engine's controls.
var supportRows = []struct {
	feature string
	cell    func(engine.Controls) string
}{
	{"break, strength", func(engine.Controls) string { return "exact silence" }},
	{"say-as, sub", func(engine.Controls) string { return "words, read by textnorm" }},
	{"phoneme, IPA entries", func(c engine.Controls) string {
		if c.IPA {
			return c.IPANote
		}
		return "speaks the text content"
	}},
	{"rate, speed", func(c engine.Controls) string { return c.Rate }},
	{"pitch", func(c engine.Controls) string { return c.Pitch }},
	{"volume", func(c engine.Controls) string { return c.Volume }},
	{`volume="silent"`, func(engine.Controls) string { return "silence as long as the text" }},
	{"emphasis", func(c engine.Controls) string {
		if c.PitchApplied {
			return "rate, pitch, volume"
		}
		return "rate, volume"
	}},
	{"p, s", func(engine.Controls) string { return "separate syntheses" }},
	{"lang", func(c engine.Controls) string { return c.Languages }},
}

func renderSupport() []string {
	const w = 30
	pad := func(s string) string { return s + strings.Repeat(" ", max(1, w+1-len([]rune(s)))) }
	head := pad("feature")
	for _, e := range engine.EngineControls {
		name := e.Engine
		if name == engine.Espeak {
			name = "espeak-ng"
		}
		head += pad(name)
	}
	out := []string{strings.TrimRight(head, " ")}
	for _, r := range supportRows {
		line := pad(r.feature)
		for _, e := range engine.EngineControls {
			line += pad(r.cell(e.Controls))
		}
		out = append(out, strings.TrimRight(line, " "))
	}
	return out
}

// TestDoc keeps doc.go's table of what each engine does with SSML in step
// with engine.EngineControls, which the code follows.
func TestDoc(t *testing.T) {
	docblock.Check(t, "doc.go", *update, "go test ./tts -run TestDoc -update",
		docblock.Block{Heading: "# By engine", Lines: renderSupport()})
}

// renderMarkdown is the table as the README shows it.
func renderMarkdown() []string {
	head, rule := "| feature |", "|---|"
	for _, e := range engine.EngineControls {
		name := e.Engine
		if name == engine.Espeak {
			name = "espeak-ng"
		}
		head += " " + name + " |"
		rule += "---|"
	}
	out := []string{head, rule}
	for _, r := range supportRows {
		line := "| " + strings.ReplaceAll(r.feature, `"`, "`") + " |"
		for _, e := range engine.EngineControls {
			line += " " + r.cell(e.Controls) + " |"
		}
		out = append(out, line)
	}
	return out
}

// TestReadmeTable keeps the README's copy of the table in step.
func TestReadmeTable(t *testing.T) {
	const path = "../README.md"
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- ssml-engines -->\n", "<!-- /ssml-engines -->"
	i, j := bytes.Index(src, []byte(begin)), bytes.Index(src, []byte(end))
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q ... %q block", begin, end)
	}
	want := append(append(append([]byte{}, src[:i+len(begin)]...), strings.Join(renderMarkdown(), "\n")+"\n"...), src[j:]...)
	if bytes.Equal(want, src) {
		return
	}
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's engine table is out of date; run go test ./tts -run TestReadmeTable -update")
}

// TestControlsAreFollowed: the table's claims about pitch and IPA are
// what the code does with each engine's voices.
func TestControlsAreFollowed(t *testing.T) {
	for _, e := range engine.EngineControls {
		c := engine.ControlsOf(e.Engine)
		if c != e.Controls {
			t.Fatalf("ControlsOf(%s) = %+v", e.Engine, c)
		}
	}
	if engine.ControlsOf("nope").IPA {
		t.Fatal("an unknown engine reads IPA")
	}
}

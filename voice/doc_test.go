package voice

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parley-voice/parley/internal/docblock"
	"github.com/parley-voice/parley/protocol"
)

var update = flag.Bool("update", false, "rewrite the generated tables in doc.go")

// TestDoc keeps the tables in doc.go identical to the tables in the code,
// because users read the documentation, not lexicon.go.
func TestDoc(t *testing.T) {
	docblock.Check(t, "doc.go", *update, "go test ./voice -run TestDoc -update",
		docblock.Block{Heading: "# Word table", Lines: renderWords()},
		docblock.Block{Heading: "# Modifiers", Lines: renderModifiers()},
		docblock.Block{Heading: "# Engine voices", Lines: renderVoices()})
}

// accents lists the accents in documentation order.
var accents = []string{
	AccentAmerican, AccentBritish, AccentRP, AccentScottish, AccentNorthern,
	AccentMidlands, AccentCaribbean, AccentNewYork, AccentLatinAmerican,
	AccentEuropean, AccentBrazilian, AccentBelgian, AccentSwiss,
}

const wordsWidth = 56

func renderWords() []string {
	var out []string
	for _, sec := range lexicon {
		out = append(out, sec.title+":")
		for _, g := range sec.groups {
			out = append(out, columns("  ", g.words, describe(g.e))...)
		}
	}
	return out
}

func renderModifiers() []string {
	var out []string
	for _, in := range intensifiers {
		out = append(out, columns("", in.words, "×"+num(in.scale))...)
	}
	out = append(out, columns("", negators, "opposite at half strength")...)
	return append(out, columns("", breakers, "drop pending modifiers")...)
}

// columns wraps a comma-separated word list, indented, into the left column
// and puts right beside its first line.
func columns(indent, list, right string) []string {
	lines := wrap(splitList(list), indent, indent+"  ", wordsWidth)
	lines[0] += strings.Repeat(" ", wordsWidth+2-utf8.RuneCountInString(lines[0])) + right
	return lines
}

// wrap joins items with ", " into lines of at most width runes.
func wrap(items []string, first, cont string, width int) []string {
	var lines []string
	line := first
	for i, w := range items {
		if i < len(items)-1 {
			w += ","
		}
		if line != first && line != cont && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > width {
			lines = append(lines, line)
			line = cont
		}
		if line != first && line != cont {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}

func describe(e effect) string {
	var parts []string
	for _, c := range []struct{ name, v string }{
		{"gender", e.gender}, {"age", e.age}, {"accent", e.accent}, {"style", e.style},
	} {
		if c.v != "" {
			parts = append(parts, c.name+" "+c.v)
		}
	}
	if e.pitch != 0 {
		s := num(e.pitch)
		if e.pitch > 0 {
			s = "+" + s
		}
		parts = append(parts, "pitch "+s)
	}
	for _, m := range []struct {
		name string
		v    float64
	}{{"rate", e.rate}, {"range", e.rng}, {"volume", e.volume}} {
		if m.v != 0 {
			parts = append(parts, m.name+" ×"+num(m.v))
		}
	}
	return strings.Join(parts, ", ")
}

func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func renderVoices() []string {
	out := []string{"English with flite (profile → voice):"}
	for _, f := range fliteVoices {
		who := strings.TrimSpace(f.gender + " " + f.accent + " " + f.style)
		out = append(out, fmt.Sprintf("  %-30s flite %s", who, f.name))
	}
	out = append(out, "espeak-ng voices (accent → voice):")
	for _, lang := range protocol.Languages {
		m := espeakVoices[lang]
		parts := []string{"default " + m[""]}
		for _, a := range accents {
			if name, ok := m[a]; ok {
				parts = append(parts, a+" "+name)
			}
		}
		out = append(out, wrap(parts, fmt.Sprintf("  %-11s ", lang), strings.Repeat(" ", 14), 76)...)
	}
	out = append(out, "espeak-ng variants (style, age, gender → variant; first match):")
	for _, v := range espeakVariants {
		out = append(out, fmt.Sprintf("  %-8s %-5s %-7s %s", orAny(v.style), orAny(v.age), orAny(v.gender), v.variant))
	}
	return out
}

func orAny(s string) string {
	if s == "" {
		return "any"
	}
	return s
}

package engine

import (
	"context"
	"reflect"
	"testing"

	"github.com/parley-voice/parley/engine/espeak"
)

// fakePhonemes reads each text as one clause, its punctuation the last
// character's if it is one.
type fakePhonemes struct{}

func (fakePhonemes) Phonemize(_ context.Context, text, _ string) ([]espeak.Clause, error) {
	var out []espeak.Clause
	start := 0
	for i, r := range text {
		if r == ',' || r == '.' {
			out = append(out, espeak.Clause{Text: text[start : i+1], Phonemes: "<" + text[start:i] + ">", Punct: r})
			start = i + 1
		}
	}
	if start < len(text) {
		out = append(out, espeak.Clause{Text: text[start:], Phonemes: "<" + text[start:] + ">"})
	}
	return out, nil
}

// TestIPAPhonemizer: a word in IPA joins the clause it stands in, and
// punctuation after it ends that clause.
func TestIPAPhonemizer(t *testing.T) {
	seg := Segment{Pieces: []Piece{{Text: "I say"}, {Text: " "}, {Text: "tomato", IPA: "tə'mɑːtoʊ"}, {Text: ", you say"}, {Text: " "}, {Text: "x", IPA: "ɛks"}, {Text: "."}}}
	got, err := phonemesFor(fakePhonemes{}, seg).Phonemize(context.Background(), "ignored", "en-us")
	if err != nil {
		t.Fatal(err)
	}
	want := []espeak.Clause{
		{Text: "I saytomato,", Phonemes: "<I say> təˈmɑːtoʊ <>", Punct: ','},
		{Text: " you sayx.", Phonemes: "< you say> ɛks <>", Punct: '.'},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	if _, ok := phonemesFor(fakePhonemes{}, Segment{Text: "plain"}).(fakePhonemes); !ok {
		t.Fatal("a segment without IPA is not phonemised as it always was")
	}
}

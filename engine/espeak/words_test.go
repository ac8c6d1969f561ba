//go:build cgo

package espeak

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestSynthesizeWords: espeak-ng's word events give each word's start,
// in order, before the chunk it starts in, with the word's bytes in the
// caller's text (multi-byte characters and cleaned control characters
// included); a worker process gives the same words as the in-process
// worker, within 0.1 s (espeak-ng's timing varies a little from call to
// call), and a request without words gets no words frame.
func TestSynthesizeWords(t *testing.T) {
	const text = "Grüße, dear\x01friend: the café opens at nine."
	want := []string{"Grüße", "dear", "friend", "the", "café", "opens", "at", "nine"}
	run := func(synth func(ctx context.Context, words func([]Word), emit func([]int16) error) error) []Word {
		var got []Word
		samples := 0
		err := synth(context.Background(), func(ws []Word) {
			for _, w := range ws {
				// Events are in whole milliseconds: a word may seem to
				// start up to one before the chunk it starts in.
				if w.Sample+22 < samples {
					t.Errorf("word %q at sample %d came after %d samples were emitted", text[w.TextStart:w.TextEnd], w.Sample, samples)
				}
			}
			got = append(got, ws...)
		}, func(pcm []int16) error {
			samples += len(pcm)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range got {
			if i > 0 && w.Sample < got[i-1].Sample {
				t.Errorf("word %d starts before the one before it: %+v", i, got)
			}
			if w.Sample >= samples {
				t.Errorf("word %+v starts past the audio's %d samples", w, samples)
			}
		}
		return got
	}
	words := func(ws []Word) []string {
		var out []string
		for _, w := range ws {
			out = append(out, strings.Trim(text[w.TextStart:w.TextEnd], " ,.:\x01"))
		}
		return out
	}
	e := open(t)
	local := run(func(ctx context.Context, words func([]Word), emit func([]int16) error) error {
		return e.SynthesizeWords(ctx, text, Params{Voice: "en-us"}, words, emit)
	})
	if got := words(local); !slices.Equal(got, want) {
		t.Fatalf("in process: words %q, want %q", got, want)
	}
	p := newPool(t, poolConfig(1, "serve"), false)
	remote := run(func(ctx context.Context, words func([]Word), emit func([]int16) error) error {
		return p.SynthesizeWords(ctx, text, Params{Voice: "en-us"}, words, emit)
	})
	// espeak-ng does not time a text quite the same way twice: the words
	// are the same, their starts close.
	if len(remote) != len(local) {
		t.Fatalf("worker process: %+v, in process %+v", remote, local)
	}
	for i := range remote {
		r, l := remote[i], local[i]
		if r.TextStart != l.TextStart || r.TextEnd != l.TextEnd || r.Sample-l.Sample > 2205 || l.Sample-r.Sample > 2205 {
			t.Fatalf("word %d: worker process %+v, in process %+v", i, r, l)
		}
	}
	// Without words nothing changes, and the worker sends no words frame
	// (the pool would call it a protocol error).
	if err := p.Synthesize(context.Background(), text, Params{Voice: "en-us"}, func([]int16) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

// TestRuneOffsets: the cleaned text's code points map back to the bytes
// they came from, across replaced control characters and inserted spaces.
func TestRuneOffsets(t *testing.T) {
	text := "é\x01a" + strings.Repeat("b.", maxInitials+2) + "c"
	cleaned := cleanText(text)
	off := runeOffsets(text, cleaned)
	if len(off) != len([]rune(cleaned))+1 || off[len(off)-1] != len(text) {
		t.Fatalf("%d offsets for %d code points", len(off), len([]rune(cleaned)))
	}
	for i, r := range []rune(cleaned) {
		if r == ' ' {
			continue
		}
		if !strings.HasPrefix(text[off[i]:], string(r)) {
			t.Fatalf("code point %d %q maps to byte %d: %q", i, r, off[i], text[off[i]:])
		}
	}
}

package tts

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/engine/enginetest"
	"github.com/parley-voice/parley/pronounce"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/voice"
)

// timestamps speaks in with Timestamps through the fake engine (whose
// words are its text's, see enginetest.Words) and returns each word as
// "spoken→source", where source is the span of in.Text it points to.
func timestamps(t *testing.T, eng engine.Synthesizer, in Input) ([]string, []Word) {
	t.Helper()
	p := &Pipeline{Engine: eng}
	in.Timestamps = true
	in.Voice = voice.Default()
	segs, err := p.SplitInput(in)
	if err != nil {
		t.Fatal(err)
	}
	var got []Word
	samples := 0
	for i := range segs {
		seg := &segs[i]
		base := samples
		emitted := 0
		seg.Words = func(ws []Word) {
			for _, w := range ws {
				if w.Start < emitted {
					t.Errorf("word %+v came after %d samples of its segment were emitted", w, emitted)
				}
				w.Start += base
				w.End += base
				got = append(got, w)
			}
		}
		if err := p.SpeakPrepared(context.Background(), seg, func(pcm []int16) error {
			emitted += len(pcm)
			samples += len(pcm)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	runes := []rune(in.Text)
	var out []string
	for i, w := range got {
		if w.SourceStart < 0 || w.SourceEnd > len(runes) || w.SourceStart >= w.SourceEnd {
			t.Fatalf("word %q has span %d..%d of %d code points", w.Text, w.SourceStart, w.SourceEnd, len(runes))
		}
		if w.End < w.Start || (i > 0 && w.Start < got[i-1].Start) || w.End > samples {
			t.Errorf("word %d %+v: times out of order or past the %d samples of audio", i, w, samples)
		}
		out = append(out, w.Text+"→"+string(runes[w.SourceStart:w.SourceEnd]))
	}
	return out, got
}

// TestAlignHardCases: the words spoken point back to the characters they
// came from, through normalisation, dictionaries, SSML and multi-byte
// text.
func TestAlignHardCases(t *testing.T) {
	d := pronounce.Dictionary{Entries: []pronounce.Entry{
		{Text: "W3C", Alias: "World Wide Web Consortium"},
		{Text: "Parley", IPA: "ˈpɑːli"},
	}}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	lex := pronounce.Compile(d)
	cases := []struct {
		name string
		in   Input
		want string
	}{
		{"abbreviation and money", Input{Text: "Dr. Smith paid $5."},
			"Doctor→Dr. Smith→Smith paid→paid five→$5 dollars→$5"},
		{"date and number", Input{Text: "On 3/4/2025 we sold 1,234 cups."},
			"On→On March→3/4/2025 fourth→3/4/2025 twenty→3/4/2025 twenty-five→3/4/2025 we→we sold→sold one→1,234 thousand→1,234 two→1,234 hundred→1,234 thirty-four→1,234 cups→cups"},
		{"multi-byte", Input{Text: "Café crème, José — naïve!"},
			"Café→Café crème→crème José→José naïve→naïve"},
		{"dictionary", Input{Text: "Parley follows the W3C.", Lexicon: lex},
			"Parley→Parley follows→follows the→the World→W3C Wide→W3C Web→W3C Consortium→W3C"},
		{"ssml sub and say-as", Input{SSML: true, Text: `<speak>Call <sub alias="World Wide Web">WWW</sub> at <say-as interpret-as="digits">42</say-as> &amp; caf&#233;.</speak>`},
			`Call→Call World→<sub alias="World Wide Web">WWW</sub> Wide→<sub alias="World Wide Web">WWW</sub> Web→<sub alias="World Wide Web">WWW</sub> at→at four→<say-as interpret-as="digits">42</say-as> two→<say-as interpret-as="digits">42</say-as> and→&amp; café→caf&#233;`},
		{"several segments", Input{Text: "The first sentence is long enough to be cut here. Then 7 more words follow it."},
			"The→The first→first sentence→sentence is→is long→long enough→enough to→to be→be cut→cut here→here Then→Then seven→7 more→more words→words follow→follow it→it"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Language = protocol.English
			got, _ := timestamps(t, &enginetest.Engine{}, tc.in)
			if s := strings.Join(got, " "); s != tc.want {
				t.Errorf("got  %s\nwant %s", s, tc.want)
			}
		})
	}
}

// TestTimestampsTimes: with the fake engine, whose words are where its
// text's characters are, the times are exact, across segments and
// through SSML's breaks.
func TestTimestampsTimes(t *testing.T) {
	eng := &enginetest.Engine{}
	per := enginetest.SamplesPerRune
	_, ws := timestamps(t, eng, Input{Text: "Hello there world.", Language: protocol.English})
	want := []Word{{"Hello", 0, 5 * per, 0, 5}, {"there", 6 * per, 11 * per, 6, 11}, {"world", 12 * per, 18 * per, 12, 17}}
	if fmt.Sprint(ws) != fmt.Sprint(want) {
		t.Fatalf("got %v\nwant %v", ws, want)
	}
	// A break of 500 ms puts the second word half a second later than
	// the end of the first one's sound.
	_, ws = timestamps(t, eng, Input{SSML: true, Text: `<speak>Hello <break time="500ms"/> there.</speak>`, Language: protocol.English})
	if len(ws) != 2 {
		t.Fatalf("words %v", ws)
	}
	gap := ws[1].Start - ws[0].End
	if d := gap - protocol.SampleRate/2; d < -protocol.SampleRate/100 || d > protocol.SampleRate/100 {
		t.Errorf("second word starts %d samples after the first ends, want 12000 ± 240: %v", gap, ws)
	}
}

// FuzzAlign: whatever the text, alignment gives every spoken word a span
// inside the source, in order of the words.
func FuzzAlign(f *testing.F) {
	for _, s := range []string{"Dr. Smith paid $5.", "3/4/2025 12:30", "日本語のテキスト 42", "a  b\tc", "", "$$$ %%% 1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		seg := (&Pipeline{}).Prepare(Request{Text: text, Language: protocol.English, Timestamps: true, SourceOffset: 3})
		n := len([]rune(text))
		last := -1
		for _, w := range seg.spoken {
			if w.src < 3 || w.end > n+3 || w.src > w.end {
				t.Fatalf("%q: span %d..%d outside 3..%d", text, w.src, w.end, n+3)
			}
			if w.a < 0 || w.b > len(seg.Normalized) || w.a >= w.b || w.a < last {
				t.Fatalf("%q: word bytes %d..%d of %q", text, w.a, w.b, seg.Normalized)
			}
			last = w.b
		}
	})
}

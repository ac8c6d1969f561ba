package tts

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/engine/sched"
	"github.com/parley-voice/parley/langdetect"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/segment"
	"github.com/parley-voice/parley/textnorm"
	"github.com/parley-voice/parley/voice"
)

// Pipeline speaks text with one engine. It holds no per-request state and is
// safe for concurrent use.
type Pipeline struct {
	Engine engine.Synthesizer
	// Voices chooses each segment's engine voice, neural voices first;
	// nil means Profile.VoiceFor, the parametric engines alone.
	Voices *voice.Catalog
}

// Request is one segment to speak.
type Request struct {
	Text     string            // raw segment text
	Language protocol.Language // the configured language; Auto detects
	Voice    voice.Profile
	// Lookahead is text known to follow Text (the rest of the buffer, or
	// the next segments). With Auto, a short segment ("Guten Morgen,") is
	// detected together with the rest of its sentence.
	Lookahead string
	// Previous is the language of the segment before, or "": with Auto,
	// text that gives no clear evidence stays in the conversation's
	// language.
	Previous protocol.Language
}

// Segment describes one spoken segment.
type Segment struct {
	Text       string            // as given
	Normalized string            // as spoken
	Language   protocol.Language // resolved
	Voice      engine.Voice
	Samples    int // 24 kHz samples emitted
	// Consumed is the characters of the client's text this segment pays
	// for: its own, and the whitespace the segmenter dropped between it and
	// the segment before. Zero means Chars.
	Consumed int
	// Due is when the segment's audio is needed: now for the first segment
	// of an answer, whose listener is waiting; for a later one, when the
	// audio before it will have played. Engines serve the segments waiting
	// for them earliest Due first (package engine/sched); zero means on
	// arrival.
	Due time.Time
}

// Chars is the segment's length as given, in Unicode code points.
func (s Segment) Chars() int { return utf8.RuneCountInString(s.Text) }

// Spoken is the segment's length as spoken, after normalisation.
func (s Segment) Spoken() int { return utf8.RuneCountInString(s.Normalized) }

// Billed is what the segment costs against a monthly quota: its characters
// as given, or a third of its characters as spoken when normalisation more
// than triples the text (a run of "%" signs, a 500-digit number), so that a
// few characters cannot buy minutes of audio. Ordinary text, numbers and
// dates included, expands less than that ("Dr. Smith paid $5.50 at 10:30
// on 3/4/2025." is 42 characters spoken as 97) and costs its length.
func (s Segment) Billed() int { return Billed(max(s.Consumed, s.Chars()), s.Spoken()) }

// Billed is the quota cost of chars characters of text that are spoken as
// spoken characters; see Segment.Billed.
func Billed(chars, spoken int) int { return max(chars, (spoken+2)/3) }

// MaxSpokenChars bounds the characters after normalisation of one request
// (an HTTP synthesis, or one realtime segment): twice the longest text a
// request may carry. It is about nine minutes of speech.
const MaxSpokenChars = 2 * protocol.MaxBufferChars

// Prepare resolves r's language, normalises its text and picks the engine
// voice: everything but the synthesis. Blank text gives a Segment with no
// Normalized text, which speaks nothing.
func (p *Pipeline) Prepare(r Request) Segment {
	seg := Segment{Text: r.Text}
	if strings.TrimSpace(r.Text) == "" {
		return seg
	}
	seg.Language = ResolveLanguage(r)
	seg.Normalized = strings.TrimSpace(textnorm.Normalize(r.Text, seg.Language))
	if seg.Normalized != "" {
		seg.Voice = p.Voices.VoiceFor(r.Voice, seg.Language)
	}
	return seg
}

// Split segments a whole text the way a flushed realtime generation would
// and prepares every segment that speaks, in order.
func (p *Pipeline) Split(text string, lang protocol.Language, prof voice.Profile) ([]Segment, error) {
	cfg := segment.DefaultConfig()
	cfg.Language = lang
	s, err := segment.New(cfg)
	if err != nil {
		return nil, err
	}
	parts := append(s.Push(text), s.Flush()...)
	out := make([]Segment, 0, len(parts))
	var prev protocol.Language
	for i, part := range parts {
		r := Request{Text: part, Language: lang, Voice: prof, Previous: prev}
		if i+1 < len(parts) {
			r.Lookahead = parts[i+1]
		}
		seg := p.Prepare(r)
		if seg.Normalized == "" {
			continue
		}
		out = append(out, seg)
		prev = seg.Language
	}
	// The whitespace between segments, and around the text, is paid for
	// with the first segment, so that a text costs its whole length.
	if len(out) > 0 {
		extra := utf8.RuneCountInString(text)
		for _, seg := range out {
			extra -= seg.Chars()
		}
		out[0].Consumed = out[0].Chars() + max(extra, 0)
	}
	return out, nil
}

// Speak speaks one segment. Blank text speaks nothing and returns a
// Segment without audio. emit must not retain pcm.
func (p *Pipeline) Speak(ctx context.Context, r Request, emit func(pcm []int16) error) (Segment, error) {
	seg := p.Prepare(r)
	err := p.SpeakPrepared(ctx, &seg, emit)
	return seg, err
}

// SpeakPrepared speaks a prepared segment, counting its samples in
// seg.Samples. emit must not retain pcm.
func (p *Pipeline) SpeakPrepared(ctx context.Context, seg *Segment, emit func(pcm []int16) error) error {
	if seg.Normalized == "" {
		return nil
	}
	if !seg.Due.IsZero() {
		// The engines' queues are several calls down (the flite slots, the
		// espeak-ng pool, the neural gate), and only they read it.
		ctx = sched.PlayBy(ctx, seg.Due)
	}
	return p.Engine.Synthesize(ctx, engine.Segment{Text: seg.Normalized, Language: seg.Language}, seg.Voice, func(pcm []int16) error {
		seg.Samples += len(pcm)
		return emit(pcm)
	})
}

// SpeakAll speaks every segment of Split(text, lang, prof) in order, the
// first one marked urgent for the engines' queues.
func (p *Pipeline) SpeakAll(ctx context.Context, text string, lang protocol.Language, prof voice.Profile, emit func(pcm []int16) error) ([]Segment, error) {
	segs, err := p.Split(text, lang, prof)
	if err != nil {
		return nil, err
	}
	for i := range segs {
		if i == 0 {
			segs[i].Due = time.Now() // the listener waits for the first audio
		}
		if err := p.SpeakPrepared(ctx, &segs[i], emit); err != nil {
			return segs[:i], err
		}
	}
	return segs, nil
}

// shortSegment is the length, in letters, below which a segment alone is
// too little evidence of its language.
const shortSegment = 40

// ResolveLanguage returns the language of one segment: the configured one,
// or with Auto the detected one. A short segment is detected together with
// the lookahead up to the end of its sentence; when the evidence is unclear
// the previous segment's language (or English) wins.
func ResolveLanguage(r Request) protocol.Language {
	if r.Language != protocol.Auto && r.Language != "" {
		return r.Language
	}
	fallback := r.Previous
	if fallback == "" {
		fallback = protocol.English
	}
	text := r.Text
	if letters(text) < shortSegment && r.Lookahead != "" {
		text += restOfSentence(r.Lookahead)
	}
	return langdetect.Detect(text, fallback)
}

func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// restOfSentence returns s up to and including its first sentence end.
func restOfSentence(s string) string {
	if i := strings.IndexAny(s, ".!?。！？"); i >= 0 {
		_, n := utf8.DecodeRuneInString(s[i:])
		return s[:i+n]
	}
	return s
}

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
	"github.com/parley-voice/parley/pronounce"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/segment"
	"github.com/parley-voice/parley/ssml"
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
	// SSML, when not nil, is the segment as ssml.Segmenter cut it, whose
	// Text is the segment's text; nil is plain text.
	SSML *ssml.Chunk
	// Lexicon holds the pronunciation dictionaries to apply; nil for none.
	Lexicon *pronounce.Lexicon
	// Speed multiplies the voice's rate and Pitch shifts it, in semitones
	// (the session's prosody, an extension); 0 and 0 change nothing.
	Speed, Pitch float64
	// Timestamps prepares the segment for word timestamps (Segment.Words):
	// each spoken word is aligned to the text it came from (see
	// align.go). SourceOffset is where Text starts in the generation's
	// text, in code points, for plain text; an SSML chunk knows its place
	// in the generation's markup.
	Timestamps   bool
	SourceOffset int
}

// source maps a code point of the request's text (plain text, or an SSML
// chunk's) to the generation's text.
func (r Request) source(i int) int {
	if r.SSML != nil {
		return r.SSML.Source(i)
	}
	return r.SourceOffset + i
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
	// the segment before (with SSML, the markup in and before it). Zero
	// means Chars.
	Consumed int
	// Due is when the segment's audio is needed: now for the first segment
	// of an answer, whose listener is waiting; for a later one, when the
	// audio before it will have played. Engines serve the segments waiting
	// for them earliest Due first (package engine/sched); zero means on
	// arrival.
	Due time.Time

	// Parts, when not nil, are what is spoken instead of Normalized in
	// Voice: a segment with SSML or pronunciations in it, cut where the
	// voice, language or prosody changes and at pauses. Normalized is
	// then their text joined, and Voice and Language those of the
	// segment's first speech.
	Parts []Part
	// Pause is the samples of silence in Parts.
	Pause int
	// Carry, when not nil, joins the segment's audio to that of the other
	// segments of its generation (see Carry): SpeakPrepared leaves what it
	// holds for the next segment, unless Last. Nil speaks the segment on
	// its own.
	Carry *Carry
	// Last flushes Carry after the segment: it ends the generation.
	Last bool
	// Words, when not nil, takes the segment's word timestamps as it is
	// spoken, each word before any of the audio it starts in goes to
	// emit. The segment must have been prepared with Request.Timestamps.
	// It is called from where emit is.
	Words func([]Word)

	// spoken aligns Normalized's words to the client's text (Timestamps).
	spoken []spokenWord
}

// Part is one synthesis of a segment, or one pause.
type Part struct {
	Text     string // normalised; "" for a pause
	Pieces   []engine.Piece
	Language protocol.Language
	Voice    engine.Voice
	// Silent makes the part take its time without sound (prosody volume
	// "silent").
	Silent bool
	// Pause is the samples of a pause; a part with Pause is nothing else.
	Pause int
	// Tight joins the part to the speech before it within a sentence,
	// without the pause at the ends of the engines' utterances.
	Tight bool

	// spoken aligns Text's words to the client's text (Timestamps).
	spoken []spokenWord
}

// Speaks reports whether the segment makes any audio: text or a pause.
func (s Segment) Speaks() bool { return s.Normalized != "" || s.Pause > 0 }

// Chars is the segment's length as given, in Unicode code points.
func (s Segment) Chars() int { return utf8.RuneCountInString(s.Text) }

// Spoken is the segment's length as spoken, after normalisation, a pause
// counting PauseChars characters a second.
func (s Segment) Spoken() int {
	return utf8.RuneCountInString(s.Normalized) + (s.Pause*PauseChars+protocol.SampleRate-1)/protocol.SampleRate
}

// PauseChars is what a second of pause counts as, in characters spoken:
// about what speech says in a second, so that pauses cost like speech.
const PauseChars = 15

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
// voice: everything but the synthesis. Blank text gives a Segment that
// does not speak.
func (p *Pipeline) Prepare(r Request) Segment {
	if r.SSML != nil {
		return p.prepareSSML(r)
	}
	seg := Segment{Text: r.Text}
	if strings.TrimSpace(r.Text) == "" {
		return seg
	}
	seg.Language = ResolveLanguage(r)
	if runs := r.Lexicon.Apply(r.Text, seg.Language); len(runs) > 1 || runs[0].Entry != nil {
		// The dictionaries have something to say: one part, its words
		// from the dictionary where they match.
		setParts(&seg, []Part{p.part(r, span{runs: []run{{text: r.Text}}}, seg.Language)})
		return seg
	}
	seg.Normalized = strings.TrimSpace(textnorm.Normalize(r.Text, seg.Language))
	if seg.Normalized != "" {
		seg.Voice = prosody(p.Voices.VoiceFor(r.Voice, seg.Language), ssml.Style{}, r.Speed, r.Pitch)
		if r.Timestamps {
			seg.spoken = alignToTokens(seg.Normalized, 0, tokenize(r.Text, r.source), seg.Language)
		}
	}
	return seg
}

// Input is a whole text to speak: an HTTP request's.
type Input struct {
	Text     string
	Language protocol.Language
	Voice    voice.Profile
	// SSML reads Text as SSML; an *ssml.Error says what is malformed.
	SSML    bool
	Lexicon *pronounce.Lexicon
	// Speed and Pitch as in Request.
	Speed, Pitch float64
	// Timestamps prepares the segments for word timestamps, their spans
	// in code points of Text.
	Timestamps bool
}

// Split segments a whole text the way a flushed realtime generation would
// and prepares every segment that speaks, in order.
func (p *Pipeline) Split(text string, lang protocol.Language, prof voice.Profile) ([]Segment, error) {
	return p.SplitInput(Input{Text: text, Language: lang, Voice: prof})
}

// SplitInput is Split with SSML, pronunciations and prosody.
func (p *Pipeline) SplitInput(in Input) ([]Segment, error) {
	cfg := segment.DefaultConfig()
	cfg.Language = in.Language
	if in.SSML {
		return p.splitSSML(in, cfg)
	}
	s, err := segment.New(cfg)
	if err != nil {
		return nil, err
	}
	text := in.Text
	parts := append(s.Push(text), s.Flush()...)
	out := make([]Segment, 0, len(parts))
	var prev protocol.Language
	offset := 0 // the segments are the text, cut
	for i, part := range parts {
		r := Request{Text: part, Language: in.Language, Voice: in.Voice, Previous: prev, Lexicon: in.Lexicon, Speed: in.Speed, Pitch: in.Pitch,
			Timestamps: in.Timestamps, SourceOffset: offset}
		offset += utf8.RuneCountInString(part)
		if i+1 < len(parts) {
			r.Lookahead = parts[i+1]
		}
		seg := p.Prepare(r)
		if !seg.Speaks() {
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
// seg.Samples. emit must not retain or modify pcm.
func (p *Pipeline) SpeakPrepared(ctx context.Context, seg *Segment, emit func(pcm []int16) error) error {
	if !seg.Due.IsZero() {
		// The engines' queues are several calls down (the flite slots, the
		// espeak-ng pool, the neural gate), and only they read it.
		ctx = sched.PlayBy(ctx, seg.Due)
	}
	count := func(pcm []int16) error {
		seg.Samples += len(pcm)
		return emit(pcm)
	}
	if seg.Parts == nil {
		if seg.Normalized == "" {
			return nil
		}
		es := engine.Segment{Text: seg.Normalized, Language: seg.Language}
		if seg.Words != nil {
			t := newTiming(seg.Normalized, seg.spoken, seg.Words)
			t.settle(0)
			es.Words = t.words
		}
		return p.Engine.Synthesize(ctx, es, seg.Voice, count)
	}
	c := seg.Carry
	if c == nil {
		c = &Carry{}
	}
	for _, part := range seg.Parts {
		if part.Pause > 0 {
			if err := c.pause(part.Pause, count); err != nil {
				return err
			}
			continue
		}
		es := engine.Segment{Text: part.Text, Language: part.Language, Pieces: part.Pieces}
		if part.Silent {
			// Its quiet is its content: sent as it is, never cut.
			if err := p.Engine.Synthesize(ctx, es, part.Voice, func(pcm []int16) error { return c.raw(make([]int16, len(pcm)), count) }); err != nil {
				return err
			}
			continue
		}
		if err := c.startSpeech(part.Tight, count); err != nil {
			return err
		}
		var t *timing
		if seg.Words != nil && len(part.spoken) > 0 {
			// The part's audio starts where the Carry first sends some of
			// it, which it decides only then (it may cut a quiet lead).
			t = newTiming(part.Text, part.spoken, seg.Words)
			c.timePart(func(offset int) { t.settle(seg.Samples + offset) })
			es.Words = t.words
		}
		err := p.Engine.Synthesize(ctx, es, part.Voice, func(pcm []int16) error { return c.write(pcm, count) })
		if err == nil {
			err = c.endSpeech(count)
		}
		if t != nil {
			c.timePart(nil)
			t.settle(seg.Samples) // a part that sent nothing yet
		}
		if err != nil {
			return err
		}
	}
	if seg.Carry == nil || seg.Last {
		return c.Flush(count)
	}
	return nil
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

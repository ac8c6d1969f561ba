package tts

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/segment"
	"github.com/parley-voice/parley/ssml"
	"github.com/parley-voice/parley/textnorm"
)

// span is a part being built: a run of text and atoms in one style, or a
// pause.
type span struct {
	style ssml.Style
	runs  []run
	tight bool
	pause time.Duration
}

// run is text to look up and normalise, or an atom; pos is where it
// starts in the request's text, in code points.
type run struct {
	text string
	atom *ssml.Mark
	pos  int
}

func (s span) empty() bool { return len(s.runs) == 0 }

// voiceStyle is what of a Style changes the voice: a change of it starts a
// new synthesis.
func voiceStyle(s ssml.Style) ssml.Style {
	s.Emphasis = ""
	return s
}

// spans cuts a chunk where the voice changes, at pauses and at sentence
// boundaries.
func spans(c *ssml.Chunk) []span {
	var out []span
	cur := span{style: c.Style}
	var text []rune
	textPos := 0
	flushText := func() {
		if len(text) > 0 {
			cur.runs = append(cur.runs, run{text: string(text), pos: textPos})
			text = text[:0]
		}
	}
	next := func(s span) {
		flushText()
		if !cur.empty() {
			out = append(out, cur)
		} else if cur.tight {
			s.tight = true // a join owed to speech that has not come yet
		}
		cur = s
	}
	runes := []rune(c.Text)
	marks := c.Marks
	for i := 0; i <= len(runes); i++ {
		for len(marks) > 0 && marks[0].Pos <= i {
			m := &marks[0]
			marks = marks[1:]
			switch {
			case m.Kind == ssml.KindBreak && m.Break == 0:
				// strength="none": no pause, and none of the engines' either.
				next(span{style: cur.style, tight: true})
			case m.Kind == ssml.KindBreak:
				next(span{style: cur.style})
				out = append(out, span{pause: m.Break})
			case m.Kind == ssml.KindStyle:
				if voiceStyle(m.Style) == voiceStyle(cur.style) {
					cur.style = m.Style
					continue
				}
				flushText()
				next(span{style: m.Style, tight: !endsClause(cur.runs)})
			case m.Kind == ssml.KindBoundary:
				next(span{style: cur.style})
			case m.Kind.Atom():
				flushText()
				cur.runs = append(cur.runs, run{atom: m, pos: m.Pos})
			}
		}
		if i == len(runes) {
			break
		}
		if r := runes[i]; r != ssml.Placeholder {
			if len(text) == 0 {
				textPos = i
			}
			text = append(text, r)
		}
	}
	next(span{})
	return out
}

// endsClause reports whether runs end with punctuation (or nothing): the
// engines' pause at the end of an utterance is then the text's own.
func endsClause(runs []run) bool {
	for i := len(runs) - 1; i >= 0; i-- {
		if runs[i].atom != nil {
			return false
		}
		t := strings.TrimRightFunc(runs[i].text, unicode.IsSpace)
		if t == "" {
			continue
		}
		r, _ := utf8.DecodeLastRuneInString(t)
		return unicode.IsPunct(r)
	}
	return true
}

// detectionText is a chunk's text with each atom's words in place of its
// placeholder, for language detection.
func detectionText(c *ssml.Chunk) string {
	var b strings.Builder
	marks := c.Marks
	i := 0
	for _, r := range c.Text {
		if r == ssml.Placeholder {
			for len(marks) > 0 && (marks[0].Pos < i || !marks[0].Kind.Atom()) {
				marks = marks[1:]
			}
			if len(marks) > 0 && marks[0].Pos == i {
				t := marks[0].Text
				if marks[0].Kind == ssml.KindSub {
					t = marks[0].Alias
				}
				b.WriteString(t)
				marks = marks[1:]
			}
		} else {
			b.WriteRune(r)
		}
		i++
	}
	return b.String()
}

// prepareSSML prepares a chunk of an SSML generation.
func (p *Pipeline) prepareSSML(r Request) Segment {
	c := r.SSML
	seg := Segment{Text: c.Text}
	dr := r
	dr.Text = detectionText(c)
	seg.Language = r.Language
	if strings.TrimSpace(dr.Text) != "" || seg.Language == protocol.Auto || seg.Language == "" {
		seg.Language = ResolveLanguage(dr)
	}
	var parts []Part
	for _, sp := range spans(c) {
		if sp.pause > 0 {
			parts = append(parts, Part{Pause: samplesOf(sp.pause)})
			continue
		}
		lang := seg.Language
		if sp.style.Lang != "" {
			lang = sp.style.Lang
		}
		if part := p.part(r, sp, lang); part.Text != "" {
			parts = append(parts, part)
		}
	}
	setParts(&seg, parts)
	return seg
}

// setParts fills a segment's summary fields from its parts.
func setParts(seg *Segment, parts []Part) {
	seg.Parts = parts
	var texts []string
	first := true
	for _, pt := range parts {
		seg.Pause += pt.Pause
		if pt.Text == "" {
			continue
		}
		texts = append(texts, pt.Text)
		if first {
			seg.Voice, seg.Language, first = pt.Voice, pt.Language, false
		}
	}
	seg.Normalized = strings.Join(texts, " ")
}

// part normalises a span in lang: its text through the pronunciation
// dictionaries and textnorm, its atoms as they say.
func (p *Pipeline) part(r Request, sp span, lang protocol.Language) Part {
	pt := Part{Language: lang, Tight: sp.tight, Silent: sp.style.Silent}
	var pieces []engine.Piece
	ipa := false
	at := 0 // bytes of the part's text so far
	// add appends a piece; for timestamps, its words come from the source
	// tokens toks (text that was normalised) or, when toks is nil, from
	// the span [start, end) as a whole (an atom, a dictionary entry).
	add := func(text, phonemes string, toks []srcToken, start, end int) {
		text = strings.TrimSpace(text)
		if text == "" && phonemes == "" {
			return
		}
		if len(pieces) > 0 {
			pieces = append(pieces, engine.Piece{Text: " "})
			at++
		}
		pieces = append(pieces, engine.Piece{Text: text, IPA: phonemes})
		ipa = ipa || phonemes != ""
		if r.Timestamps {
			if toks != nil {
				pt.spoken = append(pt.spoken, alignToTokens(text, at, toks, lang)...)
			} else if start < end {
				pt.spoken = append(pt.spoken, fixedWords(text, at, start, end)...)
			}
		}
		at += len(text)
	}
	for _, rn := range sp.runs {
		if rn.atom == nil {
			pos := rn.pos
			for _, lr := range r.Lexicon.Apply(rn.text, lang) {
				var toks []srcToken
				var start, end int
				if r.Timestamps {
					toks = tokenize(lr.Text, func(i int) int { return r.source(pos + i) })
					if len(toks) > 0 {
						start, end = toks[0].start, toks[len(toks)-1].end
					}
				}
				pos += utf8.RuneCountInString(lr.Text)
				switch {
				case lr.Entry == nil:
					add(textnorm.Normalize(lr.Text, lang), "", toks, 0, 0)
				case lr.Entry.IPA != "":
					add(textnorm.Normalize(lr.Text, lang), lr.Entry.IPA, nil, start, end)
				default:
					add(textnorm.Normalize(lr.Entry.Alias, lang), "", nil, start, end)
				}
			}
			continue
		}
		m := rn.atom
		var start, end int
		if r.Timestamps {
			start, end = m.Offset, r.source(m.Pos+1)
		}
		switch m.Kind {
		case ssml.KindSayAs:
			if s, ok := textnorm.SayAs(m.Text, m.InterpretAs, m.Format, lang); ok {
				add(s, "", nil, start, end)
			} else {
				add(textnorm.Normalize(m.Text, lang), "", nil, start, end)
			}
		case ssml.KindSub:
			add(textnorm.Normalize(m.Alias, lang), "", nil, start, end)
		case ssml.KindPhoneme:
			add(textnorm.Normalize(m.Text, lang), m.IPA, nil, start, end)
		}
	}
	var b strings.Builder
	for _, pc := range pieces {
		b.WriteString(pc.Text)
	}
	pt.Text = b.String()
	if ipa {
		pt.Pieces = pieces
		if strings.TrimSpace(pt.Text) == "" {
			pt.Text = " " // speaks only IPA: not empty
		}
	}
	if pt.Text != "" {
		pt.Voice = prosody(p.Voices.VoiceFor(r.Voice, lang), sp.style, r.Speed, r.Pitch)
		if !engine.ControlsOf(pt.Voice.Engine).IPA {
			// The engine speaks the words the IPA stands for.
			pt.Pieces = nil
			lead := len(pt.Text) - len(strings.TrimLeftFunc(pt.Text, unicode.IsSpace))
			pt.Text = strings.TrimSpace(pt.Text)
			for i := range pt.spoken {
				pt.spoken[i].a -= lead
				pt.spoken[i].b -= lead
			}
		}
	}
	return pt
}

// Limits of an engine voice's rate and pitch after the session's and the
// markup's changes: what the engines speak intelligibly.
const (
	minRate, maxRate = 0.25, 4.0
	maxPitch         = 12.0
)

// prosody puts a style and the session's speed and pitch on top of an
// engine voice. A voice nothing changes is returned as it is.
func prosody(v engine.Voice, st ssml.Style, speed, pitch float64) engine.Voice {
	if speed == 0 {
		speed = 1
	}
	if f := st.RateFactor() * speed; f != 1 {
		r := v.Rate
		if r == 0 {
			r = 1
		}
		v.Rate = min(max(r*f, minRate), maxRate)
	}
	if d := st.Pitch + pitch; d != 0 {
		v.Pitch = min(max(v.Pitch+d, -maxPitch), maxPitch)
	}
	if g := st.Gain(); g != 1 && !st.Silent {
		vol := v.Volume
		if vol == 0 {
			vol = 1
		}
		v.Volume = vol * g
	}
	return v
}

// splitSSML is SplitInput for SSML: the whole document must be well-formed.
func (p *Pipeline) splitSSML(in Input, cfg segment.Config) ([]Segment, error) {
	s, err := ssml.NewSegmenter(ssml.DefaultConfig(), cfg)
	if err != nil {
		return nil, err
	}
	chunks, err := s.Push(in.Text)
	if err != nil {
		return nil, err
	}
	rest, err := s.Flush()
	if err != nil {
		return nil, err
	}
	chunks = append(chunks, rest...)
	out := make([]Segment, 0, len(chunks))
	carry := &Carry{}
	var prev protocol.Language
	unpaid := 0 // markup of chunks that speak nothing
	for i := range chunks {
		r := Request{SSML: &chunks[i], Text: chunks[i].Text, Language: in.Language, Voice: in.Voice, Previous: prev,
			Lexicon: in.Lexicon, Speed: in.Speed, Pitch: in.Pitch, Timestamps: in.Timestamps}
		if i+1 < len(chunks) {
			r.Lookahead = chunks[i+1].Text
		}
		seg := p.Prepare(r)
		unpaid += chunks[i].Raw
		if !seg.Speaks() {
			continue
		}
		seg.Consumed, unpaid = unpaid, 0
		seg.Carry = carry
		out = append(out, seg)
		prev = seg.Language
	}
	if n := len(out); n > 0 {
		out[n-1].Last = true
		out[n-1].Consumed += unpaid
	}
	return out, nil
}

package bench

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/segment"
	"github.com/parley-voice/parley/tts"
	"github.com/parley-voice/parley/voice"
)

// baseline speaks segments on the bare engines of this process, resolving
// the voice the way Parley's server does for a config.
type baseline struct {
	engines *engine.Engines
	pipe    *tts.Pipeline
	lang    protocol.Language
	prof    voice.Profile
}

func openBaseline(desc string, lang protocol.Language) (*baseline, error) {
	engines, err := engine.Open(engine.Config{})
	if err != nil {
		return nil, err
	}
	prof := voice.Default()
	if desc != "" {
		prof = voice.Design(desc)
	}
	return &baseline{engines: engines, pipe: &tts.Pipeline{Engine: engines}, lang: lang, prof: prof}, nil
}

func (b *baseline) close() error { return b.engines.Close() }

var errNoAudio = errors.New("bench: the engine produced no audio")

// firstChunk speaks seg and returns the time from the call to the first
// chunk emitted. The segment is spoken to its end, as the server would.
func (b *baseline) firstChunk(ctx context.Context, seg firstSeg) (time.Duration, error) {
	var first time.Duration
	got := false
	start := time.Now()
	req := tts.Request{Text: seg.text, Language: b.lang, Voice: b.prof, Lookahead: seg.lookahead}
	_, err := b.pipe.Speak(ctx, req, func([]int16) error {
		if !got {
			first, got = time.Since(start), true
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if !got {
		return 0, errNoAudio
	}
	return first, nil
}

// firstSeg is the first segment the server speaks of a generation, and
// the text that follows it (which language detection may look at).
type firstSeg struct{ text, lookahead string }

// lookaheadChars bounds firstSeg.lookahead, as the server bounds it.
const lookaheadChars = 200

// firstSegment returns the first segment Parley's default segmentation
// speaks of text sent as one generation. Segments do not depend on how the
// text is split into tokens.
func firstSegment(text string, lang protocol.Language) firstSeg {
	cfg := segment.DefaultConfig()
	cfg.Language = lang
	s, err := segment.New(cfg)
	if err != nil {
		return firstSeg{text: text}
	}
	segs := append(s.Push(text), s.Flush()...)
	for i, seg := range segs {
		if strings.TrimSpace(seg) == "" {
			continue
		}
		f := firstSeg{text: seg}
		if i+1 < len(segs) {
			r := []rune(segs[i+1])
			f.lookahead = string(r[:min(len(r), lookaheadChars)])
		}
		return f
	}
	return firstSeg{}
}

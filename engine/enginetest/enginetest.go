package enginetest

import (
	"context"
	"errors"
	"hash/fnv"
	"math"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/engine/sched"
	"github.com/parley-voice/parley/protocol"
)

const (
	// SamplesPerRune is the audio made for each character: 50 ms, about
	// the pace of speech (a word and its space in 300 ms).
	SamplesPerRune = protocol.SampleRate / 20
	// ChunkSamples is the size of the chunks Engine emits: 40 ms, as the
	// real engines' chunks are.
	ChunkSamples = protocol.SampleRate / 25
	// amplitude is the peak of the tone; its RMS is well above silence.
	amplitude = 8000
)

// PCM returns the audio the zero Engine makes for text: a tone whose pitch
// depends on the text, so that segments can be told apart, SamplesPerRune
// samples for each of its characters.
func PCM(text string) []int16 { return tone(text, SamplesPerRune) }

func tone(text string, perRune int) []int16 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(text))
	hz := 100 + float64(h.Sum32()%400)
	pcm := make([]int16, perRune*utf8.RuneCountInString(text))
	for i := range pcm {
		pcm[i] = int16(amplitude * math.Sin(2*math.Pi*hz*float64(i)/protocol.SampleRate))
	}
	return pcm
}

// ErrFailed is the error of a call that FailOn made fail.
var ErrFailed = errors.New("enginetest: failed as asked")

// Call is one Synthesize call Engine served.
type Call struct {
	Text     string
	Language protocol.Language
	Voice    engine.Voice
	// Due is when the caller needed the audio (sched.Due of its context).
	Due time.Time
	// Samples is the audio emitted; less than len(PCM(Text)) when the call
	// was cut short.
	Samples int
}

// Engine speaks every segment as PCM(segment text), in chunks of
// ChunkSamples, and reports its Words when asked. It is safe for concurrent use; the zero Engine makes its
// audio at once.
type Engine struct {
	// Pace is the time each chunk takes to make; a call then lasts as long
	// as a real engine's might, so that a test can act while it runs.
	Pace time.Duration
	// PerRune is the samples made for each character; zero means
	// SamplesPerRune. Less makes a test of long texts quicker.
	PerRune int
	// FailOn, when set, makes a call whose text contains it fail with
	// ErrFailed after its first chunk: an engine failing mid-segment.
	FailOn string

	mu    sync.Mutex
	calls []Call
}

// Synthesize implements engine.Synthesizer. It returns ctx's error when ctx
// ends before the audio is all emitted, and emit's when emit fails.
func (e *Engine) Synthesize(ctx context.Context, seg engine.Segment, v engine.Voice, emit func(pcm []int16) error) error {
	e.mu.Lock()
	n := len(e.calls)
	e.calls = append(e.calls, Call{Text: seg.Text, Language: seg.Language, Voice: v, Due: sched.Due(ctx)})
	e.mu.Unlock()
	pcm := e.PCM(seg.Text)
	if seg.Words != nil {
		if ws := Words(seg.Text, e.perRune()); len(ws) > 0 {
			seg.Words(ws)
		}
	}
	for off := 0; off < len(pcm); off += ChunkSamples {
		if e.Pace > 0 {
			t := time.NewTimer(e.Pace)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk := pcm[off:min(off+ChunkSamples, len(pcm))]
		if err := emit(chunk); err != nil {
			return err
		}
		e.mu.Lock()
		e.calls[n].Samples += len(chunk)
		e.mu.Unlock()
		if e.FailOn != "" && strings.Contains(seg.Text, e.FailOn) {
			return ErrFailed
		}
	}
	return nil
}

// PCM returns the audio e makes for text.
func (e *Engine) PCM(text string) []int16 { return tone(text, e.perRune()) }

func (e *Engine) perRune() int {
	if e.PerRune > 0 {
		return e.PerRune
	}
	return SamplesPerRune
}

// Words returns the words Engine reports for text (engine.Segment.Words),
// all before its first chunk: each run of non-space characters, from its
// first character's audio to its last one's, perRune samples each.
func Words(text string, perRune int) []engine.Word {
	var out []engine.Word
	start, startRune, n := -1, 0, 0
	for i, r := range text {
		if unicode.IsSpace(r) {
			if start >= 0 {
				out = append(out, engine.Word{Start: startRune * perRune, End: n * perRune, TextStart: start, TextEnd: i})
				start = -1
			}
		} else if start < 0 {
			start, startRune = i, n
		}
		n++
	}
	if start >= 0 {
		out = append(out, engine.Word{Start: startRune * perRune, End: n * perRune, TextStart: start, TextEnd: len(text)})
	}
	return out
}

// Calls returns the calls served so far, in the order they began.
func (e *Engine) Calls() []Call {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Call(nil), e.calls...)
}

// Audio returns the audio of the calls served so far, in the order they
// began, each as far as it was emitted.
func (e *Engine) Audio() []int16 {
	var out []int16
	for _, c := range e.Calls() {
		out = append(out, e.PCM(c.Text)[:c.Samples]...)
	}
	return out
}

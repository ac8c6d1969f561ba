//go:build !e2e

package realtime_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parley-voice/parley/engine/enginetest"
	"github.com/parley-voice/parley/protocol"
)

// The protocol tests of the extensions of issue 12 items 1 and 2: word
// timestamps and several contexts per socket, over the fake engine, whose
// audio and words are functions of its text.

// timed is what a generation with timestamps delivered: the words, and
// for each word the audio received before its timestamps message.
type timed struct {
	generation
	words  []protocol.Word
	before []int64 // ms of audio received before each word's message
}

func (c *client) collectTimed() timed {
	c.t.Helper()
	var g timed
	for {
		f := c.next()
		switch {
		case f.binary != nil:
			g.pcm = append(g.pcm, f.binary...)
			g.chunks++
		case f.m.Type == protocol.TypeAudio:
			g.pcm = append(g.pcm, decodeChunk(c.t, f.m.Chunk)...)
			g.chunks++
		case f.m.Type == protocol.TypeTimestamps:
			for _, w := range f.m.Words {
				g.words = append(g.words, w)
				g.before = append(g.before, int64(len(g.pcm)/2)*1000/protocol.SampleRate)
			}
		case f.m.Type == protocol.TypeDone:
			g.done = f.m.Done()
			return g
		default:
			g.other = append(g.other, f.m)
		}
	}
}

// spans renders words as "word→source" against the generation's text.
func spans(t *testing.T, text string, ws []protocol.Word) string {
	t.Helper()
	r := []rune(text)
	var out []string
	for _, w := range ws {
		if w.CharStart < 0 || w.CharEnd > len(r) || w.CharStart >= w.CharEnd {
			t.Fatalf("word %+v: span outside the %d code points of the text", w, len(r))
		}
		out = append(out, w.Word+"→"+string(r[w.CharStart:w.CharEnd]))
	}
	return strings.Join(out, " ")
}

// TestTimestamps: with timestamps "word", each word's timestamps come
// before the audio it starts in, point back to the characters of the
// generation as sent (across text messages, multi-byte characters split
// between them, and segments), and time the fake engine's words exactly.
func TestTimestamps(t *testing.T) {
	n := newNode(t)
	c := n.dial(t)
	c.config(n.key, msg{"language": "English", "timestamps": "word"})
	const text = "Dr. Smith paid $5 for the café, said Grüße. Then 12 more words came after it all!"
	// Pieces of 3 bytes at most, never splitting a character (JSON cannot
	// hold half of one), so words are split across messages.
	for _, p := range pieces(text, 3) {
		c.send(msg{"type": "text", "text": p})
	}
	c.send(msg{"type": "flush"})
	g := c.collectTimed()
	checkExact(t, g.generation, n.eng, 0, text)
	want := "Doctor→Dr. Smith→Smith paid→paid five→$5 dollars→$5 for→for the→the café→café said→said Grüße→Grüße " +
		"Then→Then twelve→12 more→more words→words came→came after→after it→it all→all"
	if got := spans(t, text, g.words); got != want {
		t.Errorf("words\n got %s\nwant %s", got, want)
	}
	// The engine spoke the normalised segments, 50 ms a character: each
	// word starts where its first character's audio does.
	var at int64
	var wantStarts []int64
	for _, call := range n.eng.Calls() {
		for _, w := range enginetest.Words(call.Text, enginetest.SamplesPerRune) {
			if strings.Trim(call.Text[w.TextStart:w.TextEnd], ".,!") != "" {
				wantStarts = append(wantStarts, at+int64(w.Start)*1000/protocol.SampleRate)
			}
		}
		at += int64(call.Samples) * 1000 / protocol.SampleRate
	}
	var starts []int64
	for i, w := range g.words {
		starts = append(starts, w.StartMS)
		if g.before[i] > w.StartMS {
			t.Errorf("word %q (at %d ms) arrived after %d ms of audio", w.Word, w.StartMS, g.before[i])
		}
		if w.EndMS <= w.StartMS || w.EndMS > g.done.AudioDurationMS {
			t.Errorf("word %+v ends outside the %d ms of audio", w, g.done.AudioDurationMS)
		}
	}
	if !slices.Equal(starts, wantStarts) {
		t.Errorf("starts %v, want %v", starts, wantStarts)
	}
	// A second generation counts from its own start.
	g2 := c.timedSpeak("One more sentence.")
	if len(g2.words) != 3 || g2.words[0].StartMS != 0 || g2.words[0].CharStart != 0 || spans(t, "One more sentence.", g2.words) != "One→One more→more sentence→sentence" {
		t.Errorf("second generation: %+v", g2.words)
	}
}

func (c *client) timedSpeak(text string) timed {
	c.t.Helper()
	c.sendTokens(text, 4)
	c.send(msg{"type": "flush"})
	return c.collectTimed()
}

// pieces cuts s into pieces of at most n bytes, each whole characters.
func pieces(s string, n int) []string {
	var out []string
	for len(s) > 0 {
		k := min(n, len(s))
		for k < len(s) && !utf8.RuneStart(s[k]) {
			k++
		}
		out = append(out, s[:k])
		s = s[k:]
	}
	return out
}

// TestTimestampsSSML: in an SSML session the spans are in the markup as
// sent: a <sub> or <say-as> is one span, an entity is its characters.
func TestTimestampsSSML(t *testing.T) {
	n := newNode(t)
	c := n.dial(t)
	c.config(n.key, msg{"language": "English", "timestamps": "word", "text_type": "ssml"})
	const text = `<speak>Visit <sub alias="World Wide Web">WWW</sub> at <say-as interpret-as="digits">42</say-as> &amp; caf&#233;.</speak>`
	for _, p := range pieces(text, 5) {
		c.send(msg{"type": "text", "text": p})
	}
	c.send(msg{"type": "flush"})
	g := c.collectTimed()
	want := `Visit→Visit World→<sub alias="World Wide Web">WWW</sub> Wide→<sub alias="World Wide Web">WWW</sub> Web→<sub alias="World Wide Web">WWW</sub> ` +
		`at→at four→<say-as interpret-as="digits">42</say-as> two→<say-as interpret-as="digits">42</say-as> and→&amp; café→caf&#233;`
	if got := spans(t, text, g.words); got != want {
		t.Errorf("words\n got %s\nwant %s", got, want)
	}
}

// TestMurmrClientSeesNoChangeFake: a client that sends none of the new
// fields gets the messages it always got, field for field, in JSON and
// binary mode: no timestamps, no context_id, no audio_context.
func TestMurmrClientSeesNoChangeFake(t *testing.T) {
	n := newNode(t)
	for _, binary := range []bool{false, true} {
		c := n.dial(t)
		c.config(n.key, msg{"language": "English"})
		if binary {
			c.send(msg{"type": "binary_mode"})
			c.expect(protocol.TypeBinaryModeAck)
		}
		c.sendTokens("Hello there. This sentence is long enough to be cut off before the flush, surely. And more.", 5)
		c.send(msg{"type": "flush"})
		frames := rawFrames(t, c)
		for _, f := range frames[:len(frames)-1] {
			if bytes.HasPrefix(f, []byte("binary:")) {
				if !binary {
					t.Fatal("binary frame in JSON mode")
				}
				continue
			}
			if ks := keysOf(t, f); binary || !slices.Equal(ks, []string{"chunk", "format", "sample_rate", "type"}) {
				t.Fatalf("binary %v: message %s", binary, f)
			}
		}
		if ks := keysOf(t, frames[len(frames)-1]); !slices.Equal(ks, []string{"audio_duration_ms", "characters", "duration_ms", "first_chunk_latency_ms", "total_chunks", "type"}) {
			t.Fatalf("done fields %v", ks)
		}
		c.send(msg{"type": "clear"})
		var m map[string]any
		_, b, err := c.c.Read(c.ctx)
		if err != nil || json.Unmarshal(b, &m) != nil || len(m) != 1 || m["type"] != "cleared" {
			t.Fatalf("cleared: %s, %v", b, err)
		}
	}
}

// ctxFrame is a frame of a socket with contexts: JSON, or binary audio
// with the context the last audio_context named.
type ctxFrame struct {
	m   protocol.ServerMessage
	pcm []byte
	ctx string
}

// readContexts reads frames until every context in want has its done,
// tagging binary frames with their context.
func (c *client) readContexts(want ...string) []ctxFrame {
	c.t.Helper()
	var out []ctxFrame
	current := ""
	left := map[string]bool{}
	for _, id := range want {
		left[id] = true
	}
	for len(left) > 0 {
		f := c.next()
		switch {
		case f.binary != nil:
			out = append(out, ctxFrame{pcm: f.binary, ctx: current})
		case f.m.Type == protocol.TypeAudioContext:
			current = f.m.ContextID
		default:
			fr := ctxFrame{m: f.m, ctx: f.m.ContextID}
			if f.m.Type == protocol.TypeAudio {
				fr.pcm = decodeChunk(c.t, f.m.Chunk)
			}
			out = append(out, fr)
			if f.m.Type == protocol.TypeDone {
				delete(left, f.m.ContextID)
			}
		}
	}
	return out
}

// order renders frames as the sequence of contexts and kinds.
func order(fs []ctxFrame) string {
	var out []string
	for _, f := range fs {
		kind := f.m.Type
		if f.pcm != nil {
			kind = "audio"
		}
		if n := len(out); n > 0 && out[n-1] == kind+":"+f.ctx {
			continue
		}
		out = append(out, kind+":"+f.ctx)
	}
	return strings.Join(out, " ")
}

// TestContextsOrderByFlush: contexts are spoken in the order their
// flushes arrived, each with its own done; audio of different contexts is
// never mixed in a chunk (each chunk is one engine call's) and each
// context gets exactly its text's audio, in JSON and binary mode.
func TestContextsOrderByFlush(t *testing.T) {
	for _, binary := range []bool{false, true} {
		t.Run(fmt.Sprint("binary=", binary), func(t *testing.T) {
			n := newNode(t)
			c := n.dial(t)
			c.config(n.key, msg{"language": "English"})
			if binary {
				c.send(msg{"type": "binary_mode"})
				c.expect(protocol.TypeBinaryModeAck)
			}
			texts := map[string]string{"a": "First context speaks.", "b": "Second one, flushed first.", "": "The default context."}
			c.send(msg{"type": "text", "text": texts["a"], "context_id": "a"})
			c.send(msg{"type": "text", "text": texts["b"], "context_id": "b"})
			c.send(msg{"type": "text", "text": texts[""]})
			c.send(msg{"type": "flush", "context_id": "b"})
			c.send(msg{"type": "flush"})
			c.send(msg{"type": "flush", "context_id": "a"})
			fs := c.readContexts("a", "b", "")
			if got, want := order(fs), "audio:b done:b audio: done: audio:a done:a"; got != want {
				t.Fatalf("order %q, want %q", got, want)
			}
			pcm := map[string][]byte{}
			for _, f := range fs {
				pcm[f.ctx] = append(pcm[f.ctx], f.pcm...)
				if f.m.Type == protocol.TypeDone && f.m.Characters != utf8.RuneCountInString(texts[f.ctx]) {
					t.Errorf("done of %q: %d characters", f.ctx, f.m.Characters)
				}
			}
			for id, text := range texts {
				var want []byte
				for _, call := range n.eng.Calls() {
					if strings.HasPrefix(strings.ToLower(text), strings.ToLower(call.Text[:5])) {
						want = append(want, pcmBytes(n.eng.PCM(call.Text))...)
					}
				}
				if !bytes.Equal(pcm[id], want) || len(want) == 0 {
					t.Errorf("context %q: %d bytes of audio, want %d", id, len(pcm[id]), len(want))
				}
			}
		})
	}
}

func pcmBytes(pcm []int16) []byte {
	b := make([]byte, 0, 2*len(pcm))
	for _, s := range pcm {
		b = append(b, byte(s), byte(uint16(s)>>8))
	}
	return b
}

// TestContextClear: a clear of one context stops its generation and drops
// its queued audio only; the other context's generation is whole.
func TestContextClear(t *testing.T) {
	eng := &enginetest.Engine{Pace: 5 * time.Millisecond}
	n := newNode(t, func(nc *nodeConfig) { nc.engine = eng })
	c := n.dial(t)
	c.config(n.key, msg{"language": "English"})
	long := strings.Repeat("This is a long passage that keeps the engine busy for a while. ", 8)
	const short = "The other context is not touched."
	c.send(msg{"type": "text", "text": long, "context_id": "long"})
	c.send(msg{"type": "flush", "context_id": "long"})
	c.send(msg{"type": "text", "text": short, "context_id": "short"})
	c.send(msg{"type": "flush", "context_id": "short"})
	if f := c.next(); f.m.Type != protocol.TypeAudio || f.m.ContextID != "long" {
		t.Fatalf("want audio of long first, got %+v", f.m)
	}
	c.send(msg{"type": "clear", "context_id": "long"})
	var got []byte
	cleared := false
	for {
		f := c.next()
		if f.m.Type == protocol.TypeCleared {
			if f.m.ContextID != "long" {
				t.Fatalf("cleared %+v", f.m)
			}
			cleared = true
			continue
		}
		if f.m.Type == protocol.TypeDone {
			if f.m.ContextID != "short" || !cleared {
				t.Fatalf("done %+v (cleared before it: %v)", f.m, cleared)
			}
			break
		}
		if f.m.Type == protocol.TypeAudio && f.m.ContextID == "short" {
			got = append(got, decodeChunk(t, f.m.Chunk)...)
		} else if f.m.Type != protocol.TypeAudio {
			t.Fatalf("unexpected %+v", f.m)
		}
	}
	if want := pcmBytes(eng.PCM(short)); !bytes.Equal(got, want) {
		t.Fatalf("short context: %d bytes, want %d", len(got), len(want))
	}
}

// TestContextLimit: at most five named contexts; a sixth is refused with
// a non-fatal 4003 naming it, and close_context makes room; closing an
// unknown context is a non-fatal 4003 too.
func TestContextLimit(t *testing.T) {
	n := newNode(t)
	c := n.dial(t)
	c.config(n.key, msg{"language": "English"})
	for i := range protocol.MaxContexts {
		c.send(msg{"type": "text", "text": "Hi.", "context_id": fmt.Sprint("c", i)})
	}
	c.send(msg{"type": "text", "text": "Hi.", "context_id": "c5"})
	e := c.expect(protocol.TypeError)
	if e.Code != int(protocol.CloseInvalid) || e.ContextID != "c5" || !strings.Contains(e.Message, "at most 5") {
		t.Fatalf("sixth context: %+v", e)
	}
	c.send(msg{"type": "close_context", "context_id": "nope"})
	if e := c.expect(protocol.TypeError); e.ContextID != "nope" || e.Code != int(protocol.CloseInvalid) {
		t.Fatalf("unknown context: %+v", e)
	}
	c.send(msg{"type": "close_context", "context_id": "c0"})
	if m := c.expect(protocol.TypeContextClosed); m.ContextID != "c0" {
		t.Fatalf("context_closed %+v", m)
	}
	// The closed context's text is gone; the new one speaks.
	c.send(msg{"type": "text", "text": "Now it fits.", "context_id": "c5"})
	c.send(msg{"type": "flush", "context_id": "c5"})
	d := c.expect(protocol.TypeDone, protocol.TypeAudio)
	if d.ContextID != "c5" || d.Characters != len("Now it fits.") {
		t.Fatalf("done %+v", d)
	}
	// The default context never counts.
	c.send(msg{"type": "text", "text": "Default."})
	c.send(msg{"type": "flush"})
	if d := c.expect(protocol.TypeDone, protocol.TypeAudio); d.ContextID != "" {
		t.Fatalf("done %+v", d)
	}
}

// TestContextFlushOvertakes: a context whose flush has arrived is spoken
// before the segments another context streams without a flush, between
// two of them; with one context this is arrival order.
func TestContextFlushOvertakes(t *testing.T) {
	eng := &enginetest.Engine{Pace: 5 * time.Millisecond}
	n := newNode(t, func(nc *nodeConfig) { nc.engine = eng })
	c := n.dial(t)
	c.config(n.key, msg{"language": "English"})
	c.send(msg{"type": "text", "text": "Sentence one is long enough to be spoken before the flush. Sentence two is also long enough to be cut here. "})
	if f := c.next(); f.m.Type != protocol.TypeAudio || f.m.ContextID != "" {
		t.Fatalf("want the default context's audio, got %+v", f.m)
	}
	// The speaker is on sentence one; sentence two waits.
	c.send(msg{"type": "text", "text": "Flushed while the other streams.", "context_id": "b"})
	c.send(msg{"type": "flush", "context_id": "b"})
	c.send(msg{"type": "flush"})
	fs := c.readContexts("b", "")
	if got, want := order(fs), "audio: audio:b done:b audio: done:"; got != want {
		t.Fatalf("order %q, want %q", got, want)
	}
	var texts []string
	for _, call := range eng.Calls() {
		texts = append(texts, call.Text)
	}
	if len(texts) != 3 || !strings.HasPrefix(texts[1], "Flushed") {
		t.Fatalf("engine spoke %q", texts)
	}
}

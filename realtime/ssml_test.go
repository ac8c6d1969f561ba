//go:build e2e

package realtime_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/pronounce"
	"github.com/parley-voice/parley/pronstore"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/tts"
	"github.com/parley-voice/parley/voice"
)

// sendChunks sends text in pieces of size bytes, so that tags, entities
// and multi-byte characters are split across messages. A piece never
// ends inside a UTF-8 sequence: JSON text cannot hold half a character.
func (c *client) sendChunks(text string, size int) {
	c.t.Helper()
	for text != "" {
		n := min(size, len(text))
		for n < len(text) && !utf8.RuneStart(text[n]) {
			n++
		}
		c.send(msg{"type": "text", "text": text[:n]})
		text = text[n:]
	}
}

func samplesOf(b []byte) []int16 { return audio.BytesToPCM(nil, b) }

// soundEnd is where the sound of pcm ends, as audio.TrimSilence finds it
// at the level breaks are measured at.
func soundEnd(pcm []int16) int {
	_, end := audio.TrimSilence(pcm, protocol.SampleRate, tts.SilenceDBFS)
	return end
}

// gapAt measures the silence around sample at: from the end of the sound
// before it to the start of the sound after.
func gapAt(pcm []int16, at int) time.Duration {
	_, end := audio.TrimSilence(pcm[:at], protocol.SampleRate, tts.SilenceDBFS)
	start, _ := audio.TrimSilence(pcm[at:], protocol.SampleRate, tts.SilenceDBFS)
	return audio.Duration(at+start-end, protocol.SampleRate)
}

// TestSSMLSession streams SSML in 3-byte pieces (every tag, entity and
// multi-byte character split across messages) in binary mode: the break,
// which comes after the segmenter has cut the sentence before it into a
// segment of its own, measures what it asked for; done counts every
// character sent; and the session takes another generation.
func TestSSMLSession(t *testing.T) {
	h := newHarness(t)
	c := h.dial(t)
	c.config(h.key, msg{"text_type": "ssml", "language": "English"})
	c.send(msg{"type": "binary_mode"})
	c.expect(protocol.TypeBinaryModeAck)

	// The same first sentence alone, to find where its sound ends.
	const first = `<speak>Hello there, my friend: caf&#233; &amp; tea for everyone at the table. `
	c.sendChunks(first+`</speak>`, 3)
	c.send(msg{"type": "flush"})
	alone := c.collect()
	if len(alone.other) > 0 {
		t.Fatalf("messages besides audio: %+v", alone.other)
	}

	doc := first + `<break time="800ms"/>Grüße, <say-as interpret-as="digits">4711</say-as> 😀 bye.</speak>`
	c.sendChunks(doc, 3)
	c.send(msg{"type": "flush"})
	g := c.collect()
	if len(g.other) > 0 {
		t.Fatalf("messages besides audio: %+v", g.other)
	}
	if g.done.Characters != utf8.RuneCountInString(doc) {
		t.Errorf("done.characters %d, want %d (markup counts)", g.done.Characters, utf8.RuneCountInString(doc))
	}
	pcm := samplesOf(g.pcm)
	at := soundEnd(samplesOf(alone.pcm)) + protocol.SampleRate*4/10
	if gap := gapAt(pcm, at); gap < 790*time.Millisecond || gap > 810*time.Millisecond {
		t.Errorf("break of 800ms measures %v", gap)
	}
	// "four seven one one" is longer than "4711" read as a number would be,
	// and the rest is spoken: the whole is several seconds.
	if d := audio.Duration(len(pcm), protocol.SampleRate); d < 4*time.Second {
		t.Errorf("%v of audio", d)
	}
}

// TestSSMLErrors: malformed markup is refused with an error naming the tag
// and the position, the session goes on, and nothing of the refused
// message is spoken or counted; markup left open at the flush is reported
// and the rest spoken.
func TestSSMLErrors(t *testing.T) {
	h := newHarness(t)
	c := h.dial(t)
	c.config(h.key, msg{"text_type": "ssml"})
	c.send(msg{"type": "text", "text": "Hello "})
	c.send(msg{"type": "text", "text": `<break time="soon"/>world`})
	e := c.expect(protocol.TypeError)
	if e.Code != int(protocol.CloseInvalid) || !strings.Contains(e.Message, "<break> at offset 6") || !strings.Contains(e.Message, `time "soon"`) {
		t.Fatalf("error %+v", e)
	}
	c.send(msg{"type": "text", "text": `there & everyone`})
	e = c.expect(protocol.TypeError)
	if !strings.Contains(e.Message, "offset 12") || !strings.Contains(e.Message, "&amp;") {
		t.Fatalf("error %+v", e)
	}
	c.send(msg{"type": "text", "text": `<prosody rate="slow">there</prosody>, my friend.`})
	c.send(msg{"type": "flush"})
	g := c.collect()
	if len(g.other) > 0 {
		t.Fatalf("messages besides audio: %+v", g.other)
	}
	if want := utf8.RuneCountInString(`Hello <prosody rate="slow">there</prosody>, my friend.`); g.done.Characters != want {
		t.Errorf("done.characters %d, want %d: refused messages are not counted", g.done.Characters, want)
	}
	if rms := pcmRMS(g.pcm); rms < 300 || len(g.pcm) < 2*protocol.SampleRate {
		t.Errorf("%d bytes of audio, RMS %.0f", len(g.pcm), rms)
	}

	// Unclosed at the flush: reported, then spoken and done.
	c.send(msg{"type": "text", "text": `<speak><emphasis>Really now`})
	c.send(msg{"type": "flush"})
	var errs []protocol.ServerMessage
	for {
		f := c.next()
		if f.m.Type == protocol.TypeError {
			errs = append(errs, f.m)
			continue
		}
		if f.m.Type == protocol.TypeDone {
			if f.m.TotalChunks == 0 {
				t.Fatalf("nothing spoken of an unclosed document")
			}
			break
		}
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "<emphasis> at offset 7: is not closed") {
		t.Fatalf("errors %+v", errs)
	}
	// The session goes on.
	c.send(msg{"type": "ping"})
	c.expect(protocol.TypePong)
}

// TestSSMLChargesMarkup: a generation's usage is every character the
// client sent, markup included, as done.characters says.
func TestSSMLChargesMarkup(t *testing.T) {
	h := newHarness(t)
	secret, k := quotaKey(t, h, 100_000)
	c := h.dial(t)
	c.config(secret, msg{"text_type": "ssml"})
	doc := `<speak><p>This first sentence is long enough to be cut into a segment of its own.</p>` +
		`<p><prosody rate="fast">A second one</prosody> with <sub alias="the consortium">W3C</sub>.<break time="300ms"/></p></speak>`
	c.sendChunks(doc, 7)
	c.send(msg{"type": "flush"})
	g := c.collect()
	want := int64(utf8.RuneCountInString(doc))
	if int64(g.done.Characters) != want {
		t.Fatalf("done.characters %d, want %d", g.done.Characters, want)
	}
	waitFor(t, func() bool { return usage(t, h, k) == 3_000_000-100_000+want })
}

// TestSessionProsody: config speed and pitch change the voice for the
// whole session.
func TestSessionProsody(t *testing.T) {
	h := newHarness(t)
	const text = "Every morning the baker opens the shop and sells fresh bread."
	measure := func(extra msg) (time.Duration, float64) {
		c := h.dial(t)
		c.config(h.key, extra)
		g := c.speak(text)
		pcm := samplesOf(g.pcm)
		return audio.Duration(len(pcm), protocol.SampleRate), audio.AnalyzePitch(pcm, protocol.SampleRate).MedianHz
	}
	d, f0 := measure(msg{"language": "English"})
	fast, _ := measure(msg{"language": "English", "speed": 1.6})
	_, high := measure(msg{"language": "English", "pitch": 5})
	if fast > d*75/100 {
		t.Errorf("speed 1.6: %v of audio against %v", fast, d)
	}
	if st := 12 * math.Log2(high/f0); st < 3 || st > 7 {
		t.Errorf("pitch +5: F0 %.0f Hz against %.0f Hz, %.1f semitones", high, f0, st)
	}
	c := h.dial(t)
	c.send(msg{"type": "config", "api_key": h.key, "speed": 3})
	if fs := c.expectClose(protocol.CloseInvalid); len(fs) == 0 || !strings.Contains(fs[len(fs)-1].m.Message, "speed must be between 0.5 and 2") {
		t.Fatalf("speed 3: %+v", fs)
	}
}

// dictionary saves a pronunciation dictionary for the account of secret.
func dictionary(t *testing.T, h *harness, secret string, d pronounce.Dictionary) string {
	t.Helper()
	p, err := auth.Keys{DB: h.srv.Store()}.Authenticate(context.Background(), secret)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := (&pronstore.Store{DB: h.srv.Store()}).Create(context.Background(), p, d)
	if err != nil {
		t.Fatal(err)
	}
	return saved.ID
}

// TestSessionPronunciations: a config's dictionaries change what is said;
// another account's dictionary is unknown.
func TestSessionPronunciations(t *testing.T) {
	h := newHarness(t)
	id := dictionary(t, h, h.key, pronounce.Dictionary{Name: "acronyms", Entries: []pronounce.Entry{
		{Text: "W3C", Alias: "the World Wide Web Consortium, which writes the standards of the web"},
	}})
	const text = "We follow the W3C."
	plain := h.dial(t)
	plain.config(h.key, msg{"language": "English"})
	without := plain.speak(text)
	with := h.dial(t)
	with.config(h.key, msg{"language": "English", "pronunciation_dictionaries": []string{id}})
	g := with.speak(text)
	if len(g.pcm) < 2*len(without.pcm) {
		t.Errorf("with the alias %d bytes of audio, without %d: the alias is much longer", len(g.pcm), len(without.pcm))
	}
	if g.done.Characters != len(text) {
		t.Errorf("done.characters %d: the client's text is what counts", g.done.Characters)
	}

	other := h.createKey(t, "realtime")
	c := h.dial(t)
	c.send(msg{"type": "config", "api_key": other, "pronunciation_dictionaries": []string{id}})
	c.expect(protocol.TypeConfigAck)
	fs := c.expectClose(protocol.CloseInvalid)
	if len(fs) == 0 || !strings.Contains(fs[len(fs)-1].m.Message, "unknown pronunciation dictionary") {
		t.Fatalf("another account's dictionary: %+v", fs)
	}
}

// TestMurmrClientSeesNoChange: a client that sends none of the new config
// fields (or text_type "text") gets exactly the messages it always got,
// field for field, and the audio of the plain pipeline, sample for sample
// (flite is bit-exact); markup in its text is text, as ever.
func TestMurmrClientSeesNoChange(t *testing.T) {
	h := newHarness(t)
	const text = "Hello from a murmr client. <b>This</b> is plain text, streamed in pieces; <break/> is not a pause here."
	var first [][]byte
	for i, extra := range []msg{{"language": "English"}, {"language": "English", "text_type": "text"}} {
		c := h.dial(t)
		c.send(merge(msg{"type": "config", "api_key": h.key}, extra))
		typ, ack, err := c.c.Read(c.ctx)
		if err != nil || typ != websocket.MessageText {
			t.Fatal(err)
		}
		if ks := keysOf(t, ack); !slices.Equal(ks, []string{"session_id", "type"}) {
			t.Fatalf("config_ack fields %v", ks)
		}
		c.sendTokens(text, 5)
		c.send(msg{"type": "flush"})
		frames := rawFrames(t, c)
		var pcm []byte
		for _, f := range frames[:len(frames)-1] {
			if ks := keysOf(t, f); !slices.Equal(ks, []string{"chunk", "format", "sample_rate", "type"}) {
				t.Fatalf("audio fields %v", ks)
			}
			var a protocol.Audio
			_ = json.Unmarshal(f, &a)
			b, err := base64.StdEncoding.DecodeString(a.Chunk)
			if err != nil {
				t.Fatal(err)
			}
			pcm = append(pcm, b...)
		}
		if ks := keysOf(t, frames[len(frames)-1]); !slices.Equal(ks, []string{"audio_duration_ms", "characters", "duration_ms", "first_chunk_latency_ms", "total_chunks", "type"}) {
			t.Fatalf("done fields %v", ks)
		}
		if i == 0 {
			first = frames
			// The audio is the plain pipeline's.
			want := plainAudio(t, text)
			if got := samplesOf(pcm); !slices.Equal(got, want) {
				t.Fatalf("audio differs from the plain pipeline's: %d samples, want %d", len(got), len(want))
			}
			continue
		}
		if len(frames) != len(first) {
			t.Fatalf(`text_type "text": %d frames, without it %d`, len(frames), len(first))
		}
		for j := range frames[:len(frames)-1] {
			if string(frames[j]) != string(first[j]) {
				t.Fatalf(`text_type "text": frame %d differs`, j)
			}
		}
	}
}

func merge(a, b msg) msg {
	for k, v := range b {
		a[k] = v
	}
	return a
}

// plainAudio is what the plain text pipeline makes of text with the
// default voice, segment by segment as a session cuts it.
func plainAudio(t *testing.T, text string) []int16 {
	t.Helper()
	e, err := engine.Open(engine.Config{DisableEspeak: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	p := &tts.Pipeline{Engine: e}
	segs, err := p.Split(text, protocol.English, voice.Default())
	if err != nil {
		t.Fatal(err)
	}
	var out []int16
	for i := range segs {
		if err := p.SpeakPrepared(context.Background(), &segs[i], func(pcm []int16) error {
			out = append(out, pcm...)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

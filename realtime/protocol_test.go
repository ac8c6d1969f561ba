//go:build !e2e

package realtime_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/engine/enginetest"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/store"
	"github.com/parley-voice/parley/textnorm"
	"github.com/parley-voice/parley/voice"
)

// The protocol tests: PROTOCOL.md section 1, case by case, against a node
// whose engine is enginetest.Engine. Its audio is a function of the text,
// so each test knows the exact bytes a client must receive.

const sentence = "The quick brown fox jumps over the lazy dog."

// errStore is how a failing store's error reads.
var errStore = errors.New("store: open /srv/parley/data/parley.db: disk I/O error")

func decodeChunk(t *testing.T, chunk string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(chunk)
	if err != nil {
		t.Fatalf("audio chunk is not base64: %v", err)
	}
	return b
}

// made returns the audio eng made for its calls from the from'th on, as
// it goes on the wire.
func made(eng *enginetest.Engine, from int) []byte {
	var b []byte
	for _, c := range eng.Calls()[from:] {
		b = audio.PCMToBytes(b, eng.PCM(c.Text)[:c.Samples])
	}
	return b
}

// spoken returns the texts eng was given from its from'th call on.
func spoken(eng *enginetest.Engine, from int) []string {
	var out []string
	for _, c := range eng.Calls()[from:] {
		out = append(out, c.Text)
	}
	return out
}

// checkExact checks that g is exactly the audio eng made from its from'th
// call on, one frame per engine chunk, and that done counts it, and counts
// text's characters.
func checkExact(t *testing.T, g generation, eng *enginetest.Engine, from int, text string) {
	t.Helper()
	want := made(eng, from)
	if !bytes.Equal(g.pcm, want) {
		t.Fatalf("received %d bytes of audio, want the %d bytes the engine made for %q", len(g.pcm), len(want), spoken(eng, from))
	}
	chunks := 0
	for _, c := range eng.Calls()[from:] {
		chunks += (c.Samples + enginetest.ChunkSamples - 1) / enginetest.ChunkSamples
	}
	d := g.done
	if g.chunks != chunks || d.TotalChunks != chunks {
		t.Errorf("%d chunks received, done.total_chunks %d; the engine made %d", g.chunks, d.TotalChunks, chunks)
	}
	if ms := int64(len(want)/2) * 1000 / protocol.SampleRate; d.AudioDurationMS != ms {
		t.Errorf("done.audio_duration_ms %d, want %d", d.AudioDurationMS, ms)
	}
	if n := utf8.RuneCountInString(text); d.Characters != n {
		t.Errorf("done.characters %d, want %d", d.Characters, n)
	}
	if d.FirstChunkLatencyMS < 0 || d.FirstChunkLatencyMS > d.DurationMS {
		t.Errorf("done.first_chunk_latency_ms %d, duration_ms %d", d.FirstChunkLatencyMS, d.DurationMS)
	}
}

func TestConfigAck(t *testing.T) {
	n := newNode(t)
	seen := map[string]bool{}
	for i := 0; i < 5; i++ {
		c := n.dial(t)
		c.send(msg{"type": "config", "api_key": n.key})
		// config_ack is the first frame, whatever authentication does.
		f := c.next()
		if f.m.Type != protocol.TypeConfigAck || !strings.HasPrefix(f.m.SessionID, "sess_") || seen[f.m.SessionID] {
			t.Fatalf("first frame %+v; ids so far %v", f.m, seen)
		}
		seen[f.m.SessionID] = true
	}
}

// TestVoiceAndLanguageReachTheEngine: the config's voice and language are
// what the engine is asked for; Auto detects each segment's language.
func TestVoiceAndLanguageReachTheEngine(t *testing.T) {
	n := newNode(t)
	const desc = "a deep slow British man"
	cases := []struct {
		config msg
		text   string
		lang   protocol.Language
		voice  voice.Profile
	}{
		{msg{}, sentence, protocol.English, voice.Default()},
		{msg{"voice_description": desc, "language": "english"}, sentence, protocol.English, voice.Design(desc)},
		{msg{"language": "Auto"}, "Guten Morgen, wie geht es Ihnen heute? Ich hoffe, es geht Ihnen gut.", protocol.German, voice.Default()},
		{msg{"language": "Spanish"}, "Hola, buenos días.", protocol.Spanish, voice.Default()},
	}
	for _, tc := range cases {
		from := len(n.eng.Calls())
		c := n.dial(t)
		c.config(n.key, tc.config)
		checkExact(t, c.speak(tc.text), n.eng, from, tc.text)
		want := tc.voice.VoiceFor(tc.lang)
		for _, call := range n.eng.Calls()[from:] {
			if call.Language != tc.lang || call.Voice != want {
				t.Errorf("config %v: engine asked for %s in %+v, want %s in %+v", tc.config, call.Language, call.Voice, tc.lang, want)
			}
		}
	}
}

func TestGenerationJSONMode(t *testing.T) {
	n := newNode(t)
	c := n.dial(t)
	c.config(n.key, msg{"language": "English"})
	g := c.speak(sentence)
	checkExact(t, g, n.eng, 0, sentence)
	if len(g.other) != 0 {
		t.Errorf("unexpected messages in the generation: %+v", g.other)
	}
	if got := spoken(n.eng, 0); !slices.Equal(got, []string{sentence}) {
		t.Errorf("engine spoke %q", got)
	}
}

// TestTextQueuedBeforeAuthCompletes: config_ack comes before the key is
// checked; text sent meanwhile waits, unspoken, and is spoken once it is.
func TestTextQueuedBeforeAuthCompletes(t *testing.T) {
	n := newNode(t)
	release := n.keys.hold()
	c := n.dial(t)
	c.send(msg{"type": "config", "api_key": n.key})
	c.sendTokens(sentence, 5)
	c.send(msg{"type": "flush"})
	c.expect(protocol.TypeConfigAck)
	c.send(msg{"type": "ping"})
	c.expect(protocol.TypePong)
	if calls := n.eng.Calls(); len(calls) != 0 {
		t.Fatalf("spoken before authentication: %+v", calls)
	}
	release()
	checkExact(t, c.collect(), n.eng, 0, sentence)
}

func TestSeveralGenerationsOnOneSocket(t *testing.T) {
	n := newNode(t)
	c := n.dial(t)
	c.config(n.key, nil)
	for _, text := range []string{"First, a short one.", "Second: a slightly longer sentence, with a clause.", "Third and last."} {
		from := len(n.eng.Calls())
		checkExact(t, c.speak(text), n.eng, from, text)
	}
}

// TestBinaryMode: after binary_mode_ack, audio comes as binary frames
// carrying the same bytes as JSON mode's chunks; done stays JSON.
func TestBinaryMode(t *testing.T) {
	n := newNode(t)
	js := n.dial(t)
	js.config(n.key, nil)
	gj := js.speak(sentence)
	bin := n.dial(t)
	bin.config(n.key, nil)
	bin.send(msg{"type": "binary_mode"})
	ack := bin.expect(protocol.TypeBinaryModeAck)
	if ack.SampleRate != 24000 || ack.Format != "pcm_s16le" {
		t.Fatalf("binary_mode_ack = %+v", ack)
	}
	from := len(n.eng.Calls())
	bin.sendTokens(sentence, 3)
	bin.send(msg{"type": "flush"})
	var g generation
	for {
		f := bin.next()
		if f.binary != nil {
			g.pcm = append(g.pcm, f.binary...)
			g.chunks++
			continue
		}
		if f.m.Type != protocol.TypeDone {
			t.Fatalf("in binary mode: %+v", f.m)
		}
		g.done = f.m.Done()
		break
	}
	checkExact(t, g, n.eng, from, sentence)
	if !bytes.Equal(gj.pcm, g.pcm) {
		t.Fatal("JSON and binary modes carried different audio for the same text")
	}
}

// TestTextBuffering: the segments the engine is given (normalised) for
// text streamed in tokens and then flushed (PROTOCOL.md, "Text
// buffering"). audioFirst says whether audio must flow before the flush.
func TestTextBuffering(t *testing.T) {
	words := func(n int) string { return strings.TrimSpace(strings.Repeat("word ", n)) }
	cases := []struct {
		name       string
		config     msg
		text       string
		segments   []string
		audioFirst bool
	}{
		{"short text waits for flush", nil, "Hello there. How are you?", []string{"Hello there. How are you?"}, false},
		{"sentence end after 50 characters", nil, "This first sentence is long enough to be spoken at once. And this one waits",
			[]string{"This first sentence is long enough to be spoken at once.", "And this one waits"}, true},
		{"clause break after 50 characters", nil, "When the buffer holds more than fifty characters, a clause is",
			[]string{"When the buffer holds more than fifty characters,", "a clause is"}, true},
		{"first segment: a clause of 20 characters", nil, "Well, to answer your question, I think so",
			[]string{"Well, to answer your question,", "I think so"}, true},
		{"min_first_segment_chars lengthens it", msg{"min_first_segment_chars": 40}, "Well, to answer your question, I think so",
			[]string{"Well, to answer your question, I think so"}, false},
		{"200 characters without a boundary: cut between words", nil, words(48) + " end",
			[]string{words(40), words(8) + " end"}, true},
		{"abbreviations and decimals are no boundary", nil, "Dr. Smith and Mrs. Jones met at 10.30 a.m. to talk about the weather",
			[]string{"Dr. Smith and Mrs. Jones met at 10.30 a.m. to talk about the weather"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := newNode(t)
			c := n.dial(t)
			cfg := msg{"language": "English"}
			for k, v := range tc.config {
				cfg[k] = v
			}
			c.config(n.key, cfg)
			c.sendTokens(tc.text, 3)
			c.send(msg{"type": "ping"})
			c.expect(protocol.TypePong, protocol.TypeAudio)
			if tc.audioFirst {
				c.expect(protocol.TypeAudio)
			}
			c.send(msg{"type": "flush"})
			g := c.collect()
			var want []string
			for _, s := range tc.segments {
				want = append(want, strings.TrimSpace(textnorm.Normalize(s, protocol.English)))
			}
			if got := spoken(n.eng, 0); !slices.Equal(got, want) {
				t.Fatalf("segments spoken %q, want %q", got, want)
			}
			if !tc.audioFirst {
				checkExact(t, g, n.eng, 0, tc.text)
			} else if g.done.Characters != len(tc.text) {
				t.Fatalf("done.characters %d, want %d", g.done.Characters, len(tc.text))
			}
		})
	}
}

func TestFlushWithoutTextGetsDone(t *testing.T) {
	n := newNode(t)
	c := n.dial(t)
	c.config(n.key, nil)
	c.send(msg{"type": "flush"})
	if d := c.expect(protocol.TypeDone).Done(); d.TotalChunks != 0 || d.AudioDurationMS != 0 || d.Characters != 0 {
		t.Fatalf("done for an empty flush = %+v", d)
	}
	checkExact(t, c.speak(sentence), n.eng, 0, sentence)
	if got := n.usage.used(n.keyID); got != int64(len(sentence)) {
		t.Fatalf("usage %d after an empty flush and a sentence, want %d", got, len(sentence))
	}
}

func TestPing(t *testing.T) {
	n := newNode(t)
	c := n.dial(t)
	c.config(n.key, nil)
	c.send(msg{"type": "ping"})
	c.expect(protocol.TypePong)
}

// TestClearMidGeneration: clear stops the engine within a chunk, no audio
// of the cleared generation follows cleared, it has no done, and it is
// charged for what was spoken only.
func TestClearMidGeneration(t *testing.T) {
	eng := &enginetest.Engine{Pace: 5 * time.Millisecond}
	n := newNode(t, func(nc *nodeConfig) { nc.engine = eng })
	c := n.dial(t)
	c.config(n.key, nil)
	c.send(msg{"type": "binary_mode"})
	c.expect(protocol.TypeBinaryModeAck)
	long := strings.Repeat("This is a long passage that keeps the engine busy for a while. ", 12)
	c.sendTokens(long, 40)
	c.send(msg{"type": "flush"})
	if f := c.next(); f.binary == nil {
		t.Fatalf("want audio first, got %+v", f.m)
	}
	c.send(msg{"type": "clear"})
	var heard []byte
	for {
		f := c.next()
		if f.binary != nil {
			heard = append(heard, f.binary...)
			continue
		}
		if f.m.Type != protocol.TypeCleared {
			t.Fatalf("got %+v before cleared (a cleared generation has no done)", f.m)
		}
		break
	}
	waitFor(t, func() bool { return n.usage.used(n.keyID) > 0 })
	calls := eng.Calls()
	if last := calls[len(calls)-1]; last.Samples == len(enginetest.PCM(last.Text)) {
		t.Fatalf("the engine finished its segment (%d samples): clear did not stop it", last.Samples)
	}
	total := 0
	for _, call := range calls {
		total += call.Samples
	}
	if len(heard) > 2*total {
		t.Fatalf("%d bytes heard of the %d samples made", len(heard), total)
	}
	// Charged what was spoken, a segment at a time: far less than the text.
	if used := n.usage.used(n.keyID); used >= int64(len(long)) {
		t.Fatalf("a cleared generation charged %d characters of %d", used, len(long))
	}
	// The socket goes on with nothing of the old generation.
	from := len(eng.Calls())
	checkExact(t, c.speak(sentence), eng, from, sentence)
}

func TestClearWithNothingInProgress(t *testing.T) {
	n := newNode(t)
	c := n.dial(t)
	c.config(n.key, nil)
	c.send(msg{"type": "text", "text": "Dropped text"})
	c.send(msg{"type": "clear"})
	c.expect(protocol.TypeCleared)
	checkExact(t, c.speak(sentence), n.eng, 0, sentence)
	if got := spoken(n.eng, 0); !slices.Equal(got, []string{sentence}) {
		t.Fatalf("text before clear leaked into the next generation: %q", got)
	}
}

// TestBufferOverflowKeepsEarlierText: text that would take the buffer
// past 4,096 characters, counting segments cut but not yet spoken, is
// refused with a non-fatal error; what came before is kept and spoken.
func TestBufferOverflowKeepsEarlierText(t *testing.T) {
	// A tenth of the usual audio per character: a full buffer is 20 s.
	eng := &enginetest.Engine{PerRune: enginetest.SamplesPerRune / 10}
	n := newNode(t, func(nc *nodeConfig) { nc.engine = eng })
	release := n.keys.hold() // nothing is spoken: cut segments wait
	c := n.dial(t)
	c.config(n.key, msg{"language": "English"})
	c.send(msg{"type": "binary_mode"})
	c.expect(protocol.TypeBinaryModeAck)
	// Sentences, cut into segments that wait for authentication, then
	// words of 99 letters, a letter each, until one is refused.
	sent := strings.Repeat("Keep this sentence for later, please. ", 80)
	c.send(msg{"type": "text", "text": sent})
	var refused string
	for i := 0; refused == ""; i++ {
		word := strings.Repeat(string(rune('a'+i)), 99) + " "
		c.send(msg{"type": "text", "text": word})
		c.send(msg{"type": "ping"})
		switch f := c.next(); f.m.Type {
		case protocol.TypePong:
			sent += word
		case protocol.TypeError:
			if f.m.Code != 4003 || f.m.Message != "buffer overflow" || utf8.RuneCountInString(sent) < protocol.MaxBufferChars-len(word)-200 {
				t.Fatalf("after %d characters: %+v, want buffer overflow 4003", len(sent), f.m)
			}
			c.expect(protocol.TypePong)
			refused = word
		default:
			t.Fatalf("got %+v", f.m)
		}
	}
	c.send(msg{"type": "text", "text": "y"}) // the session goes on
	sent += "y"
	c.send(msg{"type": "flush"})
	release()
	g := c.collect()
	if text := strings.Join(spoken(eng, 0), " "); strings.Contains(text, strings.TrimSpace(refused)) {
		t.Fatalf("the refused text was spoken")
	}
	checkExact(t, g, eng, 0, sent)
}

// TestSegmentTooLongWhenSpoken: a segment that normalisation expands past
// tts.MaxSpokenChars is refused with a non-fatal error, uncharged.
func TestSegmentTooLongWhenSpoken(t *testing.T) {
	n := newNode(t)
	c := n.dial(t)
	c.config(n.key, nil)
	c.send(msg{"type": "text", "text": strings.Repeat("%", 3000)}) // "percent" 3,000 times
	c.send(msg{"type": "flush"})
	g := c.collect()
	if len(g.other) != 1 || g.other[0].Type != protocol.TypeError || g.other[0].Code != 4003 ||
		!strings.HasPrefix(g.other[0].Message, "segment not spoken: it is") || g.chunks != 0 {
		t.Fatalf("generation %+v, %d chunks", g.other, g.chunks)
	}
	checkExact(t, c.speak(sentence), n.eng, 0, sentence)
	if got := n.usage.used(n.keyID); got != int64(len(sentence)) {
		t.Fatalf("usage %d, want the sentence's %d", got, len(sentence))
	}
}

// invalidFrames are client frames that close the socket with 4003, sent
// after a valid config (preamble) or instead of it.
var invalidFrames = []struct {
	name     string
	typ      websocket.MessageType
	frame    []byte
	preamble bool
}{
	{"not JSON", websocket.MessageText, []byte("hello"), true},
	{"unknown type", websocket.MessageText, []byte(`{"type":"shout"}`), true},
	{"missing field", websocket.MessageText, []byte(`{"type":"text"}`), true},
	{"wrong-typed field", websocket.MessageText, []byte(`{"type":"text","text":42}`), true},
	{"invalid UTF-8", websocket.MessageText, []byte("{\"type\":\"text\",\"text\":\"\xc3\x28\"}"), true},
	{"binary frame", websocket.MessageBinary, []byte{1, 2, 3, 4}, true},
	{"frame over 64 KiB", websocket.MessageText, []byte(`{"type":"text","text":"` + strings.Repeat("a", 70000) + `"}`), true},
	{"deep JSON", websocket.MessageText, []byte(`{"type":"text","text":"hi","x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`), true},
	{"second config", websocket.MessageText, []byte(`{"type":"config","api_key":"x"}`), true},
	{"text before config", websocket.MessageText, []byte(`{"type":"text","text":"hi"}`), false},
	{"unsupported language", websocket.MessageText, []byte(`{"type":"config","api_key":"x","language":"Klingon"}`), false},
	{"config without key", websocket.MessageText, []byte(`{"type":"config"}`), false},
	{"voice description over 500", websocket.MessageText, []byte(`{"type":"config","api_key":"x","voice_description":"` + strings.Repeat("a", 501) + `"}`), false},
	{"two voices", websocket.MessageText, []byte(`{"type":"config","api_key":"x","voice":"voice_a","voice_description":"calm"}`), false},
	{"negative min_first_segment_chars", websocket.MessageText, []byte(`{"type":"config","api_key":"x","min_first_segment_chars":-1}`), false},
}

// TestInvalidMessagesClose4003: each is answered with an error 4003 saying
// what was wrong, then the close, and is counted; nothing is spoken.
func TestInvalidMessagesClose4003(t *testing.T) {
	n := newNode(t)
	for _, tc := range invalidFrames {
		t.Run(tc.name, func(t *testing.T) {
			before := counter(t, n.metrics, "parley_errors_total", "4003")
			c := n.dial(t)
			if tc.preamble {
				c.config(n.key, nil)
			}
			c.sendRaw(tc.typ, tc.frame)
			frames := c.expectClose(protocol.CloseInvalid)
			if len(frames) != 1 || frames[0].m.Type != protocol.TypeError || frames[0].m.Code != 4003 || frames[0].m.Message == "" {
				t.Fatalf("frames before the close: %+v, want one error 4003", frames)
			}
			if got := counter(t, n.metrics, "parley_errors_total", "4003"); got != before+1 {
				t.Fatalf("errors counted %v, want %v", got, before+1)
			}
		})
	}
	if calls := n.eng.Calls(); len(calls) != 0 {
		t.Fatalf("spoken: %+v", calls)
	}
}

func TestAuthTimeout4001(t *testing.T) {
	n := newNode(t, func(nc *nodeConfig) { nc.realtime.ConfigTimeout = 200 * time.Millisecond })
	c := n.dial(t)
	start := time.Now()
	frames := c.expectClose(protocol.CloseAuthTimeout)
	if len(frames) != 1 || frames[0].m.Message != protocol.ErrAuthTimeout.Message || time.Since(start) < 150*time.Millisecond {
		t.Fatalf("after %v: frames %+v", time.Since(start), frames)
	}
	// A config in time stops the clock.
	ok := n.dial(t)
	ok.config(n.key, nil)
	time.Sleep(300 * time.Millisecond)
	checkExact(t, ok.speak(sentence), n.eng, 0, sentence)
}

func TestAuthFailure4002(t *testing.T) {
	n := newNode(t)
	revoked, id := n.keys.create(t, "realtime")
	n.keys.revoke(id)
	for _, tc := range []struct{ name, key, message string }{
		{"unknown key", "pk_unknown", protocol.ErrAuthFailed.Message},
		{"revoked key", revoked, protocol.ErrAuthFailed.Message},
		{"plan without WebSocket access", n.freeKey, protocol.ErrNoRealtime.Message},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := n.dial(t)
			// Text queued before the failure is dropped, never spoken.
			c.send(msg{"type": "config", "api_key": tc.key})
			c.send(msg{"type": "text", "text": sentence})
			c.send(msg{"type": "flush"})
			frames := c.expectClose(protocol.CloseAuthFailed)
			if len(frames) != 2 || frames[0].m.Type != protocol.TypeConfigAck || frames[1].m.Message != tc.message {
				t.Fatalf("frames before the close: %+v, want config_ack and %q", frames, tc.message)
			}
		})
	}
	if calls := n.eng.Calls(); len(calls) != 0 {
		t.Fatalf("unauthenticated text spoken: %+v", calls)
	}
}

// TestKeyStoreFailure4005: a key store that fails closes the session with
// 4005 and a generic message; the detail is logged.
func TestKeyStoreFailure4005(t *testing.T) {
	n := newNode(t)
	n.keys.setFail(errStore)
	c := n.dial(t)
	c.send(msg{"type": "config", "api_key": n.key})
	frames := c.expectClose(protocol.CloseServerError)
	if last := frames[len(frames)-1]; last.m.Message != protocol.ErrServer.Message {
		t.Fatalf("frames before the close: %+v", frames)
	}
	waitFor(t, func() bool { return strings.Contains(n.logs.String(), errStore.Error()) })
}

// TestStoreUnavailable4005: a session that cannot start because the store
// cannot be reached is closed with 4005 and a message that says so, so
// that the client reconnects rather than look for its own mistake.
func TestStoreUnavailable4005(t *testing.T) {
	n := newNode(t)
	n.keys.setFail(fmt.Errorf("auth: %w: connection refused", store.ErrUnavailable))
	c := n.dial(t)
	c.send(msg{"type": "config", "api_key": n.key})
	frames := c.expectClose(protocol.CloseServerError)
	if last := frames[len(frames)-1].m; !strings.Contains(last.Message, "temporarily unavailable") || strings.Contains(last.Message, "refused") {
		t.Fatalf("error %+v", last)
	}
}

// TestVoiceErrors: a voice the client got wrong is a 4003 that says so; one
// that cannot be looked up because the server failed is a 4005 with a
// generic message, the error's text (with its path) for the log only.
func TestVoiceErrors(t *testing.T) {
	n := newNode(t)
	c := n.dial(t)
	c.config(n.key, msg{"voice": "voice_aaaaaaaaaaaaaaaaaaaa"})
	frames := c.expectClose(protocol.CloseInvalid)
	if last := frames[len(frames)-1].m; !strings.Contains(last.Message, `unknown voice "voice_aaaaaaaaaaaaaaaaaaaa"`) {
		t.Fatalf("error %+v", last)
	}

	c = n.dial(t)
	c.config(n.key, msg{"voice": brokenVoiceID})
	frames = c.expectClose(protocol.CloseServerError)
	for _, f := range frames {
		if strings.Contains(f.m.Message, "/srv/parley") || strings.Contains(f.m.Message, "disk I/O") {
			t.Errorf("the client was sent %+v", f.m)
		}
	}
	if len(frames) == 0 || frames[len(frames)-1].m.Message != protocol.ErrServer.Message {
		t.Errorf("frames before the close: %+v; want the generic error", frames)
	}
	waitFor(t, func() bool { return strings.Contains(n.logs.String(), brokenStore) })
}

func TestBearerHeaderExtension(t *testing.T) {
	n := newNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, n.url, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"bearer " + n.key}}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)
	c := &client{t: t, c: conn, ctx: ctx, stop: cancel}
	c.send(msg{"type": "config"})
	c.expect(protocol.TypeConfigAck)
	checkExact(t, c.speak(sentence), n.eng, 0, sentence)
}

// TestSchedulingDeadline: a generation's first segment is needed now; a
// later one when the audio queued before it has played, less a margin
// (realtime's startMargin, 250 ms).
func TestSchedulingDeadline(t *testing.T) {
	n := newNode(t)
	c := n.dial(t)
	c.config(n.key, nil)
	first := "This first sentence is long enough to be spoken at once. "
	start := time.Now()
	c.send(msg{"type": "text", "text": first + "And the second one follows it."})
	c.send(msg{"type": "flush"})
	c.collect()
	calls := n.eng.Calls()
	if len(calls) != 2 {
		t.Fatalf("segments %q", spoken(n.eng, 0))
	}
	if d := calls[0].Due; d.Before(start) || d.After(time.Now()) {
		t.Fatalf("first segment due %v, want the moment it was asked for", d)
	}
	played := audio.Duration(calls[0].Samples, protocol.SampleRate)
	// playFrom is when the first chunk was queued, just after the first
	// segment was asked for.
	if gap := calls[1].Due.Sub(calls[0].Due); gap < played-250*time.Millisecond || gap > played {
		t.Fatalf("second segment due %v after the first, want %v of audio less 250 ms", gap, played)
	}
}

// TestShutdownDrains1001: buffered text is spoken, done sent, and the
// socket closed with 1001; no new session is accepted.
func TestShutdownDrains1001(t *testing.T) {
	n := newNode(t)
	c := n.dial(t)
	c.config(n.key, nil)
	const text = "Finish this sentence before you go"
	c.sendTokens(text, 6) // no flush
	c.send(msg{"type": "ping"})
	c.expect(protocol.TypePong)
	errc := make(chan error, 1)
	go func() { errc <- n.shutdown(context.Background()) }()
	frames := c.expectClose(protocol.CloseGoingAway)
	var g generation
	for _, f := range frames {
		switch f.m.Type {
		case protocol.TypeAudio:
			g.pcm = append(g.pcm, decodeChunk(t, f.m.Chunk)...)
			g.chunks++
		case protocol.TypeDone:
			g.done = f.m.Done()
		default:
			t.Fatalf("drain sent %+v", f.m)
		}
	}
	checkExact(t, g, n.eng, 0, text)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if c, _, err := websocket.Dial(context.Background(), n.url, nil); err == nil {
		c.CloseNow()
		t.Fatal("dial after shutdown succeeded")
	}
}

func TestClientCloseNormal(t *testing.T) {
	n := newNode(t)
	c := n.dial(t)
	c.config(n.key, nil)
	c.speak("Bye.")
	if err := c.c.Close(websocket.StatusNormalClosure, "bye"); err != nil {
		t.Fatalf("close handshake: %v", err)
	}
	waitFor(t, func() bool {
		return n.rt.Sessions() == 0 && counter(t, n.metrics, "parley_realtime_closes_total", "1000") == 1
	})
}

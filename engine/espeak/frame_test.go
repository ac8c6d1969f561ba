package espeak

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// decodeOne parses a frame body of any type.
func decodeOne(t *testing.T, typ frameType, body []byte) any {
	t.Helper()
	var v any
	var err error
	switch typ {
	case frameHello:
		v, err = parseHello(body)
	case frameRequest:
		v, err = parseRequest(body)
	case frameCancel:
		v, err = parseCancel(body)
	case frameAudio:
		var id uint64
		var pcm []int16
		id, pcm, err = parseAudio(body)
		v = audioFrame{id, pcm}
	case frameEnd:
		v, err = parseEnd(body)
	case framePhonemize:
		v, err = parsePhonemize(body)
	case frameClauses:
		var id uint64
		var clauses []wireClause
		id, clauses, err = parseClauses(body)
		v = clausesFrame{id, clauses}
	case frameWords:
		var id uint64
		var ws []Word
		id, ws, err = parseWords(body)
		v = wordsFrame{id, ws}
	default:
		t.Fatalf("unknown frame type %q", typ)
	}
	if err != nil {
		t.Fatalf("parsing %q: %v", typ, err)
	}
	return v
}

type wordsFrame struct {
	id    uint64
	words []Word
}

type audioFrame struct {
	id  uint64
	pcm []int16
}

type clausesFrame struct {
	id      uint64
	clauses []wireClause
}

func TestFrameRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		typ   frameType
		write func(*encoder) error
		want  any
	}{
		{"hello", frameHello, func(e *encoder) error { return e.hello(hello{protocolVersion, 22050, ""}) },
			hello{protocolVersion, 22050, ""}},
		{"hello with error", frameHello, func(e *encoder) error { return e.hello(hello{1, 0, "no data"}) },
			hello{1, 0, "no data"}},
		{"request", frameRequest, func(e *encoder) error {
			return e.request(wireRequest{7, Params{Voice: "en-us", Variant: "f2", Rate: 250, Pitch: Zero, Range: 100, Volume: 150}, "Héllo,\x00 world", false})
		}, wireRequest{7, Params{Voice: "en-us", Variant: "f2", Rate: 250, Pitch: Zero, Range: 100, Volume: 150}, "Héllo,\x00 world", false}},
		{"request with words", frameRequest, func(e *encoder) error {
			return e.request(wireRequest{8, Params{Voice: "en-us", Phonemes: true}, "Hi.", true})
		}, wireRequest{8, Params{Voice: "en-us", Phonemes: true}, "Hi.", true}},
		{"words", frameWords, func(e *encoder) error {
			return e.words(13, []Word{{0, 0, 5}, {22050, 6, 11}})
		}, wordsFrame{13, []Word{{0, 0, 5}, {22050, 6, 11}}}},
		{"empty request", frameRequest, func(e *encoder) error { return e.request(wireRequest{}) }, wireRequest{}},
		{"cancel", frameCancel, func(e *encoder) error { return e.cancel(1<<63 + 5) }, uint64(1<<63 + 5)},
		{"audio", frameAudio, func(e *encoder) error { return e.audio(3, []int16{0, 1, -1, 32767, -32768}) },
			audioFrame{3, []int16{0, 1, -1, 32767, -32768}}},
		{"end ok", frameEnd, func(e *encoder) error { return e.end(end{id: 9}) }, end{id: 9}},
		{"end failed", frameEnd, func(e *encoder) error { return e.end(end{9, statusFailed, "boom"}) }, end{9, statusFailed, "boom"}},
		{"phonemize", framePhonemize, func(e *encoder) error { return e.phonemize(wirePhonemize{11, "de", "Grüß Gott."}) },
			wirePhonemize{11, "de", "Grüß Gott."}},
		{"clauses", frameClauses, func(e *encoder) error {
			return e.clauses(12, []Clause{{"Hello, ", "həlˈoʊ", ','}, {"world", "wˈɜːld", 0}, {"", "", '?'}})
		}, clausesFrame{12, []wireClause{{7, ',', "həlˈoʊ"}, {5, 0, "wˈɜːld"}, {0, '?', ""}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			enc := encoder{w: &buf}
			if err := tt.write(&enc); err != nil {
				t.Fatal(err)
			}
			if n := binary.LittleEndian.Uint32(buf.Bytes()); int(n) != buf.Len()-4 {
				t.Fatalf("length prefix %d for %d bytes", n, buf.Len()-4)
			}
			dec := decoder{r: &buf}
			typ, body, err := dec.next()
			if err != nil {
				t.Fatal(err)
			}
			if typ != tt.typ {
				t.Fatalf("type %q, want %q", typ, tt.typ)
			}
			if got := decodeOne(t, typ, body); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("decoded %+v, want %+v", got, tt.want)
			}
			if _, _, err := dec.next(); err != io.EOF {
				t.Errorf("after the frame: %v, want io.EOF", err)
			}
		})
	}
}

// TestAudioSplits checks that a chunk too long for one frame goes out as
// several, in order.
func TestAudioSplits(t *testing.T) {
	pcm := make([]int16, maxAudioSamples*2+10)
	for i := range pcm {
		pcm[i] = int16(i)
	}
	var buf bytes.Buffer
	enc := encoder{w: &buf}
	if err := enc.audio(4, pcm); err != nil {
		t.Fatal(err)
	}
	dec := decoder{r: &buf}
	var got []int16
	frames := 0
	for {
		typ, body, err := dec.next()
		if err == io.EOF {
			break
		}
		if err != nil || typ != frameAudio {
			t.Fatalf("frame %d: %q, %v", frames, typ, err)
		}
		id, chunk, err := parseAudio(body)
		if err != nil || id != 4 {
			t.Fatalf("frame %d: id %d, %v", frames, id, err)
		}
		got = append(got, chunk...)
		frames++
	}
	if frames != 3 || !slices.Equal(got, pcm) {
		t.Errorf("%d frames holding %d samples, want 3 holding %d", frames, len(got), len(pcm))
	}
}

// TestClausesSplit checks that clauses too many for one frame go out as
// several, each within the limit, and come back whole.
func TestClausesSplit(t *testing.T) {
	var text strings.Builder
	var want []Clause
	for i := range 9 {
		ph := strings.Repeat(string(rune('a'+i)), 300<<10)
		c := Clause{Text: strings.Repeat("x", 5<<10+i) + ". ", Phonemes: ph, Punct: '.'}
		want = append(want, c)
		text.WriteString(c.Text)
	}
	var buf bytes.Buffer
	enc := encoder{w: &buf}
	if err := enc.clauses(6, want); err != nil {
		t.Fatal(err)
	}
	dec := decoder{r: &buf}
	ph := phonemes{text: text.String()}
	frames := 0
	for {
		typ, body, err := dec.next()
		if err == io.EOF {
			break
		}
		if err != nil || typ != frameClauses {
			t.Fatalf("frame %d: %q, %v", frames, typ, err)
		}
		id, clauses, err := parseClauses(body)
		if err != nil || id != 6 {
			t.Fatalf("frame %d: id %d, %v", frames, id, err)
		}
		// Of 300 KiB clauses, three fit a frame.
		if len(clauses) != 3 && len(clauses) != 9%3 {
			t.Errorf("frame %d holds %d clauses", frames, len(clauses))
		}
		if err := ph.add(clauses); err != nil {
			t.Fatal(err)
		}
		frames++
	}
	if err := ph.complete(); err != nil {
		t.Fatal(err)
	}
	if frames != 3 || !reflect.DeepEqual(ph.clauses, want) {
		t.Errorf("%d frames holding %d clauses, want 3 holding %d", frames, len(ph.clauses), len(want))
	}
	if err := (&encoder{w: io.Discard}).clauses(1, nil); err != nil {
		t.Errorf("no clauses: %v", err)
	}
}

// TestPhonemesChecks checks what the pool refuses in a worker's clauses
// and what a worker refuses to send.
func TestPhonemesChecks(t *testing.T) {
	ph := phonemes{text: "Hi. Bye."}
	if err := ph.add([]wireClause{{4, '.', "hˈaɪ"}}); err != nil {
		t.Fatal(err)
	}
	if err := ph.complete(); !errors.Is(err, errProtocol) {
		t.Errorf("clauses short of the text: %v", err)
	}
	if err := ph.add([]wireClause{{5, '.', "bˈaɪ"}}); !errors.Is(err, errProtocol) {
		t.Errorf("a clause past the text: %v", err)
	}
	if err := ph.add([]wireClause{{1<<32 - 1, '.', ""}}); !errors.Is(err, errProtocol) {
		t.Errorf("a clause of 4 GiB: %v", err)
	}
	if err := ph.add([]wireClause{{4, '.', "bˈaɪ"}}); err != nil || ph.complete() != nil {
		t.Errorf("the rest: %v", err)
	}
	want := []Clause{{"Hi. ", "hˈaɪ", '.'}, {"Bye.", "bˈaɪ", '.'}}
	if !reflect.DeepEqual(ph.clauses, want) {
		t.Errorf("clauses %q, want %q", ph.clauses, want)
	}

	over := phonemes{text: "Hi."}
	many := make([]wireClause, maxClausesCost(3)/clauseMemory+1)
	if err := over.add(many); !errors.Is(err, errProtocol) {
		t.Errorf("%d empty clauses for 3 bytes: %v", len(many), err)
	}
	if err := over.add([]wireClause{{3, '.', strings.Repeat("a", maxClausesCost(3))}}); !errors.Is(err, errProtocol) {
		t.Errorf("phonemes over the cost: %v", err)
	}

	if err := checkClauses("Hi.", []Clause{{"Hi.", strings.Repeat("a", maxClausesBody), '.'}}); !errors.Is(err, errPhonemesTooLong) {
		t.Errorf("a clause over a frame: %v", err)
	}
	if err := checkClauses("Hi.", []Clause{{"Hi.", strings.Repeat("a", maxClausesCost(3)), '.'}}); !errors.Is(err, errPhonemesTooLong) {
		t.Errorf("phonemes over the cost: %v", err)
	}
	if err := checkClauses("Hi.", []Clause{{"Hi.", "hˈaɪ", '.'}}); err != nil {
		t.Errorf("a clause: %v", err)
	}
}

func TestEncoderRejectsHugeFrame(t *testing.T) {
	enc := encoder{w: io.Discard}
	err := enc.request(wireRequest{text: string(make([]byte, maxFrame))})
	if !errors.Is(err, errProtocol) {
		t.Errorf("request over maxFrame = %v, want a protocol error", err)
	}
	if n := requestSize(Params{}, string(make([]byte, MaxTextBytes))); n > maxFrame {
		t.Errorf("a request of MaxTextBytes needs %d bytes, over maxFrame", n)
	}
}

// frame builds raw frame bytes: a length prefix counting typ and body.
func frame(n uint32, typ frameType, body ...byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, n)
	return append(append(b, byte(typ)), body...)
}

func TestDecoderErrors(t *testing.T) {
	u64 := binary.LittleEndian.AppendUint64(nil, 1)
	tests := []struct {
		name  string
		input []byte
		want  error // from next
	}{
		{"zero length", frame(0, frameAudio), errProtocol},
		{"length over the limit", frame(maxFrame+1, frameAudio), errProtocol},
		{"length 4 GiB", frame(1<<32-1, frameAudio), errProtocol},
		{"ends in the prefix", []byte{1, 0}, io.ErrUnexpectedEOF},
		{"ends before the type", []byte{1, 0, 0, 0}, io.ErrUnexpectedEOF},
		{"ends in the body", frame(100, frameAudio, 1, 2, 3), io.ErrUnexpectedEOF},
		{"claims the limit, sends little", frame(maxFrame, frameAudio, 1, 2, 3), io.ErrUnexpectedEOF},
		{"empty input", nil, io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec := decoder{r: bytes.NewReader(tt.input)}
			if _, _, err := dec.next(); !errors.Is(err, tt.want) {
				t.Errorf("next() = %v, want %v", err, tt.want)
			}
			if cap(dec.buf) > len(tt.input)+readStep {
				t.Errorf("allocated %d bytes for %d of input", cap(dec.buf), len(tt.input))
			}
		})
	}

	bodies := []struct {
		name  string
		parse func([]byte) error
		body  []byte
	}{
		{"short hello", func(b []byte) error { _, err := parseHello(b); return err }, []byte{1, 0, 2}},
		{"hello string past the end", func(b []byte) error { _, err := parseHello(b); return err },
			append([]byte{1, 0, 0, 0, 0, 0}, 255, 255, 255, 255, 'x')},
		{"cancel with extra bytes", func(b []byte) error { _, err := parseCancel(b); return err }, append(slices.Clone(u64), 0)},
		{"odd audio", func(b []byte) error { _, _, err := parseAudio(b); return err }, append(slices.Clone(u64), 1, 2, 3)},
		{"audio without id", func(b []byte) error { _, _, err := parseAudio(b); return err }, []byte{1, 2}},
		{"end with unknown status", func(b []byte) error { _, err := parseEnd(b); return err }, append(slices.Clone(u64), 200, 0, 0, 0, 0)},
		{"request cut short", func(b []byte) error { _, err := parseRequest(b); return err }, append(slices.Clone(u64), 1, 2, 3)},
		{"phonemize without text", func(b []byte) error { _, err := parsePhonemize(b); return err }, append(slices.Clone(u64), 0, 0, 0, 0)},
		{"clauses without id", func(b []byte) error { _, _, err := parseClauses(b); return err }, []byte{1, 2}},
		{"clause cut short", func(b []byte) error { _, _, err := parseClauses(b); return err }, append(slices.Clone(u64), 3, 0, 0, 0, '.', 0, 0)},
		{"clause phonemes past the end", func(b []byte) error { _, _, err := parseClauses(b); return err },
			append(slices.Clone(u64), 3, 0, 0, 0, '.', 9, 0, 0, 0, 'a')},
		{"clause punctuation unknown", func(b []byte) error { _, _, err := parseClauses(b); return err },
			append(slices.Clone(u64), 3, 0, 0, 0, '-', 0, 0, 0, 0)},
		{"clause punctuation not ASCII", func(b []byte) error { _, _, err := parseClauses(b); return err },
			append(slices.Clone(u64), 3, 0, 0, 0, 0xbf, 0, 0, 0, 0)},
	}
	for _, tt := range bodies {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.parse(tt.body); !errors.Is(err, errProtocol) {
				t.Errorf("parse = %v, want a protocol error", err)
			}
		})
	}
}

// TestEndErrors checks that errors cross the pipe keeping their message
// and what they match.
func TestEndErrors(t *testing.T) {
	tests := []struct {
		err  error
		want []error // matched after the round trip
	}{
		{nil, nil},
		{fmt.Errorf("%w %q", ErrUnknownVoice, "xx"), []error{ErrUnknownVoice}},
		{fmt.Errorf("%w %q", ErrUnknownVariant, "zz"), []error{ErrUnknownVariant}},
		{fmt.Errorf("%w: rate 5", ErrInvalidParams), []error{ErrInvalidParams}},
		{errors.New("espeak-ng: synthesis failed (espeak_ERROR 1)"), nil},
		{context.Canceled, []error{ErrWorkerDied}},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		enc := encoder{w: &buf}
		if err := enc.end(endFor(5, tt.err)); err != nil {
			t.Fatal(err)
		}
		dec := decoder{r: &buf}
		_, body, err := dec.next()
		if err != nil {
			t.Fatal(err)
		}
		e, err := parseEnd(body)
		if err != nil {
			t.Fatal(err)
		}
		got := e.err()
		if (got == nil) != (tt.err == nil) {
			t.Errorf("%v came back as %v", tt.err, got)
			continue
		}
		for _, w := range tt.want {
			if !errors.Is(got, w) {
				t.Errorf("%v came back as %v, which is not %v", tt.err, got, w)
			}
		}
		if tt.err != nil && !errors.Is(tt.err, context.Canceled) && got.Error() != tt.err.Error() {
			t.Errorf("message %q came back as %q", tt.err, got)
		}
	}
}

// FuzzDecoder feeds arbitrary bytes to the decoder and every parser: they
// must not panic, and memory must grow with the input actually supplied,
// never with what a length prefix claims.
func FuzzDecoder(f *testing.F) {
	var seed bytes.Buffer
	enc := encoder{w: &seed}
	enc.hello(hello{protocolVersion, 22050, ""})
	enc.request(wireRequest{1, Params{Voice: "en-us"}, "Hello.", true})
	enc.words(1, []Word{{10, 0, 5}})
	enc.audio(1, []int16{1, 2, 3})
	enc.cancel(1)
	enc.end(end{1, statusFailed, "x"})
	enc.phonemize(wirePhonemize{2, "en-us", "Hi, you."})
	enc.clauses(2, []Clause{{"Hi, ", "hˈaɪ", ','}, {"you.", "juː", '.'}})
	f.Add(seed.Bytes())
	f.Add(frame(maxFrame, frameAudio, 1, 2))
	f.Add(frame(1<<31, frameRequest))
	f.Add(append(frame(13, frameRequest), 255, 255, 255, 255))
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := decoder{r: bytes.NewReader(data)}
		for {
			_, body, err := dec.next()
			if cap(dec.buf) > len(data)+readStep {
				t.Fatalf("allocated %d bytes for %d of input", cap(dec.buf), len(data))
			}
			if err != nil {
				return
			}
			parseHello(body)
			parseRequest(body)
			parseCancel(body)
			parseAudio(body)
			if e, err := parseEnd(body); err == nil {
				e.err()
			}
			parsePhonemize(body)
			parseClauses(body)
			parseWords(body)
		}
	})
}

// FuzzWords feeds arbitrary words frame bodies, for a request of textLen
// bytes, to parseWords and to what the pool makes of them: a body that
// parses encodes back to itself, and the words a call takes lie within
// the text and number at most one per byte and one.
func FuzzWords(f *testing.F) {
	var seed bytes.Buffer
	(&encoder{w: &seed}).words(3, []Word{{0, 0, 2}, {100, 3, 7}})
	f.Add(uint16(7), seed.Bytes()[5:])
	f.Add(uint16(0), binary.LittleEndian.AppendUint64(nil, 3))
	f.Add(uint16(1), append(binary.LittleEndian.AppendUint64(nil, 3), 1, 2, 3))
	f.Fuzz(func(t *testing.T, textLen uint16, body []byte) {
		id, ws, err := parseWords(body)
		if err != nil {
			if !errors.Is(err, errProtocol) {
				t.Fatalf("parseWords = %v, not a protocol error", err)
			}
			return
		}
		var again bytes.Buffer
		if len(ws) > 0 {
			(&encoder{w: &again}).words(id, ws)
			if !bytes.Equal(again.Bytes()[5:], body) {
				t.Fatalf("%x encodes back as %x", body, again.Bytes()[5:])
			}
		}
		var got []Word
		c := &call{ctx: context.Background(), textLen: int(textLen), words: func(w []Word) { got = append(got, w...) }}
		wanted, err := c.wordEvents(ws)
		if err != nil {
			if !errors.Is(err, errProtocol) {
				t.Fatalf("wordEvents = %v, not a protocol error", err)
			}
			return
		}
		if !wanted || len(got) != len(ws) || len(got) > int(textLen)+1 {
			t.Fatalf("wanted %v, %d of %d words taken for %d bytes", wanted, len(got), len(ws), textLen)
		}
		for _, w := range got {
			if w.TextStart > w.TextEnd || w.TextEnd > int(textLen) {
				t.Fatalf("word %+v for %d bytes of text", w, textLen)
			}
		}
	})
}

// appendClause encodes c as a clauses frame carries it.
func appendClause(b []byte, c wireClause) []byte {
	b = binary.LittleEndian.AppendUint32(b, c.n)
	b = append(b, byte(c.punct))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(c.phonemes)))
	return append(b, c.phonemes...)
}

// FuzzClauses feeds arbitrary clauses frame bodies, for a text, to
// parseClauses and to what the pool builds from them: a body that parses
// encodes back to itself, and the clauses the pool keeps are consecutive
// pieces of the text, within the cost bound.
func FuzzClauses(f *testing.F) {
	id := binary.LittleEndian.AppendUint64(nil, 3)
	seed := appendClause(appendClause(slices.Clone(id), wireClause{4, ',', "hˈaɪ"}), wireClause{4, '.', "juː"})
	f.Add("Hi, you.", seed)
	f.Add("Hi.", appendClause(slices.Clone(id), wireClause{9, '.', "x"}))
	f.Add("", slices.Clone(id))
	f.Add("x", append(slices.Clone(id), 1, 0, 0, 0, '?', 255, 255, 255, 255))
	f.Fuzz(func(t *testing.T, text string, body []byte) {
		gotID, clauses, err := parseClauses(body)
		if err != nil {
			if !errors.Is(err, errProtocol) {
				t.Fatalf("parseClauses = %v, not a protocol error", err)
			}
			return
		}
		again := binary.LittleEndian.AppendUint64(nil, gotID)
		for _, c := range clauses {
			if c.punct != 0 && !strings.ContainsRune(puncts, c.punct) {
				t.Fatalf("punctuation %q accepted", c.punct)
			}
			again = appendClause(again, c)
		}
		if !bytes.Equal(again, body) {
			t.Fatalf("%x encodes back as %x", body, again)
		}
		ph := phonemes{text: text}
		err = ph.add(clauses)
		if err != nil && !errors.Is(err, errProtocol) {
			t.Fatalf("add = %v, not a protocol error", err)
		}
		var joined strings.Builder
		for _, c := range ph.clauses {
			joined.WriteString(c.Text)
		}
		if joined.String() != text[:ph.at] {
			t.Fatalf("clauses join to %q, want %q", joined.String(), text[:ph.at])
		}
		if ph.cost > maxClausesCost(len(text)) {
			t.Fatalf("cost %d over %d", ph.cost, maxClausesCost(len(text)))
		}
		if err == nil && len(ph.clauses) != len(clauses) {
			t.Fatalf("%d of %d clauses kept", len(ph.clauses), len(clauses))
		}
	})
}

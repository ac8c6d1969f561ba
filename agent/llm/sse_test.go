package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// decodeAll reads every event from r, returning each as "type|data", and
// the error that ended the stream.
func decodeAll(r io.Reader) ([]string, error) {
	d := newSSEDecoder(r)
	var out []string
	for {
		ev, err := d.next()
		if err != nil {
			return out, err
		}
		out = append(out, ev.Type+"|"+string(ev.Data))
	}
}

func TestSSEDecoder(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"lf", "data: a\n\ndata: b\n\n", []string{"|a", "|b"}},
		{"crlf", "data: a\r\n\r\ndata: b\r\n\r\n", []string{"|a", "|b"}},
		{"cr", "data: a\r\rdata: b\r\r", []string{"|a", "|b"}},
		{"mixed terminators", "data: a\r\n\ndata: b\r\rdata: c\n\r\n", []string{"|a", "|b", "|c"}},
		{"multi-line data", "data: {\"a\":\ndata: 1}\n\n", []string{"|{\"a\":\n1}"}},
		{"no space after colon", "data:x\n\n", []string{"|x"}},
		{"only one space stripped", "data:  x\n\n", []string{"| x"}},
		{"comments and blank keep-alives", ": ping\n\n\n\n:\n\ndata: a\n\n", []string{"|a"}},
		{"id and retry ignored", "id: 7\nretry: 100\ndata: a\n\n", []string{"|a"}},
		{"event type", "event: error\ndata: boom\n\ndata: next\n\n", []string{"error|boom", "|next"}},
		{"event type reset by empty event", "event: error\n\ndata: a\n\n", []string{"|a"}},
		{"field without colon", "data\n\n", []string{"|"}},
		{"unknown field", "foo: bar\ndata: a\n\n", []string{"|a"}},
		{"last event without blank line", "data: a\n\ndata: [DONE]\n", []string{"|a", "|[DONE]"}},
		{"last line without terminator", "data: a\n\ndata: [DONE]", []string{"|a", "|[DONE]"}},
		{"empty", "", nil},
		{"comments only", ": hi\n: there\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []struct {
				name string
				r    io.Reader
			}{
				{"whole", strings.NewReader(tt.in)},
				{"byte by byte", iotest.OneByteReader(strings.NewReader(tt.in))},
			} {
				got, err := decodeAll(r.r)
				if err != io.EOF {
					t.Errorf("%s: err = %v, want io.EOF", r.name, err)
				}
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("%s: events = %q, want %q", r.name, got, tt.want)
				}
			}
		})
	}
}

// TestSSEDecoderDropped checks that a stream cut off by the transport
// reports io.ErrUnexpectedEOF and never dispatches the half-received event.
func TestSSEDecoderDropped(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"between events", "data: a\n\n", []string{"|a"}},
		{"mid line", "data: a\n\ndata: {\"choi", []string{"|a"}},
		{"before blank line", "data: a\n\ndata: b\n", []string{"|a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := io.MultiReader(strings.NewReader(tt.in), iotest.ErrReader(io.ErrUnexpectedEOF))
			got, err := decodeAll(r)
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("err = %v, want io.ErrUnexpectedEOF", err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("events = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSSEDecoderLineLimit(t *testing.T) {
	in := "data: " + strings.Repeat("x", maxLineLen) + "\n\n"
	_, err := decodeAll(strings.NewReader(in))
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v, want ErrMalformed", err)
	}
	// Just under the limit is fine.
	in = "data: " + strings.Repeat("x", maxLineLen-10) + "\n\n"
	got, err := decodeAll(strings.NewReader(in))
	if err != io.EOF || len(got) != 1 {
		t.Fatalf("got %d events, err %v; want 1 event and io.EOF", len(got), err)
	}
}

// FuzzSSEDecoder checks that how the bytes are split across reads never
// changes the events: the whole input at once and one byte at a time
// decode alike.
func FuzzSSEDecoder(f *testing.F) {
	for _, s := range []string{
		"data: a\n\n", "data: a\r\n\r\n", "data: a\r\rdata: b\r", ": c\n\ndata:x\ndata: y\n\n",
		"event: error\ndata: {}\n\n", "data: [DONE]", "\r\n\r\n\n\r",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		whole, err1 := decodeAll(bytes.NewReader(in))
		split, err2 := decodeAll(iotest.OneByteReader(bytes.NewReader(in)))
		if fmt.Sprintf("%q", whole) != fmt.Sprintf("%q", split) || !errors.Is(err1, err2) {
			t.Fatalf("whole: %q %v\nsplit: %q %v", whole, err1, split, err2)
		}
	})
}

// benchStream is an event stream like OpenAI's, one token per event.
func benchStream(tokens int) []byte {
	var b bytes.Buffer
	b.WriteString(`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}` + "\n\n")
	words := []string{" the", " quick", " brown", " fox", " jumps", " over", " lazy", " dogs", ".", " Hello"}
	for i := range tokens {
		c, _ := json.Marshal(words[i%len(words)])
		fmt.Fprintf(&b, `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":%s},"logprobs":null,"finish_reason":null}]}`+"\n\n", c)
	}
	b.WriteString(`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n\ndata: [DONE]\n\n")
	return b.Bytes()
}

// BenchmarkSSEParse measures parsing a streamed completion: framing the
// events and decoding each chunk's JSON, as Stream does.
func BenchmarkSSEParse(b *testing.B) {
	const tokens = 1000
	body := benchStream(tokens)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		s := &stream{ctx: b.Context(), onDelta: func(string) error { return nil }}
		if err := s.readEvents(bytes.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(tokens*b.N)/b.Elapsed().Seconds(), "tokens/s")
}

package protocol

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeClient(t *testing.T) {
	long := strings.Repeat("é", MaxVoiceDescriptionChars+1)
	tests := []struct {
		name    string
		in      string
		want    ClientMessage
		wantErr string // substring; empty means success
	}{
		{"config minimal", `{"type":"config","api_key":"k"}`, ClientMessage{Type: TypeConfig, Config: Config{APIKey: "k"}}, ""},
		{"config full", `{"type":"config","api_key":"k","voice_description":"a deep voice","language":"english","min_first_segment_chars":30}`,
			ClientMessage{Type: TypeConfig, Config: Config{APIKey: "k", VoiceDescription: "a deep voice", Language: "english", MinFirstSegmentChars: 30}}, ""},
		{"config without key parses (bearer header may carry it)", `{"type":"config"}`, ClientMessage{Type: TypeConfig}, ""},
		{"config key wrong type", `{"type":"config","api_key":5}`, ClientMessage{}, `"api_key" has the wrong type`},
		{"config two voices", `{"type":"config","api_key":"k","voice":"voice_1","voice_description":"x"}`, ClientMessage{}, "only one of"},
		{"config description too long", `{"type":"config","api_key":"k","voice_description":"` + long + `"}`, ClientMessage{}, "at most 500"},
		{"config negative first segment", `{"type":"config","api_key":"k","min_first_segment_chars":-1}`, ClientMessage{}, "must not be negative"},
		{"config extensions", `{"type":"config","api_key":"k","text_type":"SSML","pronunciation_dictionaries":["pd_a","pd_b"],"speed":1.5,"pitch":-3.5}`,
			ClientMessage{Type: TypeConfig, Config: Config{APIKey: "k", TextType: TextSSML, PronunciationDictionaries: []string{"pd_a", "pd_b"}, Speed: 1.5, Pitch: -3.5}}, ""},
		{"config text_type text is the default", `{"type":"config","api_key":"k","text_type":"text"}`, ClientMessage{Type: TypeConfig, Config: Config{APIKey: "k"}}, ""},
		{"config text_type unknown", `{"type":"config","api_key":"k","text_type":"markdown"}`, ClientMessage{}, `text_type "markdown" is not "text" or "ssml"`},
		{"config text_type wrong type", `{"type":"config","api_key":"k","text_type":1}`, ClientMessage{}, `"text_type" has the wrong type`},
		{"config four dictionaries", `{"type":"config","api_key":"k","pronunciation_dictionaries":["a","b","c","d"]}`, ClientMessage{}, "names 4 dictionaries, at most 3"},
		{"config dictionary twice", `{"type":"config","api_key":"k","pronunciation_dictionaries":["pd_a","pd_a"]}`, ClientMessage{}, "distinct dictionaries"},
		{"config dictionaries wrong type", `{"type":"config","api_key":"k","pronunciation_dictionaries":"pd_a"}`, ClientMessage{}, `"pronunciation_dictionaries" has the wrong type`},
		{"config speed too fast", `{"type":"config","api_key":"k","speed":2.5}`, ClientMessage{}, "speed must be between 0.5 and 2"},
		{"config speed zero", `{"type":"config","api_key":"k","speed":0}`, ClientMessage{}, "speed must be between 0.5 and 2"},
		{"config pitch too high", `{"type":"config","api_key":"k","pitch":13}`, ClientMessage{}, "pitch must be between -12 and 12 semitones"},
		{"text", `{"type":"text","text":"Hello"}`, ClientMessage{Type: TypeText, Text: "Hello"}, ""},
		{"text empty string", `{"type":"text","text":""}`, ClientMessage{Type: TypeText}, ""},
		{"text missing field", `{"type":"text"}`, ClientMessage{}, `missing field "text"`},
		{"text wrong type", `{"type":"text","text":["a"]}`, ClientMessage{}, `"text" has the wrong type`},
		{"text null", `{"type":"text","text":null}`, ClientMessage{}, `missing field "text"`},
		{"unknown fields ignored", `{"type":"flush","extra":{"deep":[1,2,3]}}`, ClientMessage{Type: TypeFlush}, ""},
		{"flush", `{"type":"flush"}`, ClientMessage{Type: TypeFlush}, ""},
		{"binary_mode", `{"type":"binary_mode"}`, ClientMessage{Type: TypeBinaryMode}, ""},
		{"ping", `{"type":"ping"}`, ClientMessage{Type: TypePing}, ""},
		{"clear", `{"type":"clear"}`, ClientMessage{Type: TypeClear}, ""},
		{"config timestamps", `{"type":"config","api_key":"k","timestamps":"Word"}`, ClientMessage{Type: TypeConfig, Config: Config{APIKey: "k", Timestamps: TimestampsWord}}, ""},
		{"config timestamps none", `{"type":"config","api_key":"k","timestamps":"none"}`, ClientMessage{Type: TypeConfig, Config: Config{APIKey: "k"}}, ""},
		{"config timestamps unknown", `{"type":"config","api_key":"k","timestamps":"phoneme"}`, ClientMessage{}, `timestamps "phoneme" is not "word" or "none"`},
		{"text with context", `{"type":"text","text":"Hi","context_id":"ctx-1"}`, ClientMessage{Type: TypeText, Text: "Hi", ContextID: "ctx-1"}, ""},
		{"flush with context", `{"type":"flush","context_id":"日本"}`, ClientMessage{Type: TypeFlush, ContextID: "日本"}, ""},
		{"clear with context", `{"type":"clear","context_id":"a"}`, ClientMessage{Type: TypeClear, ContextID: "a"}, ""},
		{"close_context", `{"type":"close_context","context_id":"a"}`, ClientMessage{Type: TypeCloseContext, ContextID: "a"}, ""},
		{"close_context without id", `{"type":"close_context"}`, ClientMessage{}, `close_context: missing field "context_id"`},
		{"context empty", `{"type":"text","text":"x","context_id":""}`, ClientMessage{}, "context_id must be 1 to 128 characters"},
		{"context too long", `{"type":"flush","context_id":"` + strings.Repeat("x", 129) + `"}`, ClientMessage{}, "context_id must be 1 to 128 characters"},
		{"context control", `{"type":"flush","context_id":"a\u0000"}`, ClientMessage{}, "control characters"},
		{"context wrong type", `{"type":"flush","context_id":7}`, ClientMessage{}, `"context_id" has the wrong type`},
		{"context on ping", `{"type":"ping","context_id":"a"}`, ClientMessage{}, "ping: context_id is not allowed"},
		{"unknown type", `{"type":"shout"}`, ClientMessage{}, `unknown message type "shout"`},
		{"type wrong type", `{"type":1}`, ClientMessage{}, `"type" has the wrong type`},
		{"missing type", `{"text":"x"}`, ClientMessage{}, `missing field "type"`},
		{"not json", `hello`, ClientMessage{}, "not valid JSON"},
		{"json array", `[1,2]`, ClientMessage{}, "wrong type"},
		{"two objects", `{"type":"ping"}{"type":"ping"}`, ClientMessage{}, "single JSON object"},
		{"empty", ``, ClientMessage{}, "not valid JSON"},
		{"invalid utf8", "{\"type\":\"text\",\"text\":\"\xff\xfe\"}", ClientMessage{}, "not valid UTF-8"},
		{"deep nesting", `{"type":"flush","x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, ClientMessage{}, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeClient([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("DecodeClient(%q) = %+v, want error containing %q", tt.in, got, tt.wantErr)
				}
				pe, ok := AsError(err)
				if !ok || pe.Code != CloseInvalid || !pe.Fatal {
					t.Fatalf("error %v is not a fatal 4003 protocol error", err)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %q does not contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeClient(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("DecodeClient(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestDecodeClientFrameLimit(t *testing.T) {
	big := `{"type":"text","text":"` + strings.Repeat("a", MaxFrameBytes) + `"}`
	if _, err := DecodeClient([]byte(big)); err != ErrFrameTooLarge {
		t.Fatalf("oversize frame: got %v, want ErrFrameTooLarge", err)
	}
}

func TestAppendAudioJSON(t *testing.T) {
	pcm := []byte{0x01, 0x00, 0xff, 0x7f, 0x00, 0x80}
	b := AppendAudioJSON([]byte("prefix"), pcm)
	if !strings.HasPrefix(string(b), "prefix") {
		t.Fatal("AppendAudioJSON did not append")
	}
	var a Audio
	if err := json.Unmarshal(b[len("prefix"):], &a); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	got, err := base64.StdEncoding.DecodeString(a.Chunk)
	if err != nil || string(got) != string(pcm) {
		t.Fatalf("chunk round trip = %v, %v", got, err)
	}
	if a.Type != TypeAudio || a.SampleRate != 24000 || a.Format != "pcm_s16le" {
		t.Fatalf("audio fields = %+v", a)
	}
}

// TestAppendContextAudioJSON: a named context's audio carries its id,
// escaped; the default context's is the murmr message as ever.
func TestAppendContextAudioJSON(t *testing.T) {
	pcm := []byte{1, 2, 3, 4}
	if a, b := AppendContextAudioJSON(nil, pcm, ""), AppendAudioJSON(nil, pcm); string(a) != string(b) {
		t.Fatalf("default context: %s, want %s", a, b)
	}
	b := AppendContextAudioJSON(nil, pcm, `a"b\日`)
	var m ServerMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	if m.ContextID != `a"b\日` || m.Type != TypeAudio || m.SampleRate != SampleRate {
		t.Fatalf("decoded %+v", m)
	}
}

func TestParseLanguage(t *testing.T) {
	for _, in := range []string{"", "auto", "AUTO", " Auto "} {
		if l, ok := ParseLanguage(in); !ok || l != Auto {
			t.Errorf("ParseLanguage(%q) = %q, %v; want Auto", in, l, ok)
		}
	}
	for _, l := range Languages {
		for _, in := range []string{string(l), strings.ToLower(string(l)), strings.ToUpper(string(l))} {
			if got, ok := ParseLanguage(in); !ok || got != l {
				t.Errorf("ParseLanguage(%q) = %q, %v; want %q", in, got, ok, l)
			}
		}
	}
	for _, in := range []string{"Klingon", "en", "eng lish"} {
		if _, ok := ParseLanguage(in); ok {
			t.Errorf("ParseLanguage(%q) accepted", in)
		}
	}
}

func TestDecodeServer(t *testing.T) {
	m, err := DecodeServer(Marshal(Done{Type: TypeDone, TotalChunks: 3, DurationMS: 40, FirstChunkLatencyMS: 12, AudioDurationMS: 900, Characters: 11}))
	if err != nil {
		t.Fatal(err)
	}
	if d := m.Done(); d.TotalChunks != 3 || d.DurationMS != 40 || d.FirstChunkLatencyMS != 12 || d.AudioDurationMS != 900 || d.Characters != 11 {
		t.Fatalf("done round trip = %+v", d)
	}
	if _, err := DecodeServer([]byte(`{"x":1}`)); err == nil {
		t.Fatal("message without type accepted")
	}
}

func FuzzDecodeClient(f *testing.F) {
	for _, s := range []string{`{"type":"config","api_key":"k","language":"French"}`, `{"type":"text","text":"Hi."}`,
		`{"type":"flush"}`, `{"type":"clear"}`, `{"type":"close_context","context_id":"a"}`, `{"type":"text","text":"x","context_id":"b"}`, `[]`, `{"type":null}`, "\xff", `{"type":"text","text":"\u00e9"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeClient(b)
		if err != nil {
			if pe, ok := AsError(err); !ok || pe.Code != CloseInvalid || !pe.Fatal {
				t.Fatalf("error %v is not a 4003 protocol error", err)
			}
			return
		}
		switch m.Type {
		case TypeConfig, TypeText, TypeFlush, TypeBinaryMode, TypePing, TypeClear, TypeCloseContext:
		default:
			t.Fatalf("accepted unknown type %q", m.Type)
		}
	})
}

package twilio

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// documented is the example of Twilio's "Secure webhooks" page.
var documented = struct {
	token, url, signature string
	params                url.Values
}{
	token:     "12345",
	url:       "https://mycompany.com/myapp.php?foo=1&bar=2",
	signature: "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
	params: url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"},
		"From": {"+12349013030"}, "To": {"+18005551212"}},
}

func TestSignatureDocumentedExample(t *testing.T) {
	if got := Signature(documented.token, documented.url, documented.params); got != documented.signature {
		t.Fatalf("Signature = %q, want Twilio's %q", got, documented.signature)
	}
	if !ValidSignature(documented.token, documented.signature, documented.url, documented.params) {
		t.Fatal("the documented signature does not validate")
	}
}

// TestSignatureRejectsForgeries: anything that differs from what Twilio
// signed fails.
func TestSignatureRejectsForgeries(t *testing.T) {
	tampered := url.Values{}
	for k, v := range documented.params {
		tampered[k] = v
	}
	tampered.Set("To", "+18005551213")
	extra := url.Values{"AccountSid": {"ACevil"}}
	for k, v := range documented.params {
		extra[k] = v
	}
	for name, c := range map[string]struct {
		token, sig, url string
		params          url.Values
	}{
		"wrong token":         {"54321", documented.signature, documented.url, documented.params},
		"tampered parameter":  {documented.token, documented.signature, documented.url, tampered},
		"added parameter":     {documented.token, documented.signature, documented.url, extra},
		"other path":          {documented.token, documented.signature, "https://mycompany.com/other.php?foo=1&bar=2", documented.params},
		"reordered query":     {documented.token, documented.signature, "https://mycompany.com/myapp.php?bar=2&foo=1", documented.params},
		"http for https":      {documented.token, documented.signature, "http://mycompany.com/myapp.php?foo=1&bar=2", documented.params},
		"no signature":        {documented.token, "", documented.url, documented.params},
		"signature of other":  {documented.token, Signature(documented.token, documented.url, tampered), documented.url, documented.params},
		"lower-cased base64":  {documented.token, strings.ToLower(documented.signature), documented.url, documented.params},
		"non-default port":    {documented.token, documented.signature, "https://mycompany.com:8443/myapp.php?foo=1&bar=2", documented.params},
		"signature truncated": {documented.token, documented.signature[:10], documented.url, documented.params},
	} {
		if ValidSignature(c.token, c.sig, c.url, c.params) {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestSignaturePorts: Twilio may sign the URL with or without the
// scheme's default port; either is accepted, whichever form is configured.
func TestSignaturePorts(t *testing.T) {
	p := url.Values{"CallSid": {"CA1"}}
	for _, c := range []struct{ configured, signed string }{
		{"https://example.com/v1/twilio/voice", "https://example.com:443/v1/twilio/voice"},
		{"https://example.com:443/v1/twilio/voice", "https://example.com/v1/twilio/voice"},
		{"http://example.com/v1/twilio/voice?x=1", "http://example.com:80/v1/twilio/voice?x=1"},
		{"https://[2001:db8::1]/v1/twilio/voice", "https://[2001:db8::1]:443/v1/twilio/voice"},
	} {
		if !ValidSignature("tok", Signature("tok", c.signed, p), c.configured, p) {
			t.Errorf("signed %s, checked as %s: refused", c.signed, c.configured)
		}
	}
	if ValidSignature("tok", Signature("tok", "https://example.com:80/v", p), "https://example.com/v", p) {
		t.Error("the http port accepted for https")
	}
}

// TestSignatureRepeatedParameter: a parameter given twice contributes each
// value, sorted, as Twilio's helper library signs it.
func TestSignatureRepeatedParameter(t *testing.T) {
	a := Signature("tok", "https://x/", url.Values{"A": {"2", "1"}, "B": {"x"}})
	b := Signature("tok", "https://x/", url.Values{"A": {"1", "2"}, "B": {"x"}})
	if a != b {
		t.Fatal("the order of a parameter's values changes the signature")
	}
	if a == Signature("tok", "https://x/", url.Values{"A": {"1"}, "B": {"x"}}) {
		t.Fatal("a second value does not count")
	}
}

func TestConnectStream(t *testing.T) {
	params := []Parameter{{"parley_token", "abc.def"}, {"instructions", `Say "hi" & <be> brief`}, {"language", "English"}}
	b, err := ConnectStream("wss://parley.example.com/v1/twilio/media", params, "Sorry & goodbye.")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Fatalf("no XML declaration: %s", b)
	}
	var doc struct {
		XMLName xml.Name `xml:"Response"`
		Say     string   `xml:"Say"`
		Connect struct {
			Stream struct {
				URL    string `xml:"url,attr"`
				Params []struct {
					Name  string `xml:"name,attr"`
					Value string `xml:"value,attr"`
				} `xml:"Parameter"`
			} `xml:"Stream"`
		} `xml:"Connect"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	if doc.Connect.Stream.URL != "wss://parley.example.com/v1/twilio/media" || len(doc.Connect.Stream.Params) != 3 || doc.Say != "Sorry & goodbye." {
		t.Fatalf("parsed %+v from %s", doc, b)
	}
	for i, p := range doc.Connect.Stream.Params {
		if p.Name != params[i].Name || p.Value != params[i].Value {
			t.Errorf("parameter %d: %+v, want %+v", i, p, params[i])
		}
	}
	for _, bad := range []string{"https://x/media", "wss://x/media?token=1", "not a url", "wss:///media"} {
		if _, err := ConnectStream(bad, nil, ""); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := ConnectStream("wss://x/m", []Parameter{{"a", "1"}, {"a", "2"}}, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("duplicate parameter: %v", err)
	}
}

func TestReject(t *testing.T) {
	var doc struct {
		Say    string    `xml:"Say"`
		Hangup *struct{} `xml:"Hangup"`
	}
	if err := xml.Unmarshal(Reject("Sorry & goodbye <now>"), &doc); err != nil || doc.Say != "Sorry & goodbye <now>" || doc.Hangup == nil {
		t.Fatalf("%+v %v", doc, err)
	}
}

// The examples of Twilio's "Media Streams - WebSocket Messages" page.
const (
	exConnected = `{"event": "connected", "protocol": "Call", "version": "1.0.0"}`
	exStart     = `{"event": "start", "sequenceNumber": "1", "start": {"accountSid": "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
  "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "callSid": "CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "tracks": ["inbound"],
  "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
  "customParameters": {"FirstName": "Jane", "LastName": "Doe", "RemoteParty": "Bob"}},
  "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}`
	exMedia = `{"event": "media", "sequenceNumber": "4", "media": {"track": "inbound", "chunk": "2", "timestamp": "5",
  "payload": "no+JhoaJjpzS"}, "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}`
	exStop = `{"event": "stop", "sequenceNumber": "5", "stop": {"accountSid": "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
  "callSid": "CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}, "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}`
	exDTMF = `{"event": "dtmf", "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "sequenceNumber": "5",
  "dtmf": {"track": "inbound_track", "digit": "1"}}`
	exMark = `{"event": "mark", "sequenceNumber": "4", "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "mark": {"name": "my label"}}`
)

func TestDecodeDocumentedExamples(t *testing.T) {
	const sid = "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
	payload := []byte{0x9e, 0x8f, 0x89, 0x86, 0x86, 0x89, 0x8e, 0x9c, 0xd2}
	for _, c := range []struct {
		in   string
		want Message
	}{
		{exConnected, Message{Event: "connected", Connected: &Connected{Protocol: "Call", Version: "1.0.0"}}},
		{exStart, Message{Event: "start", SequenceNumber: "1", StreamSid: sid, Start: &Start{StreamSid: sid,
			AccountSid: "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", CallSid: "CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", Tracks: []string{"inbound"},
			CustomParameters: map[string]string{"FirstName": "Jane", "LastName": "Doe", "RemoteParty": "Bob"},
			MediaFormat:      MediaFormat{Encoding: Encoding, SampleRate: SampleRate, Channels: Channels}}}},
		{exMedia, Message{Event: "media", SequenceNumber: "4", StreamSid: sid,
			Media: &Media{Track: "inbound", Chunk: "2", Timestamp: "5", Payload: payload}}},
		{exStop, Message{Event: "stop", SequenceNumber: "5", StreamSid: sid,
			Stop: &Stop{AccountSid: "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", CallSid: "CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}}},
		{exDTMF, Message{Event: "dtmf", SequenceNumber: "5", StreamSid: sid, DTMF: &DTMF{Track: "inbound_track", Digit: "1"}}},
		{exMark, Message{Event: "mark", SequenceNumber: "4", StreamSid: sid, Mark: &Mark{Name: "my label"}}},
	} {
		got, err := Decode([]byte(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Decode(%s)\n got %+v\nwant %+v", c.in, got, c.want)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	for in, field := range map[string]string{
		`not json`:                               "JSON",
		`{"streamSid":"MZ1"}`:                    `"event"`,
		`{"event":"start","sequenceNumber":"1"}`: "start",
		`{"event":"start","start":{"callSid":"CA1","accountSid":"AC1","mediaFormat":{}}}`:   "start.streamSid",
		`{"event":"start","start":{"streamSid":"MZ1","accountSid":"AC1","mediaFormat":{}}}`: "start.callSid",
		`{"event":"start","start":{"streamSid":"MZ1","callSid":"CA1","mediaFormat":{}}}`:    "start.accountSid",
		`{"event":"start","start":{"streamSid":"MZ1","callSid":"CA1","accountSid":"AC1"}}`:  "start.mediaFormat",
		`{"event":"media","media":{"payload":"***"}}`:                                       "media.payload",
		`{"event":"media"}`: "media",
		`{"event":"media","media":{"payload":"","chunk":"x"}}`:   "media.chunk",
		`{"event":"media","sequenceNumber":"-1","media":{}}`:     "sequenceNumber",
		`{"event":"dtmf","dtmf":{"digit":"12"}}`:                 "dtmf.digit",
		`{"event":"dtmf","dtmf":{"digit":"x"}}`:                  "dtmf.digit",
		`{"event":"mark","mark":{}}`:                             "mark.name",
		`{"event":"media","sequenceNumber":4,"media":{}}`:        "JSON",
		`{"event":"start","start":{"customParameters":{"a":1}}}`: "JSON",
	} {
		_, err := Decode([]byte(in))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), field) {
			t.Errorf("Decode(%s) = %v, want an error naming %s", in, err, field)
		}
	}
	m, err := Decode([]byte(`{"event":"newthing","streamSid":"MZ1"}`))
	if !errors.Is(err, ErrUnknownEvent) || m.Event != "newthing" {
		t.Errorf("unknown event: %+v %v", m, err)
	}
}

func TestEncode(t *testing.T) {
	check := func(b []byte, want map[string]any) {
		t.Helper()
		var got map[string]any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s\nwant %v", b, want)
		}
	}
	const sid = `MZ"1`
	check(EncodeMedia(sid, []byte{0xff, 0x00, 0x7f}), map[string]any{"event": "media", "streamSid": sid, "media": map[string]any{"payload": "/wB/"}})
	check(EncodeMark(sid, "t1.2.30"), map[string]any{"event": "mark", "streamSid": sid, "mark": map[string]any{"name": "t1.2.30"}})
	check(EncodeClear(sid), map[string]any{"event": "clear", "streamSid": sid})
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{exConnected, exStart, exMedia, exStop, exDTMF, exMark, `{"event":"x"}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			return
		}
		// A decoded message has exactly the part its event names.
		parts := map[string]bool{EventConnected: m.Connected != nil, EventStart: m.Start != nil, EventMedia: m.Media != nil,
			EventDTMF: m.DTMF != nil, EventMark: m.Mark != nil, EventStop: m.Stop != nil}
		for ev, set := range parts {
			if set != (ev == m.Event) {
				t.Fatalf("event %q with part %q set=%v", m.Event, ev, set)
			}
		}
		if m.Media != nil {
			// The payload survives re-encoding as the server would send it.
			back, err := Decode(EncodeMedia("MZ", m.Media.Payload))
			if err != nil || !bytes.Equal(back.Media.Payload, m.Media.Payload) {
				t.Fatalf("payload round trip: %v", err)
			}
		}
	})
}

func BenchmarkEncodeMedia(b *testing.B) {
	frame := make([]byte, 160) // 20 ms at 8 kHz
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		_ = EncodeMedia("MZ0123456789abcdef0123456789abcdef", frame)
	}
}

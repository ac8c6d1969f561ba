package twilio

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/url"
)

// Parameter is a <Parameter> of a <Stream>: it reaches the WebSocket
// server in the start message's customParameters.
type Parameter struct {
	Name, Value string
}

// ContentType is the type of a TwiML answer.
const ContentType = "text/xml; charset=utf-8"

// ConnectStream returns the TwiML that connects the call to a
// bidirectional media stream at streamURL (ws or wss, no query string),
// passing params to it. Twilio goes on past <Connect> only when the
// server closes the stream, so say, if not empty, is what the caller
// hears then, before Twilio hangs up.
func ConnectStream(streamURL string, params []Parameter, say string) ([]byte, error) {
	u, err := url.Parse(streamURL)
	if err != nil || (u.Scheme != "wss" && u.Scheme != "ws") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: stream URL %q must be wss://host/path, without a query string", ErrInvalid, streamURL)
	}
	seen := make(map[string]bool, len(params))
	for _, p := range params {
		if p.Name == "" || seen[p.Name] {
			return nil, fmt.Errorf("%w: parameter names must be unique and not empty (%q)", ErrInvalid, p.Name)
		}
		seen[p.Name] = true
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<Response><Connect><Stream url="`)
	escape(&b, streamURL)
	b.WriteString(`">`)
	for _, p := range params {
		b.WriteString(`<Parameter name="`)
		escape(&b, p.Name)
		b.WriteString(`" value="`)
		escape(&b, p.Value)
		b.WriteString(`"/>`)
	}
	b.WriteString("</Stream></Connect>")
	if say != "" {
		b.WriteString("<Say>")
		escape(&b, say)
		b.WriteString("</Say>")
	}
	b.WriteString("</Response>\n")
	return b.Bytes(), nil
}

// Reject returns the TwiML that says message to the caller and hangs up.
func Reject(message string) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<Response><Say>")
	escape(&b, message)
	b.WriteString("</Say><Hangup/></Response>\n")
	return b.Bytes()
}

// escape writes s as XML character data, fit for an attribute too;
// characters XML cannot carry become U+FFFD.
func escape(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s)) // a bytes.Buffer does not fail
}

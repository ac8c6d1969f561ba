package twiliosim

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Rate is the media streams' sample rate; a frame is 20 ms of it.
const (
	Rate  = 8000
	Frame = Rate / 50
)

// Account is the Twilio account the simulator acts for.
type Account struct {
	SID       string // "AC" and 32 hex digits
	AuthToken string
}

// NewAccount returns an account with a random SID and auth token.
func NewAccount() Account {
	return Account{SID: "AC" + randomHex(16), AuthToken: randomHex(16)}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Sign is X-Twilio-Signature for a POST of form to rawURL: Base64 of the
// HMAC-SHA1, keyed by the auth token, of the URL followed by every
// parameter's name and value, sorted by name.
func Sign(authToken, rawURL string, form url.Values) string {
	var b strings.Builder
	b.WriteString(rawURL)
	names := make([]string, 0, len(form))
	for n := range form {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, v := range form[n] {
			b.WriteString(n)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// CallForm is the form of a voice webhook for an inbound call.
func (a Account) CallForm(callSid, from, to string) url.Values {
	return url.Values{
		"AccountSid": {a.SID}, "ApiVersion": {"2010-04-01"}, "CallSid": {callSid}, "CallStatus": {"ringing"},
		"Called": {to}, "Caller": {from}, "Direction": {"inbound"}, "From": {from}, "To": {to},
		"CallerCountry": {"US"}, "ToCountry": {"US"},
	}
}

// NewCallSid returns a call SID: "CA" and 32 hex digits.
func NewCallSid() string { return "CA" + randomHex(16) }

// client makes requests without keeping connections, so that none
// outlives a test.
var client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}

// Post sends form to webhookURL with the signature, as Twilio sends a
// webhook, and returns the status and body of the answer.
func Post(ctx context.Context, webhookURL string, form url.Values, signature string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, webhookURL, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	if signature != "" {
		req.Header.Set("X-Twilio-Signature", signature)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, body, err
}

// TwiML is what the simulator understood of an answer.
type TwiML struct {
	StreamURL string
	Params    map[string]string
	// Say is the text of a <Say> (after <Connect>, or before <Hangup/>).
	Say    string
	Hangup bool
}

// ParseTwiML reads <Response><Connect><Stream url><Parameter/></Stream>
// </Connect><Say/></Response>, or <Say/><Hangup/>.
func ParseTwiML(b []byte) (TwiML, error) {
	var doc struct {
		XMLName xml.Name `xml:"Response"`
		Connect *struct {
			Stream *struct {
				URL    string `xml:"url,attr"`
				Params []struct {
					Name  string `xml:"name,attr"`
					Value string `xml:"value,attr"`
				} `xml:"Parameter"`
			} `xml:"Stream"`
		} `xml:"Connect"`
		Say    string    `xml:"Say"`
		Hangup *struct{} `xml:"Hangup"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		return TwiML{}, fmt.Errorf("twiliosim: TwiML: %w", err)
	}
	t := TwiML{Say: doc.Say, Hangup: doc.Hangup != nil, Params: map[string]string{}}
	if doc.Connect != nil && doc.Connect.Stream != nil {
		t.StreamURL = doc.Connect.Stream.URL
		for _, p := range doc.Connect.Stream.Params {
			t.Params[p.Name] = p.Value
		}
	}
	return t, nil
}

// Ring posts the signed webhook of a call from → to and reads the TwiML.
func (a Account) Ring(ctx context.Context, webhookURL, callSid, from, to string) (TwiML, error) {
	form := a.CallForm(callSid, from, to)
	status, body, err := Post(ctx, webhookURL, form, Sign(a.AuthToken, webhookURL, form))
	if err != nil {
		return TwiML{}, err
	}
	if status != http.StatusOK {
		return TwiML{}, fmt.Errorf("twiliosim: webhook answered %d: %s", status, body)
	}
	return ParseTwiML(body)
}

// Call is a connected media stream.
type Call struct {
	conn      *websocket.Conn
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	StreamSid string
	CallSid   string
	account   Account
	start     time.Time // the stream's start, for media timestamps

	writeMu sync.Mutex
	seq     int

	micMu   sync.Mutex
	speech  []int16       // queued for the microphone
	spoken  chan struct{} // closed when speech has been sent
	spokeAt time.Time     // when the first frame of speech was sent

	mu       sync.Mutex
	queue    []byte // received, not yet played
	received int64  // bytes of media received
	played   int64  // bytes played or cleared
	marks    []mark // not yet sent back
	log      []Event
	problems []string
}

type mark struct {
	pos  int64
	name string
}

// Event is something the server sent or the earpiece did, at its time.
type Event struct {
	At   time.Time
	Kind string // "media" (received), "mark" (received), "clear", "played" (20 ms played), "echo" (a mark sent back)
	// Audio is the μ-law of a media message or of a frame played.
	Audio []byte
	Mark  string
}

// Connect opens the TwiML's stream for the call and sends connected and
// start.
func (a Account) Connect(ctx context.Context, tw TwiML, callSid string) (*Call, error) {
	if tw.StreamURL == "" {
		return nil, errors.New("twiliosim: the TwiML has no <Stream>")
	}
	conn, _, err := websocket.Dial(ctx, tw.StreamURL, &websocket.DialOptions{HTTPClient: client})
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(1 << 20)
	cctx, cancel := context.WithCancel(context.Background())
	c := &Call{conn: conn, ctx: cctx, cancel: cancel, StreamSid: "MZ" + randomHex(16), CallSid: callSid, account: a, start: time.Now()}
	if err := c.send(map[string]any{"event": "connected", "protocol": "Call", "version": "1.0.0"}); err != nil {
		c.Drop()
		return nil, err
	}
	if err := c.send(map[string]any{"event": "start", "sequenceNumber": c.nextSeq(), "streamSid": c.StreamSid,
		"start": map[string]any{"accountSid": a.SID, "streamSid": c.StreamSid, "callSid": callSid, "tracks": []string{"inbound"},
			"mediaFormat":      map[string]any{"encoding": "audio/x-mulaw", "sampleRate": Rate, "channels": 1},
			"customParameters": tw.Params}}); err != nil {
		c.Drop()
		return nil, err
	}
	c.wg.Add(3)
	go func() { defer c.wg.Done(); c.readLoop() }()
	go func() { defer c.wg.Done(); c.micLoop() }()
	go func() { defer c.wg.Done(); c.earLoop() }()
	return c, nil
}

func (c *Call) nextSeq() string {
	c.seq++
	return strconv.Itoa(c.seq)
}

func (c *Call) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	return c.conn.Write(ctx, websocket.MessageText, b)
}

// sendSeq sends a message that carries the next sequence number.
func (c *Call) sendSeq(build func(seq string) map[string]any) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.send(build(c.nextSeq()))
}

// tick runs f every 20 ms on an absolute schedule, so that it does not
// drift, until the call ends.
func (c *Call) tick(f func(now time.Time) bool) {
	next := time.Now()
	for {
		next = next.Add(20 * time.Millisecond)
		select {
		case <-c.ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
		if !f(time.Now()) {
			return
		}
	}
}

// micLoop sends the caller's microphone: a frame every 20 ms.
func (c *Call) micLoop() {
	silence := bytes.Repeat([]byte{0xFF}, Frame) // μ-law zero
	chunk := 0
	c.tick(func(now time.Time) bool {
		payload := silence
		c.micMu.Lock()
		if len(c.speech) > 0 {
			n := min(Frame, len(c.speech))
			frame := make([]int16, Frame)
			copy(frame, c.speech[:n])
			if c.spokeAt.IsZero() {
				c.spokeAt = now
			}
			c.speech = c.speech[n:]
			payload = Encode(frame)
			if len(c.speech) == 0 {
				close(c.spoken)
			}
		}
		c.micMu.Unlock()
		chunk++
		err := c.sendSeq(func(seq string) map[string]any {
			return map[string]any{"event": "media", "sequenceNumber": seq, "streamSid": c.StreamSid,
				"media": map[string]any{"track": "inbound", "chunk": strconv.Itoa(chunk),
					"timestamp": strconv.FormatInt(now.Sub(c.start).Milliseconds(), 10), "payload": base64.StdEncoding.EncodeToString(payload)}}
		})
		return err == nil
	})
}

// Speak sends pcm (8 kHz) through the microphone in real time, after what
// is queued, and returns once it has been sent, with the time its first
// sample was spoken: sample i was spoken at that time plus i/8000 s (a
// frame is sent once its 20 ms have been captured).
func (c *Call) Speak(ctx context.Context, pcm []int16) (time.Time, error) {
	c.micMu.Lock()
	done := make(chan struct{})
	c.speech, c.spoken, c.spokeAt = append([]int16(nil), pcm...), done, time.Time{}
	c.micMu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	case <-c.ctx.Done():
		return time.Time{}, errors.New("twiliosim: the call ended")
	}
	c.micMu.Lock()
	defer c.micMu.Unlock()
	return c.spokeAt.Add(-20 * time.Millisecond), nil
}

// earLoop plays the server's audio in real time: every 20 ms it sends
// back the marks whose audio has finished playing, then plays the next
// 20 ms.
func (c *Call) earLoop() {
	c.tick(func(now time.Time) bool {
		c.mu.Lock()
		var due []string
		kept := c.marks[:0]
		for _, m := range c.marks {
			if m.pos <= c.played {
				due = append(due, m.name)
			} else {
				kept = append(kept, m)
			}
		}
		c.marks = kept
		n := min(Frame, len(c.queue))
		if n > 0 {
			c.log = append(c.log, Event{At: now, Kind: "played", Audio: c.queue[:n:n]})
			c.queue = c.queue[n:]
			c.played += int64(n)
		}
		for _, name := range due {
			c.log = append(c.log, Event{At: now, Kind: "echo", Mark: name})
		}
		c.mu.Unlock()
		return c.echo(due) == nil
	})
}

func (c *Call) echo(names []string) error {
	for _, name := range names {
		if err := c.sendSeq(func(seq string) map[string]any {
			return map[string]any{"event": "mark", "sequenceNumber": seq, "streamSid": c.StreamSid, "mark": map[string]any{"name": name}}
		}); err != nil {
			return err
		}
	}
	return nil
}

// readLoop takes what the server sends, checking it against the
// documented messages.
func (c *Call) readLoop() {
	defer c.cancel()
	for {
		typ, b, err := c.conn.Read(c.ctx)
		if err != nil {
			return
		}
		now := time.Now()
		if typ != websocket.MessageText {
			c.problem("binary message")
			continue
		}
		var m struct {
			Event     string `json:"event"`
			StreamSid string `json:"streamSid"`
			Media     *struct {
				Payload string `json:"payload"`
			} `json:"media"`
			Mark *struct {
				Name string `json:"name"`
			} `json:"mark"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			c.problem("not JSON: " + string(b))
			continue
		}
		if m.StreamSid != c.StreamSid {
			c.problem(fmt.Sprintf("%s message for stream %q", m.Event, m.StreamSid))
		}
		switch m.Event {
		case "media":
			if m.Media == nil {
				c.problem("media without media")
				continue
			}
			audio, err := base64.StdEncoding.DecodeString(m.Media.Payload)
			if err != nil || len(audio) == 0 {
				c.problem("media payload not Base64 μ-law")
				continue
			}
			c.mu.Lock()
			c.queue = append(c.queue, audio...)
			c.received += int64(len(audio))
			c.log = append(c.log, Event{At: now, Kind: "media", Audio: audio})
			c.mu.Unlock()
		case "mark":
			if m.Mark == nil || m.Mark.Name == "" {
				c.problem("mark without a name")
				continue
			}
			c.mu.Lock()
			c.marks = append(c.marks, mark{pos: c.received, name: m.Mark.Name})
			c.log = append(c.log, Event{At: now, Kind: "mark", Mark: m.Mark.Name})
			c.mu.Unlock()
		case "clear":
			c.mu.Lock()
			c.played += int64(len(c.queue))
			c.queue = nil
			var due []string
			for _, mk := range c.marks {
				due = append(due, mk.name)
			}
			c.marks = nil
			c.log = append(c.log, Event{At: now, Kind: "clear"})
			c.mu.Unlock()
			if c.echo(due) != nil {
				return
			}
		default:
			c.problem("unknown event " + m.Event)
		}
	}
}

func (c *Call) problem(p string) {
	c.mu.Lock()
	c.problems = append(c.problems, p)
	c.mu.Unlock()
}

// DTMF sends a key press.
func (c *Call) DTMF(digit string) error {
	return c.sendSeq(func(seq string) map[string]any {
		return map[string]any{"event": "dtmf", "sequenceNumber": seq, "streamSid": c.StreamSid,
			"dtmf": map[string]any{"track": "inbound_track", "digit": digit}}
	})
}

// Hangup ends the call as Twilio does: stop, then the socket closes. It
// waits for the simulator's goroutines.
func (c *Call) Hangup() {
	_ = c.sendSeq(func(seq string) map[string]any {
		return map[string]any{"event": "stop", "sequenceNumber": seq, "streamSid": c.StreamSid,
			"stop": map[string]any{"accountSid": c.account.SID, "callSid": c.CallSid}}
	})
	c.cancel()
	_ = c.conn.Close(websocket.StatusNormalClosure, "")
	c.wg.Wait()
}

// Drop loses the connection without a stop.
func (c *Call) Drop() {
	_ = c.conn.CloseNow()
	c.cancel()
	c.wg.Wait()
}

// Ended is closed when the connection has ended, from either side.
func (c *Call) Ended() <-chan struct{} { return c.ctx.Done() }

// Events returns what happened so far, in order.
func (c *Call) Events() []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Event(nil), c.log...)
}

// Problems lists what the server sent that breaks Twilio's format.
func (c *Call) Problems() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.problems...)
}

// Queued is the audio received and not yet played.
func (c *Call) Queued() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Duration(len(c.queue)) * time.Second / Rate
}

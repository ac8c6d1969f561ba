package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/phone"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/twilio"
)

// twilioTransport is a Twilio media stream (package twilio documents the
// messages): the caller's μ-law at 8 kHz in, the agent's answer out in the
// same format.
//
// Playout. The answer's 24 kHz audio is resampled to 8 kHz (audio's
// windowed-sinc filter, flushed at the end of each TTS segment) and coded
// as μ-law, then sent in 20 ms media messages no more than Config.PhoneLead
// ahead of real time, each followed by a mark named turn.epoch.position
// (position: 8 kHz samples of the turn sent so far). Twilio sends a mark
// back when the audio before it has played, so the marks say to 20 ms what
// the caller has heard; the session takes them as the page's playback
// reports. A hold (the start of a possible barge-in) sends clear, which
// drops what Twilio has buffered, and rewinds to the last mark heard; a
// resume plays on from there, a stop drops the rest of the turn. Each
// clear starts a new epoch: Twilio sends back the marks of cleared audio
// too, and those of an older epoch say nothing about what was played.
type twilioTransport struct {
	conn *websocket.Conn
	lead time.Duration
	wake chan struct{} // to the writer: something to send

	mu       sync.Mutex
	log      *slog.Logger // the session's, once it has one
	sid      string       // the stream's, from start
	ctl      [][]byte
	closing  *wsClose
	p        playout
	badInput bool // a malformed message has been logged
}

type wsClose struct {
	code   websocket.StatusCode
	reason string
}

// playout is the answer audio of the turn being played.
type playout struct {
	turn  int
	rs    *audio.Resampler // 24 kHz → 8 kHz, this segment's
	in    []int16          // scratch: the TTS audio as samples
	pcm   []int16          // scratch: rs's output
	buf   []byte           // μ-law of the turn from base on
	base  int64            // the turn's sample (8 kHz) at buf[0]
	sent  int64            // the next sample to send
	heard int64            // samples the caller has heard, by the marks
	// tail means buf ends where a segment ended: its last, short frame
	// may go out. Otherwise a short frame waits for more audio.
	tail    bool
	held    bool
	stopped bool
	epoch   int
	// ahead is when what has been sent will have played, at real time.
	ahead time.Time
}

// Playout constants: 20 ms frames at 8 kHz, as Twilio sends them; and a
// bound on the audio held for one turn (ten minutes, far beyond any
// answer), since TTS runs faster than real time.
const (
	phoneRate       = twilio.SampleRate
	phoneFrame      = phoneRate / 50
	maxPlayoutBytes = 10 * 60 * phoneRate
)

func newTwilioTransport(conn *websocket.Conn, lead time.Duration, log *slog.Logger) *twilioTransport {
	return &twilioTransport{conn: conn, lead: lead, log: log, wake: make(chan struct{}, 1)}
}

func (t *twilioTransport) kind() string { return "twilio" }

// holdsPlayback is true: Twilio cannot be told to pause, only to drop
// what it buffered, and reports nothing but marks.
func (t *twilioTransport) holdsPlayback() bool { return true }

func (t *twilioTransport) poke() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

func (t *twilioTransport) close(code websocket.StatusCode, reason string) {
	t.mu.Lock()
	if t.closing == nil {
		t.closing = &wsClose{code: code, reason: reason}
	}
	t.mu.Unlock()
	t.poke()
}

func (t *twilioTransport) closeNow() { _ = t.conn.CloseNow() }

// send takes the session's messages: the audio and its controls; the
// /v1/agent messages have no counterpart on a phone line.
func (t *twilioTransport) send(m any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := &t.p
	switch m := m.(type) {
	case audioOut:
		if m.turn < p.turn {
			return
		}
		if m.turn > p.turn {
			p.next(m.turn)
		}
		if p.stopped {
			return
		}
		if len(p.buf) > maxPlayoutBytes {
			t.logOnce("answer audio beyond the playout bound dropped")
			return
		}
		p.in = audio.BytesToPCM(p.in[:0], m.pcm)
		p.pcm = p.rs.Process(p.pcm[:0], p.in)
		p.buf = audio.MulawEncode(p.buf, p.pcm)
		p.tail = false
	case segmentEnd:
		if m.turn != p.turn || p.stopped || p.rs == nil {
			return
		}
		p.pcm = p.rs.Flush(p.pcm[:0])
		p.buf = audio.MulawEncode(p.buf, p.pcm)
		p.tail = true
	case holdMsg:
		if m.turn != p.turn || p.held || p.stopped {
			return
		}
		p.held = true
		t.clear(p)
	case resumeMsg:
		if m.turn != p.turn || !p.held || p.stopped {
			return
		}
		p.held = false
	case stopPlaybackMsg:
		if m.Turn != p.turn || p.stopped {
			return
		}
		if !p.held {
			t.clear(p)
		}
		p.stopped, p.held, p.buf = true, false, nil
	default:
		return
	}
	t.poke()
}

// clear drops what Twilio buffered and rewinds to what was heard.
func (t *twilioTransport) clear(p *playout) {
	t.ctl = append(t.ctl, twilio.EncodeClear(t.sid))
	p.epoch++
	p.sent = p.heard
	p.ahead = time.Time{}
}

// next starts the playout of a new turn.
func (p *playout) next(turn int) {
	if p.rs == nil {
		p.rs = audio.NewResampler(protocol.SampleRate, phoneRate)
	}
	p.rs.Reset()
	*p = playout{turn: turn, rs: p.rs, in: p.in[:0], pcm: p.pcm[:0], buf: p.buf[:0], epoch: p.epoch + 1, ahead: p.ahead}
}

func (p *playout) end() int64 { return p.base + int64(len(p.buf)) }

func markName(turn, epoch int, pos int64) string {
	return fmt.Sprintf("%d.%d.%d", turn, epoch, pos)
}

func parseMark(name string) (turn, epoch int, pos int64, ok bool) {
	parts := strings.Split(name, ".")
	if len(parts) != 3 {
		return 0, 0, 0, false
	}
	turn, err1 := strconv.Atoi(parts[0])
	epoch, err2 := strconv.Atoi(parts[1])
	pos, err3 := strconv.ParseInt(parts[2], 10, 64)
	return turn, epoch, pos, err1 == nil && err2 == nil && err3 == nil && pos >= 0
}

// pending returns what is due now: controls first, then audio up to the
// lead, or the close; and how long until more audio is due.
func (t *twilioTransport) pending(now time.Time) (msgs [][]byte, cl *wsClose, wait time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	msgs, t.ctl = t.ctl, nil
	if t.closing != nil {
		return msgs, t.closing, 0
	}
	p := &t.p
	for !p.held && !p.stopped {
		n := min(int64(phoneFrame), p.end()-p.sent)
		if n <= 0 || (n < phoneFrame && !p.tail) {
			break
		}
		if p.ahead.Before(now) {
			p.ahead = now
		}
		if ahead := p.ahead.Sub(now); ahead >= t.lead {
			wait = ahead - t.lead + time.Millisecond
			break
		}
		frame := p.buf[p.sent-p.base : p.sent-p.base+n]
		p.sent += n
		msgs = append(msgs, twilio.EncodeMedia(t.sid, frame), twilio.EncodeMark(t.sid, markName(p.turn, p.epoch, p.sent)))
		p.ahead = p.ahead.Add(time.Duration(n) * time.Second / phoneRate)
	}
	return msgs, nil, wait
}

// writeLoop is the only writer of the stream: it sends what pending
// gives, when it is due.
func (t *twilioTransport) writeLoop(s *session) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		msgs, cl, wait := t.pending(time.Now())
		for _, m := range msgs {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := t.conn.Write(ctx, websocket.MessageText, m)
			cancel()
			if err != nil {
				s.cancel()
				_ = t.conn.CloseNow()
				return
			}
		}
		if cl != nil {
			_ = t.conn.Close(cl.code, cl.reason)
			return
		}
		if wait > 0 {
			timer.Reset(wait)
			select {
			case <-t.wake:
			case <-timer.C:
			}
			timer.Stop()
		} else {
			<-t.wake
		}
	}
}

// handshake reads connected and start, and admits the call.
func (t *twilioTransport) handshake(s *session) (opening, error) {
	// As in the browser's handshake, the timeout closes through the
	// writer, with a code that says why.
	timeout := time.AfterFunc(s.srv.cfg.StartTimeout, func() { s.fail(closeAuthTimeout, "no start message in time") })
	defer timeout.Stop()
	var start *twilio.Start
	for start == nil {
		typ, data, err := t.conn.Read(context.Background())
		if err != nil {
			return opening{}, err
		}
		if typ != websocket.MessageText {
			s.fail(closeInvalid, "media stream: binary message")
			return opening{}, errors.New("binary message")
		}
		m, err := twilio.Decode(data)
		switch {
		case errors.Is(err, twilio.ErrUnknownEvent):
			continue
		case err != nil:
			s.fail(closeInvalid, err.Error())
			return opening{}, err
		}
		switch m.Event {
		case twilio.EventConnected:
		case twilio.EventStart:
			start = m.Start
		default:
			s.fail(closeInvalid, "media stream: "+m.Event+" before start")
			return opening{}, errors.New("no start")
		}
	}
	if !timeout.Stop() {
		return opening{}, errors.New("no start message in time")
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.srv.cfg.ConnectTimeout)
	defer cancel()
	if f := start.MediaFormat; f.Encoding != twilio.Encoding || f.SampleRate != twilio.SampleRate || f.Channels != twilio.Channels {
		s.fail(closeInvalid, fmt.Sprintf("media stream: format %s at %d Hz, %d channels; want %s at %d Hz, mono",
			f.Encoding, f.SampleRate, f.Channels, twilio.Encoding, twilio.SampleRate))
		return opening{}, errors.New("media format")
	}
	if s.srv.cfg.TTSURL != "" && s.srv.cfg.TTSKey == "" {
		// The call's credential is good on this server only.
		s.log.Error("phone calls with --agent-tts-url need --agent-tts-key")
		s.fail(closeServerError, "speech service unavailable")
		return opening{}, errors.New("no TTS key")
	}
	call, err := s.srv.deps.Phone.AdmitCall(ctx, *start)
	if err != nil {
		if errors.Is(err, phone.ErrForbidden) {
			s.log.Warn("media stream refused", "call", start.CallSid, "err", err)
			s.fail(closeAuthFailed, "stream refused")
		} else {
			s.log.Error("media stream admission failed", "call", start.CallSid, "err", err)
			s.fail(closeServerError, "internal server error")
		}
		return opening{}, err
	}
	s.call = &call
	s.log = s.log.With("call", call.CallSID)
	t.mu.Lock()
	t.sid, t.log = start.StreamSid, s.log
	t.mu.Unlock()
	lang, ok := protocol.ParseLanguage(call.Language)
	if !ok {
		lang = protocol.English
	}
	return opening{apiKey: call.Credential, language: lang, inputRate: phoneRate,
		voice: call.Voice, voiceDescription: call.VoiceDescription, instructions: call.Instructions}, nil
}

// readLoop takes the caller's audio, keys and hang-up, and the marks.
func (t *twilioTransport) readLoop(s *session) {
	for {
		// Not s.ctx, as in the browser's: every end closes through the
		// writer, which unblocks the Read.
		typ, data, err := t.conn.Read(context.Background())
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			continue
		}
		m, err := twilio.Decode(data)
		if err != nil {
			if !errors.Is(err, twilio.ErrUnknownEvent) {
				t.mu.Lock()
				t.logOnce("malformed media stream message ignored: " + err.Error())
				t.mu.Unlock()
			}
			continue
		}
		switch m.Event {
		case twilio.EventMedia:
			if m.Media.Track != "" && m.Media.Track != "inbound" {
				continue
			}
			if !s.hear(audio.MulawDecode(make([]int16, 0, len(m.Media.Payload)), m.Media.Payload)) {
				return
			}
		case twilio.EventMark:
			t.marked(s, m.Mark.Name)
		case twilio.EventDTMF:
			s.emit(event{kind: evTyped, at: time.Now(), text: "The caller pressed " + m.DTMF.Digit + "."})
		case twilio.EventStop:
			s.end(websocket.StatusNormalClosure, "call ended")
			return
		}
	}
}

// marked takes a mark Twilio sent back: the caller has heard the turn's
// audio up to its position, unless the mark is of an epoch a clear ended.
func (t *twilioTransport) marked(s *session, name string) {
	turn, epoch, pos, ok := parseMark(name)
	t.mu.Lock()
	p := &t.p
	if !ok || turn != p.turn || epoch != p.epoch || pos <= p.heard || pos > p.sent {
		t.mu.Unlock()
		return
	}
	p.heard = pos
	// Audio before the last mark is not sent again; keep up to a second
	// of it so that trimming copies rarely.
	if drop := p.heard - p.base; drop > phoneRate {
		p.buf = append(p.buf[:0], p.buf[drop:]...)
		p.base += drop
	}
	t.mu.Unlock()
	s.emit(event{kind: evPlayback, at: time.Now(), turn: turn, ms: float64(pos) * 1000 / phoneRate})
}

// logOnce logs the first problem of the stream; t.mu is held.
func (t *twilioTransport) logOnce(msg string) {
	if !t.badInput {
		t.badInput = true
		t.log.Warn(msg)
	}
}

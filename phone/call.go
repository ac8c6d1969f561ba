package phone

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/store"
	"github.com/parley-voice/parley/twilio"
)

// The stream's parameters. The token signs all the others; a parameter
// not sent counts as empty, and parameters Twilio might add are ignored.
const (
	paramAccount          = "parley_account"
	paramNumber           = "parley_number"
	paramCall             = "parley_call"
	paramExpires          = "parley_expires"
	paramVoice            = "voice"
	paramVoiceDescription = "voice_description"
	paramLanguage         = "language"
	paramInstructions     = "instructions"
	paramFrom             = "from"
	paramTo               = "to"
	paramToken            = "parley_token"
)

var signedParams = []string{paramAccount, paramNumber, paramCall, paramExpires, paramVoice, paramVoiceDescription,
	paramLanguage, paramInstructions, paramFrom, paramTo}

// streamMAC signs the stream's parameters.
func (s *Service) streamMAC(params map[string]string) []byte {
	mac := hmac.New(sha256.New, derive(s.cfg.Secret, "stream token"))
	for _, name := range signedParams {
		v := params[name]
		fmt.Fprintf(mac, "%s=%d:%s\n", name, len(v), v)
	}
	return mac.Sum(nil)
}

// Webhook is a request to the voice webhook.
type Webhook struct {
	// RawQuery is the request's query string as received: Twilio signs
	// the URL it requested.
	RawQuery string
	// Signature is the X-Twilio-Signature header.
	Signature string
	// Form is the POST form Twilio sent.
	Form url.Values
}

// Answer is what the webhook answers: TwiML, and how the call went on.
type Answer struct {
	TwiML []byte
	// Outcome is "connected" (the TwiML opens the media stream) or
	// "refused" (it says the number cannot take calls and hangs up).
	Outcome string
	// Reason says why a call was refused, for the log.
	Reason string
}

// Answer checks a webhook and answers the call: with the TwiML that
// connects it to the agent, or with one that says the number cannot take
// calls when its key is revoked or its plan lost realtime access. A
// webhook for an unknown number, with a bad signature or for another
// Twilio account is ErrForbidden.
func (s *Service) Answer(ctx context.Context, w Webhook) (Answer, error) {
	to := w.Form.Get("To")
	n, err := s.db.TwilioNumberByPhone(ctx, to)
	if errors.Is(err, store.ErrNotFound) {
		return Answer{}, fmt.Errorf("%w: no number %q registered", ErrForbidden, to)
	}
	if err != nil {
		return Answer{}, err
	}
	token, err := unseal(s.cfg.Secret, n.AccountID, n.PhoneNumber, n.AuthToken)
	if err != nil {
		return Answer{}, fmt.Errorf("number %s: %w", n.ID, err)
	}
	signed := s.WebhookURL()
	if w.RawQuery != "" {
		signed += "?" + w.RawQuery
	}
	if !twilio.ValidSignature(token, w.Signature, signed, w.Form) {
		return Answer{}, fmt.Errorf("%w: the signature is not Twilio's for %s", ErrForbidden, signed)
	}
	if w.Form.Get("AccountSid") != n.AccountSID {
		return Answer{}, fmt.Errorf("%w: webhook of another Twilio account", ErrForbidden)
	}
	if reason := s.keyProblem(ctx, n.KeyID); reason != "" {
		return Answer{TwiML: twilio.Reject(s.cfg.Unavailable), Outcome: "refused", Reason: reason}, nil
	}
	var st Settings
	if err := json.Unmarshal(n.Settings, &st); err != nil {
		return Answer{}, fmt.Errorf("number %s: settings: %w", n.ID, err)
	}
	params := map[string]string{
		paramAccount: n.AccountID, paramNumber: n.ID, paramCall: w.Form.Get("CallSid"),
		paramExpires: strconv.FormatInt(s.cfg.Now().Add(s.cfg.StreamTokenTTL).Unix(), 10),
		paramVoice:   st.Voice, paramVoiceDescription: st.VoiceDescription, paramLanguage: st.Language,
		paramInstructions: st.Instructions, paramFrom: w.Form.Get("From"), paramTo: n.PhoneNumber,
	}
	var list []twilio.Parameter
	for _, name := range signedParams {
		if v := params[name]; v != "" {
			list = append(list, twilio.Parameter{Name: name, Value: v})
		}
	}
	list = append(list, twilio.Parameter{Name: paramToken, Value: base64.RawURLEncoding.EncodeToString(s.streamMAC(params))})
	twiml, err := twilio.ConnectStream(s.StreamURL(), list, s.cfg.Unavailable)
	if err != nil {
		return Answer{}, err
	}
	return Answer{TwiML: twiml, Outcome: "connected"}, nil
}

// keyProblem says why the key cannot take calls, or "" if it can.
func (s *Service) keyProblem(ctx context.Context, keyID string) string {
	k, err := s.db.GetKey(ctx, keyID)
	if err != nil {
		return "the number's key cannot be read: " + err.Error()
	}
	if k.RevokedAt != nil {
		return "the number's key is revoked"
	}
	p, err := auth.PrincipalOf(k)
	if err != nil {
		return err.Error()
	}
	if !p.Plan.WebSocket {
		return "the number's key's plan has no realtime access"
	}
	return ""
}

// Call is an admitted phone call: what its agent runs with.
type Call struct {
	// Credential authenticates the agent as the number's key while the
	// call lasts (see Credentials); Release revokes it, and must be
	// called when the call ends.
	Credential string
	Release    func()
	Settings
	NumberID, CallSID, From, To string
}

// AdmitCall checks the start of a media stream: its parameters must be
// those a webhook of this server gave the call, unchanged and in time,
// for a number that still exists, on Twilio's account of it, with a key
// that can still take calls. Anything else is ErrForbidden.
func (s *Service) AdmitCall(ctx context.Context, start twilio.Start) (Call, error) {
	p := start.CustomParameters
	got, err := base64.RawURLEncoding.DecodeString(p[paramToken])
	if err != nil || !hmac.Equal(got, s.streamMAC(p)) {
		return Call{}, fmt.Errorf("%w: the stream's parameters are not signed by this server", ErrForbidden)
	}
	exp, err := strconv.ParseInt(p[paramExpires], 10, 64)
	if err != nil || s.cfg.Now().After(time.Unix(exp, 0)) {
		return Call{}, fmt.Errorf("%w: the stream token has expired", ErrForbidden)
	}
	if p[paramCall] != start.CallSid {
		return Call{}, fmt.Errorf("%w: the stream token is another call's", ErrForbidden)
	}
	n, err := s.db.GetTwilioNumber(ctx, p[paramAccount], p[paramNumber])
	if errors.Is(err, store.ErrNotFound) {
		return Call{}, fmt.Errorf("%w: the number was deleted", ErrForbidden)
	}
	if err != nil {
		return Call{}, err
	}
	if n.AccountSID != start.AccountSid {
		return Call{}, fmt.Errorf("%w: the stream is another Twilio account's", ErrForbidden)
	}
	if reason := s.keyProblem(ctx, n.KeyID); reason != "" {
		return Call{}, fmt.Errorf("%w: %s", ErrForbidden, reason)
	}
	cred, release := s.creds.Issue(n.KeyID)
	return Call{
		Credential: cred, Release: release,
		Settings: Settings{Voice: p[paramVoice], VoiceDescription: p[paramVoiceDescription], Language: p[paramLanguage],
			Instructions: p[paramInstructions]},
		NumberID: n.ID, CallSID: start.CallSid, From: p[paramFrom], To: p[paramTo],
	}, nil
}

// CallRecord is a finished conversation as /v1/calls shows it.
type CallRecord struct {
	ID         string    `json:"id"`
	Transport  string    `json:"transport"`
	NumberID   string    `json:"number_id,omitempty"`
	CallSID    string    `json:"call_sid,omitempty"`
	From       string    `json:"from,omitempty"`
	To         string    `json:"to,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	EndedAt    time.Time `json:"ended_at"`
	DurationMS int64     `json:"duration_ms"`
	Turns      int       `json:"turns"`
	// TurnMetrics are the latencies of each answered turn (package
	// agent's record, in milliseconds).
	TurnMetrics json.RawMessage `json:"turn_metrics"`
	EndReason   string          `json:"end_reason,omitempty"`
}

// CallPage is a page of calls, newest first; Next, when not empty, is the
// cursor of the next page.
type CallPage struct {
	Calls []CallRecord `json:"calls"`
	Next  string       `json:"next_cursor,omitempty"`
}

// Limits of a page of calls.
const (
	DefaultCallPage = 50
	MaxCallPage     = 200
)

// ListCalls returns a page of the account's calls, newest first, after
// cursor ("" for the first page); limit 0 means DefaultCallPage.
func (s *Service) ListCalls(ctx context.Context, p auth.Principal, cursor string, limit int) (CallPage, error) {
	if limit == 0 {
		limit = DefaultCallPage
	}
	if limit < 0 || limit > MaxCallPage {
		return CallPage{}, fmt.Errorf("%w: limit must be 1 to %d", ErrInvalid, MaxCallPage)
	}
	var after *store.CallCursor
	if cursor != "" {
		c, err := parseCursor(cursor)
		if err != nil {
			return CallPage{}, err
		}
		after = &c
	}
	// One more than asked, to know whether there is a next page.
	cs, err := s.db.ListCalls(ctx, p.AccountID, after, limit+1)
	if err != nil {
		return CallPage{}, err
	}
	page := CallPage{Calls: make([]CallRecord, 0, min(len(cs), limit))}
	for i, c := range cs {
		if i == limit {
			last := cs[limit-1]
			page.Next = formatCursor(store.CallCursor{StartedAt: last.StartedAt, ID: last.ID})
			break
		}
		page.Calls = append(page.Calls, CallRecord{ID: c.ID, Transport: c.Transport, NumberID: c.NumberID, CallSID: c.CallSID,
			From: c.From, To: c.To, StartedAt: c.StartedAt, EndedAt: c.EndedAt, DurationMS: c.EndedAt.Sub(c.StartedAt).Milliseconds(),
			Turns: c.Turns, TurnMetrics: c.TurnMetrics, EndReason: c.EndReason})
	}
	return page, nil
}

// A cursor is the last call's start (Unix ms) and id, Base64url-encoded:
// opaque to clients, and harmless to forge, since the query stays within
// the caller's account.
func formatCursor(c store.CallCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.StartedAt.UnixMilli(), 10) + ":" + c.ID))
}

func parseCursor(s string) (store.CallCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		ms, id, ok := strings.Cut(string(b), ":")
		if v, perr := strconv.ParseInt(ms, 10, 64); ok && perr == nil && id != "" {
			return store.CallCursor{StartedAt: time.UnixMilli(v), ID: id}, nil
		}
	}
	return store.CallCursor{}, fmt.Errorf("%w: cursor %q is not one this API gave", ErrInvalid, s)
}

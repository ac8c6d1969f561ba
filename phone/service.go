package phone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/store"
)

// Paths of the endpoints Twilio reaches, below the public URL.
const (
	VoicePath = "/v1/twilio/voice"
	MediaPath = "/v1/twilio/media"
)

// Store is what the service keeps in the store; *store.DB is the real one.
type Store interface {
	Keys
	CreateTwilioNumber(ctx context.Context, n store.TwilioNumber, limit int) (store.TwilioNumber, error)
	GetTwilioNumber(ctx context.Context, accountID, id string) (store.TwilioNumber, error)
	TwilioNumberByPhone(ctx context.Context, phone string) (store.TwilioNumber, error)
	ListTwilioNumbers(ctx context.Context, accountID string) ([]store.TwilioNumber, error)
	DeleteTwilioNumber(ctx context.Context, accountID, id string) error
	ListCalls(ctx context.Context, accountID string, after *store.CallCursor, limit int) ([]store.Call, error)
}

// Config configures the service. Zero fields take the values of
// DefaultConfig, except PublicURL and Secret, which are required.
type Config struct {
	// PublicURL is how Twilio reaches this server (https://host[:port]
	// [/prefix]): the webhook's URL, which Twilio signs, is PublicURL +
	// VoicePath, and the media stream's is its ws/wss form + MediaPath.
	PublicURL string
	// Secret is the server secret, from which the keys that seal auth
	// tokens and sign stream tokens are derived.
	Secret []byte
	// MaxNumbers bounds an account's numbers.
	MaxNumbers int
	// StreamTokenTTL is how long after the webhook the media stream may
	// start.
	StreamTokenTTL time.Duration
	// Unavailable is what a caller hears when the stream ends from the
	// server's side (an error, a shutdown), and, with the call refused,
	// when the number's key cannot take calls.
	Unavailable string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultConfig returns the defaults zero fields take.
func DefaultConfig() Config {
	return Config{
		MaxNumbers:     100,
		StreamTokenTTL: 2 * time.Minute,
		Unavailable:    "Sorry, the assistant is not available right now. Goodbye.",
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.MaxNumbers == 0 {
		c.MaxNumbers = d.MaxNumbers
	}
	if c.StreamTokenTTL == 0 {
		c.StreamTokenTTL = d.StreamTokenTTL
	}
	if c.Unavailable == "" {
		c.Unavailable = d.Unavailable
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	u, err := url.Parse(c.PublicURL)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("phone: public URL %q must be https://host[:port][/path]", c.PublicURL)
	case len(c.Secret) < 16:
		return errors.New("phone: a server secret of at least 16 bytes is required")
	case c.MaxNumbers < 0 || c.StreamTokenTTL < 0:
		return errors.New("phone: number limit and stream token lifetime must not be negative")
	}
	return nil
}

// Service serves numbers, webhooks, stream admission and call listings.
type Service struct {
	cfg   Config
	db    Store
	creds *Credentials
	base  string // PublicURL without its trailing slash
}

// New returns the service. Its calls' credentials are issued by creds.
func New(cfg Config, db Store, creds *Credentials) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if db == nil || creds == nil {
		return nil, errors.New("phone: a store and credentials are required")
	}
	cfg = cfg.withDefaults()
	return &Service{cfg: cfg, db: db, creds: creds, base: strings.TrimRight(cfg.PublicURL, "/")}, nil
}

// WebhookURL is the URL to give Twilio as a number's voice webhook (HTTP
// POST).
func (s *Service) WebhookURL() string { return s.base + VoicePath }

// StreamURL is the media stream's URL: the public URL's wss form (ws for
// plain http, which Twilio refuses; only tests and local proxies use it).
func (s *Service) StreamURL() string {
	if rest, ok := strings.CutPrefix(s.base, "https://"); ok {
		return "wss://" + rest + MediaPath
	}
	return "ws://" + strings.TrimPrefix(s.base, "http://") + MediaPath
}

// Settings are the agent's settings for a number's calls.
type Settings struct {
	// Voice is a saved or built-in voice; VoiceDescription describes one.
	// At most one of them; neither means the server's default voice.
	Voice            string `json:"voice,omitempty"`
	VoiceDescription string `json:"voice_description,omitempty"`
	// Language is a protocol language (default English: the offline
	// speech recognition knows only English).
	Language string `json:"language,omitempty"`
	// Instructions are added to the agent's system prompt.
	Instructions string `json:"instructions,omitempty"`
}

// Limits of a number's settings. Instructions travel to Twilio and back
// in the TwiML, so they are kept shorter than the browser's.
const (
	MaxInstructionsChars = 1000
	maxVoiceChars        = 200
	maxTokenLen          = 128
)

func (st *Settings) validate() error {
	if st.Voice != "" && st.VoiceDescription != "" {
		return fmt.Errorf("%w: give voice or voice_description, not both", ErrInvalid)
	}
	if utf8.RuneCountInString(st.VoiceDescription) > protocol.MaxVoiceDescriptionChars {
		return fmt.Errorf("%w: voice_description longer than %d characters", ErrInvalid, protocol.MaxVoiceDescriptionChars)
	}
	if utf8.RuneCountInString(st.Voice) > maxVoiceChars {
		return fmt.Errorf("%w: voice longer than %d characters", ErrInvalid, maxVoiceChars)
	}
	if utf8.RuneCountInString(st.Instructions) > MaxInstructionsChars {
		return fmt.Errorf("%w: instructions longer than %d characters", ErrInvalid, MaxInstructionsChars)
	}
	if st.Language == "" {
		st.Language = string(protocol.English)
	}
	lang, ok := protocol.ParseLanguage(st.Language)
	if !ok {
		return fmt.Errorf("%w: unsupported language %q", ErrInvalid, st.Language)
	}
	st.Language = string(lang)
	for _, f := range []string{st.Voice, st.VoiceDescription, st.Instructions} {
		if !utf8.ValidString(f) {
			return fmt.Errorf("%w: settings must be UTF-8", ErrInvalid)
		}
	}
	return nil
}

// NumberRequest registers a number.
type NumberRequest struct {
	PhoneNumber string `json:"phone_number"`
	AccountSID  string `json:"account_sid"`
	AuthToken   string `json:"auth_token"`
	Settings
}

// Number is a registered number as the API shows it.
type Number struct {
	ID          string `json:"id"`
	PhoneNumber string `json:"phone_number"`
	AccountSID  string `json:"account_sid"`
	// AuthToken is "…" and the token's last four characters.
	AuthToken string `json:"auth_token"`
	// KeyID is the key the number's calls act for.
	KeyID string `json:"key_id"`
	Settings
	// WebhookURL is what to set as the number's voice webhook in Twilio.
	WebhookURL string    `json:"webhook_url"`
	CreatedAt  time.Time `json:"created_at"`
}

func (s *Service) number(n store.TwilioNumber) (Number, error) {
	var st Settings
	if err := json.Unmarshal(n.Settings, &st); err != nil {
		return Number{}, fmt.Errorf("phone: number %s: settings: %w", n.ID, err)
	}
	return Number{ID: n.ID, PhoneNumber: n.PhoneNumber, AccountSID: n.AccountSID, AuthToken: "…" + n.TokenLast4,
		KeyID: n.KeyID, Settings: st, WebhookURL: s.WebhookURL(), CreatedAt: n.CreatedAt}, nil
}

// CreateNumber registers a number for p's account, its calls acting for
// p's key.
func (s *Service) CreateNumber(ctx context.Context, p auth.Principal, req NumberRequest) (Number, error) {
	if !p.Plan.WebSocket {
		return Number{}, fmt.Errorf("%w: the key's plan (%s) has no realtime access, which the agent's speech needs", ErrForbidden, p.Plan.Name)
	}
	req.PhoneNumber = strings.TrimSpace(req.PhoneNumber)
	if !store.ValidPhoneNumber(req.PhoneNumber) {
		return Number{}, fmt.Errorf("%w: phone_number must be E.164, such as +14155550100", ErrInvalid)
	}
	if !validSID(req.AccountSID) {
		return Number{}, fmt.Errorf("%w: account_sid must be AC and 32 hex digits", ErrInvalid)
	}
	if len(req.AuthToken) < 16 || len(req.AuthToken) > maxTokenLen || strings.IndexFunc(req.AuthToken, notPrintable) >= 0 {
		return Number{}, fmt.Errorf("%w: auth_token must be 16 to %d printable ASCII characters", ErrInvalid, maxTokenLen)
	}
	if err := req.Settings.validate(); err != nil {
		return Number{}, err
	}
	settings, err := json.Marshal(req.Settings)
	if err != nil {
		return Number{}, err
	}
	n, err := s.db.CreateTwilioNumber(ctx, store.TwilioNumber{
		AccountID: p.AccountID, KeyID: p.KeyID, PhoneNumber: req.PhoneNumber, AccountSID: req.AccountSID,
		AuthToken:  seal(s.cfg.Secret, p.AccountID, req.PhoneNumber, req.AuthToken),
		TokenLast4: req.AuthToken[len(req.AuthToken)-4:], Settings: settings,
	}, s.cfg.MaxNumbers)
	switch {
	case errors.Is(err, store.ErrConflict):
		return Number{}, fmt.Errorf("%w: %s", ErrConflict, req.PhoneNumber)
	case errors.Is(err, store.ErrNumberLimit):
		return Number{}, fmt.Errorf("%w (%d per account)", ErrLimit, s.cfg.MaxNumbers)
	case err != nil:
		return Number{}, err
	}
	return s.number(n)
}

func validSID(s string) bool {
	if len(s) != 34 || !strings.HasPrefix(s, "AC") {
		return false
	}
	for _, c := range s[2:] {
		if !unicode.Is(unicode.ASCII_Hex_Digit, c) {
			return false
		}
	}
	return true
}

func notPrintable(r rune) bool { return r <= ' ' || r > '~' }

// GetNumber returns one of the account's numbers.
func (s *Service) GetNumber(ctx context.Context, p auth.Principal, id string) (Number, error) {
	n, err := s.db.GetTwilioNumber(ctx, p.AccountID, id)
	if errors.Is(err, store.ErrNotFound) {
		return Number{}, fmt.Errorf("%w: number %q", ErrNotFound, id)
	}
	if err != nil {
		return Number{}, err
	}
	return s.number(n)
}

// ListNumbers returns the account's numbers, newest first.
func (s *Service) ListNumbers(ctx context.Context, p auth.Principal) ([]Number, error) {
	ns, err := s.db.ListTwilioNumbers(ctx, p.AccountID)
	if err != nil {
		return nil, err
	}
	out := make([]Number, 0, len(ns))
	for _, n := range ns {
		v, err := s.number(n)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// DeleteNumber deletes one of the account's numbers: its webhook is
// refused from then on; calls in progress go on.
func (s *Service) DeleteNumber(ctx context.Context, p auth.Principal, id string) error {
	err := s.db.DeleteTwilioNumber(ctx, p.AccountID, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: number %q", ErrNotFound, id)
	}
	return err
}

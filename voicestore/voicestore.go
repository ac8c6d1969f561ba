package voicestore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/langdetect"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/store"
	"github.com/parley-voice/parley/voice"
)

// Errors callers map to 400, 403, 404, 413 and 4003.
var (
	ErrUnknownVoice  = errors.New("unknown voice")
	ErrInvalidPrompt = errors.New("invalid voice_clone_prompt")
	ErrVoiceLimit    = errors.New("saved-voice limit of the plan reached")
	ErrInvalid       = errors.New("invalid voice")
	// ErrTooLarge means reference audio beyond voice.MaxReference or
	// MaxReferenceBytes.
	ErrTooLarge = errors.New("reference audio too large")
)

// MaxNameChars bounds a saved voice's name.
const MaxNameChars = 100

// DB is the part of the store where voices live; *store.DB is the real
// one.
type DB interface {
	GetVoice(ctx context.Context, accountID, id string) (store.Voice, error)
	// CreateVoice saves v unless its account has limit voices already
	// (store.ErrVoiceLimit).
	CreateVoice(ctx context.Context, v store.Voice, limit int) (store.Voice, error)
	ListVoices(ctx context.Context, accountID string) ([]store.Voice, error)
	DeleteVoice(ctx context.Context, accountID, id string) error
}

// Store resolves and saves voices for accounts.
type Store struct {
	DB     DB
	Secret voice.Secret // signs clone prompts
	// Engine, when set, refines matches of reference audio that come with
	// their text by speaking that text (voice.MatchText).
	Engine engine.Synthesizer
	// Catalog, when set, resolves neural voice names ("piper:…",
	// "kokoro:…") in the voice field.
	Catalog *voice.Catalog
}

// Voice is a saved voice as the API shows it.
type Voice struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Source      string        `json:"source"` // "description" (a neural voice too) or "audio"
	Description string        `json:"voice_description,omitempty"`
	RefText     string        `json:"ref_text,omitempty"`
	Profile     voice.Profile `json:"profile"`
	ClonePrompt string        `json:"voice_clone_prompt"`
	CreatedAt   time.Time     `json:"created_at"`
}

// Fields are the voice fields of a request; at most one is set, except
// that a neural voice may come with a description of how it speaks.
type Fields struct {
	Voice            string
	VoiceClonePrompt string
	VoiceDescription string
}

// FromConfig returns the voice fields of a realtime config.
func FromConfig(c protocol.Config) Fields {
	return Fields{Voice: c.Voice, VoiceClonePrompt: c.VoiceClonePrompt, VoiceDescription: c.VoiceDescription}
}

// Resolve turns voice fields into a profile for p's account: a saved voice
// of that account (an id "voice_…") or an installed neural voice (by name),
// a clone prompt signed for it, a description, or the default voice.
func (s *Store) Resolve(ctx context.Context, p auth.Principal, f Fields) (voice.Profile, error) {
	switch {
	case f.Voice != "" && !strings.HasPrefix(f.Voice, savedPrefix):
		prof, err := s.Catalog.Profile(f.Voice)
		if err != nil {
			return voice.Profile{}, fmt.Errorf("%w %q: not a saved voice id (voice_…) nor an installed neural voice (%v)", ErrUnknownVoice, f.Voice, err)
		}
		if f.VoiceDescription != "" {
			// A description with a neural voice sets how it speaks.
			d, err := s.Resolve(ctx, p, Fields{VoiceDescription: f.VoiceDescription})
			if err != nil {
				return voice.Profile{}, err
			}
			prof.Rate, prof.Volume, prof.Terms = d.Rate, d.Volume, d.Terms
		}
		return prof, nil
	case f.Voice != "":
		v, err := s.DB.GetVoice(ctx, p.AccountID, f.Voice)
		if errors.Is(err, store.ErrNotFound) {
			return voice.Profile{}, fmt.Errorf("%w %q", ErrUnknownVoice, f.Voice)
		}
		if err != nil {
			return voice.Profile{}, err
		}
		return decodeProfile(v.Profile)
	case f.VoiceClonePrompt != "":
		prof, err := voice.DecodePrompt(s.Secret, p.AccountID, f.VoiceClonePrompt)
		if err != nil {
			return voice.Profile{}, ErrInvalidPrompt
		}
		return prof, nil
	case f.VoiceDescription != "":
		if n := utf8.RuneCountInString(f.VoiceDescription); n > protocol.MaxVoiceDescriptionChars {
			return voice.Profile{}, fmt.Errorf("%w: voice_description has %d characters, at most %d", ErrInvalid, n, protocol.MaxVoiceDescriptionChars)
		}
		return voice.Design(f.VoiceDescription), nil
	}
	return voice.Default(), nil
}

// ResolveConfig implements the realtime VoiceResolver: a voice the client
// got wrong is a protocol error (4003) that says why; anything else (the
// store failing) is returned as it is, for the log.
func (s *Store) ResolveConfig(ctx context.Context, p auth.Principal, c protocol.Config) (voice.Profile, error) {
	prof, err := s.Resolve(ctx, p, FromConfig(c))
	if errors.Is(err, ErrUnknownVoice) || errors.Is(err, ErrInvalidPrompt) || errors.Is(err, ErrInvalid) {
		return prof, protocol.Errorf(protocol.CloseInvalid, "voice: %v", err)
	}
	return prof, err
}

// CreateFromDescription saves a designed voice.
func (s *Store) CreateFromDescription(ctx context.Context, p auth.Principal, name, description string) (Voice, error) {
	if strings.TrimSpace(description) == "" {
		return Voice{}, fmt.Errorf("%w: voice_description is empty", ErrInvalid)
	}
	prof, err := s.Resolve(ctx, p, Fields{VoiceDescription: description})
	if err != nil {
		return Voice{}, err
	}
	return s.save(ctx, p, store.Voice{Name: name, Source: "description", Description: description}, prof)
}

// savedPrefix begins every saved voice's id.
const savedPrefix = "voice_"

// CreateFromVoice saves a neural voice (a name as Resolve takes it: a
// voice, a speaker, a Kokoro blend), with the speaking rate and volume of
// description when one is given.
func (s *Store) CreateFromVoice(ctx context.Context, p auth.Principal, name, neural, description string) (Voice, error) {
	prof, err := s.Catalog.Profile(neural)
	if err != nil {
		return Voice{}, fmt.Errorf("%w %q: %v", ErrUnknownVoice, neural, err)
	}
	if strings.TrimSpace(description) != "" {
		if n := utf8.RuneCountInString(description); n > protocol.MaxVoiceDescriptionChars {
			return Voice{}, fmt.Errorf("%w: voice_description has %d characters, at most %d", ErrInvalid, n, protocol.MaxVoiceDescriptionChars)
		}
		d := voice.Design(description)
		prof.Rate, prof.Volume, prof.Terms = d.Rate, d.Volume, d.Terms
	}
	// Stored as designed: its profile names the voice.
	return s.save(ctx, p, store.Voice{Name: name, Source: store.VoiceFromDescription, Description: description}, prof)
}

// Builtins lists the installed neural voices, which every account can
// name.
func (s *Store) Builtins() []voice.Neural { return s.Catalog.Voices() }

// MaxReferenceBytes bounds a reference WAV's audio data.
const MaxReferenceBytes = 10 << 20

// Reference is a reference recording, decoded and checked against the
// limits of package voice, with the words it says.
type Reference struct {
	PCM  []int16
	Rate int
	// Text is what the recording says; empty when unknown.
	Text string
}

// ParseReference decodes a reference WAV and checks it and its text
// against the limits of package voice (voice.ReferenceLimits,
// voice.CheckRefText): everything about a reference that can be refused
// cheaply, before its analysis. A WAV's header is enough to refuse a rate
// or a length beyond the limits. Errors wrap ErrTooLarge or ErrInvalid.
func ParseReference(wav []byte, text string) (Reference, error) {
	pcm, rate, err := audio.ReadWAVLimits(bytes.NewReader(wav), voice.ReferenceLimits(MaxReferenceBytes))
	switch {
	case errors.Is(err, audio.ErrTooLarge):
		return Reference{}, fmt.Errorf("%w: %v", ErrTooLarge, err)
	case err != nil:
		return Reference{}, fmt.Errorf("%w: audio is not a usable WAV file: %v", ErrInvalid, err)
	}
	if err := voice.CheckRefText(text, audio.Duration(len(pcm), rate)); err != nil {
		return Reference{}, fmt.Errorf("%w: ref_text: %v", ErrInvalid, err)
	}
	return Reference{PCM: pcm, Rate: rate, Text: text}, nil
}

// CreateFromAudio saves prof, Match's profile for ref, as a voice from
// reference audio. Check the name with CheckName before the analysis: an
// invalid one is refused only here, after it.
func (s *Store) CreateFromAudio(ctx context.Context, p auth.Principal, name string, ref Reference, prof voice.Profile) (Voice, error) {
	return s.save(ctx, p, store.Voice{Name: name, Source: "audio", RefText: ref.Text}, prof)
}

// Match analyses a reference and returns the closest profile. With the
// reference's text and an Engine, the match is refined by speaking those
// words until pitch and timing agree; without, speaking rate is only
// estimated (see package voice). When ctx ends, the analysis stops and
// Match returns ctx's error.
func (s *Store) Match(ctx context.Context, ref Reference, lang protocol.Language) (voice.Profile, error) {
	a, err := voice.Analyze(ctx, ref.PCM, ref.Rate)
	if err != nil {
		return voice.Profile{}, analysisError(ctx, err)
	}
	if lang == protocol.Auto || lang == "" {
		lang = protocol.English
		if strings.TrimSpace(ref.Text) != "" {
			lang = langdetect.Detect(ref.Text, protocol.English)
		}
	}
	if s.Engine != nil && strings.TrimSpace(ref.Text) != "" {
		prof, err := voice.MatchText(ctx, s.Engine, a, ref.Text, lang)
		if err != nil {
			return voice.Profile{}, analysisError(ctx, err)
		}
		return prof, nil
	}
	return voice.Match(a, lang), nil
}

// analysisError is the error of an analysis that failed: ctx's own when it
// ended (the caller has gone, and the audio is not at fault), else the
// audio's.
func analysisError(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if errors.Is(err, voice.ErrTooLong) {
		return fmt.Errorf("%w: %v", ErrTooLarge, err)
	}
	return fmt.Errorf("%w: %v", ErrInvalid, err)
}

// ClonePrompt returns a signed prompt for prof, usable by p's account as
// voice_clone_prompt.
func (s *Store) ClonePrompt(p auth.Principal, prof voice.Profile) (string, error) {
	return voice.EncodePrompt(s.Secret, p.AccountID, prof)
}

// CheckName reports an error wrapping ErrInvalid if name cannot name a
// saved voice.
func CheckName(name string) error {
	_, err := validName(name)
	return err
}

// validName returns a saved voice's name as it is stored.
func validName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > MaxNameChars || !utf8.ValidString(name) {
		return "", fmt.Errorf("%w: name must be 1 to %d characters", ErrInvalid, MaxNameChars)
	}
	return name, nil
}

func (s *Store) save(ctx context.Context, p auth.Principal, v store.Voice, prof voice.Profile) (Voice, error) {
	name, err := validName(v.Name)
	if err != nil {
		return Voice{}, err
	}
	v.Name = name
	v.AccountID = p.AccountID
	b, err := json.Marshal(prof)
	if err != nil {
		return Voice{}, err
	}
	v.Profile = b
	saved, err := s.DB.CreateVoice(ctx, v, p.Plan.SavedVoices)
	if errors.Is(err, store.ErrVoiceLimit) {
		return Voice{}, fmt.Errorf("%w (%d on plan %s)", ErrVoiceLimit, p.Plan.SavedVoices, p.Plan.Name)
	}
	if err != nil {
		return Voice{}, err
	}
	return s.view(p, saved)
}

// Get returns one of p's voices.
func (s *Store) Get(ctx context.Context, p auth.Principal, id string) (Voice, error) {
	v, err := s.DB.GetVoice(ctx, p.AccountID, id)
	if errors.Is(err, store.ErrNotFound) {
		return Voice{}, fmt.Errorf("%w %q", ErrUnknownVoice, id)
	}
	if err != nil {
		return Voice{}, err
	}
	return s.view(p, v)
}

// List returns p's voices, newest first.
func (s *Store) List(ctx context.Context, p auth.Principal) ([]Voice, error) {
	vs, err := s.DB.ListVoices(ctx, p.AccountID)
	if err != nil {
		return nil, err
	}
	out := make([]Voice, 0, len(vs))
	for _, v := range vs {
		view, err := s.view(p, v)
		if err != nil {
			return nil, err
		}
		out = append(out, view)
	}
	return out, nil
}

// Delete removes one of p's voices.
func (s *Store) Delete(ctx context.Context, p auth.Principal, id string) error {
	err := s.DB.DeleteVoice(ctx, p.AccountID, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w %q", ErrUnknownVoice, id)
	}
	return err
}

func (s *Store) view(p auth.Principal, v store.Voice) (Voice, error) {
	prof, err := decodeProfile(v.Profile)
	if err != nil {
		return Voice{}, err
	}
	prompt, err := s.ClonePrompt(p, prof)
	if err != nil {
		return Voice{}, err
	}
	return Voice{ID: v.ID, Name: v.Name, Source: v.Source, Description: v.Description, RefText: v.RefText,
		Profile: prof, ClonePrompt: prompt, CreatedAt: v.CreatedAt}, nil
}

func decodeProfile(b []byte) (voice.Profile, error) {
	var prof voice.Profile
	if err := json.Unmarshal(b, &prof); err != nil {
		return voice.Profile{}, fmt.Errorf("voicestore: stored profile: %w", err)
	}
	return prof, nil
}

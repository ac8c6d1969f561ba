package httpapi

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/codec"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/store"
	"github.com/parley-voice/parley/voice"
	"github.com/parley-voice/parley/voicestore"
)

// designRequest is the body of the voice design endpoints.
type designRequest struct {
	VoiceDescription string `json:"voice_description"`
	Text             string `json:"text"`
	Language         string `json:"language"`
}

// defaultPreview is spoken when a design request has no sample text.
var defaultPreview = map[protocol.Language]string{
	protocol.English:    "Hello! This is how I sound. I hope you like my voice.",
	protocol.Spanish:    "¡Hola! Así es como sueno. Espero que te guste mi voz.",
	protocol.Portuguese: "Olá! É assim que eu falo. Espero que goste da minha voz.",
	protocol.German:     "Hallo! So klingt meine Stimme. Ich hoffe, sie gefällt dir.",
	protocol.French:     "Bonjour ! Voici ma voix. J'espère qu'elle vous plaît.",
	protocol.Italian:    "Ciao! Questa è la mia voce. Spero che ti piaccia.",
	protocol.Chinese:    "你好！这就是我的声音。希望你喜欢。",
	protocol.Japanese:   "こんにちは。これがわたしのこえです。",
	protocol.Korean:     "안녕하세요! 이것이 제 목소리입니다. 마음에 드셨으면 좋겠어요.",
	protocol.Russian:    "Здравствуйте! Так звучит мой голос. Надеюсь, он вам нравится.",
}

func (a *API) parseDesign(r *http.Request, p auth.Principal) (synthesis, error) {
	var req designRequest
	if err := decodeJSON(r, a.cfg.MaxBodyBytes, &req); err != nil {
		return synthesis{}, err
	}
	if strings.TrimSpace(req.VoiceDescription) == "" {
		return synthesis{}, errorf(http.StatusBadRequest, `missing field "voice_description"`)
	}
	lang, ok := protocol.ParseLanguage(req.Language)
	if !ok {
		return synthesis{}, errorf(http.StatusBadRequest, "unsupported language %q", req.Language)
	}
	text := req.Text
	if strings.TrimSpace(text) == "" {
		l := lang
		if l == protocol.Auto {
			l = protocol.English
		}
		text = defaultPreview[l]
	}
	s, err := a.parseSpeech(r.Context(), p, speechRequest{Text: &text, VoiceDescription: req.VoiceDescription, Language: string(lang), ResponseFormat: "wav"})
	return s, err
}

// designVoice serves POST /v1/voices/design: a WAV preview.
func (a *API) designVoice(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	s, g, err := a.admitDesign(w, r, p)
	if err != nil {
		return err
	}
	defer g.end()
	var buf codec.Buffer
	if err := a.synthesize(r.Context(), p, s, g.hold, &buf, nil); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("X-Voice-Terms", strings.Join(s.prof.Terms, ", "))
	return a.writeWhole(w, buf.Bytes())
}

// designVoiceStream serves POST /v1/voices/design/stream: the preview as SSE.
func (a *API) designVoiceStream(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	s, g, err := a.admitDesign(w, r, p)
	if err != nil {
		return err
	}
	defer g.end()
	return a.streamPCM(w, r, p, s, g.hold)
}

// admitDesign parses a design request and admits its preview's synthesis;
// the caller releases the admission.
func (a *API) admitDesign(w http.ResponseWriter, r *http.Request, p auth.Principal) (synthesis, *grant, error) {
	s, err := a.parseDesign(r, p)
	if err != nil {
		return synthesis{}, nil, err
	}
	g, err := a.admit(r.Context(), w, p, s)
	if err != nil {
		return synthesis{}, nil, err
	}
	return s, g, nil
}

type createVoiceRequest struct {
	Name             string `json:"name"`
	Voice            string `json:"voice"` // a neural voice (extension)
	VoiceDescription string `json:"voice_description"`
	Audio            string `json:"audio"` // base64 WAV
	RefText          string `json:"ref_text"`
	Language         string `json:"language"`
}

// createVoice serves POST /v1/voices.
func (a *API) createVoice(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var req createVoiceRequest
	if err := decodeJSON(r, a.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	var v voicestore.Voice
	var err error
	switch {
	case req.VoiceDescription != "" && req.Audio != "", req.Voice != "" && req.Audio != "":
		return errorf(http.StatusBadRequest, "give voice_description (and a neural voice) or audio, not both")
	case req.Voice != "":
		v, err = a.d.Voices.CreateFromVoice(r.Context(), p, req.Name, req.Voice, req.VoiceDescription)
	case req.VoiceDescription != "":
		v, err = a.d.Voices.CreateFromDescription(r.Context(), p, req.Name, req.VoiceDescription)
	case req.Audio != "":
		ref, lang, perr := parseReference(req.Audio, req.RefText, req.Language)
		if perr != nil {
			return perr
		}
		if err := voicestore.CheckName(req.Name); err != nil {
			return voiceError(err)
		}
		prof, merr := a.matchReference(w, r, p, ref, lang)
		if merr != nil {
			return merr
		}
		v, err = a.d.Voices.CreateFromAudio(r.Context(), p, req.Name, ref, prof)
	default:
		return errorf(http.StatusBadRequest, `missing field "voice_description" or "audio"`)
	}
	if err != nil {
		return voiceError(err)
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

// parseReference decodes and checks the reference fields of a request:
// everything that can be refused before the analysis is admitted.
func parseReference(b64, refText, language string) (voicestore.Reference, protocol.Language, error) {
	lang, ok := protocol.ParseLanguage(language)
	if !ok {
		return voicestore.Reference{}, "", errorf(http.StatusBadRequest, "unsupported language %q", language)
	}
	wav, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return voicestore.Reference{}, "", errorf(http.StatusBadRequest, "audio is not base64")
	}
	ref, err := voicestore.ParseReference(wav, refText)
	if err != nil {
		return voicestore.Reference{}, "", referenceError(err)
	}
	return ref, lang, nil
}

// matchReference admits the analysis of ref and runs it, within the
// request: a client that leaves stops it.
func (a *API) matchReference(w http.ResponseWriter, r *http.Request, p auth.Principal, ref voicestore.Reference, lang protocol.Language) (voice.Profile, error) {
	// An analysis costs CPU and engine time as a synthesis does, but no
	// characters: it takes a synthesis's limits, the quota excepted.
	release, err := a.limit(r.Context(), w, p)
	if err != nil {
		return voice.Profile{}, err
	}
	defer release()
	prof, err := a.d.Voices.Match(r.Context(), ref, lang)
	a.d.Metrics.VoiceAnalyses.WithLabelValues(analysisOutcome(err)).Inc()
	if err != nil {
		return voice.Profile{}, referenceError(err)
	}
	return prof, nil
}

// referenceError maps the errors of reference audio and its analysis to
// statuses.
func referenceError(err error) error {
	switch {
	case errors.Is(err, voicestore.ErrTooLarge):
		return errorf(http.StatusRequestEntityTooLarge, "%v", err)
	case errors.Is(err, context.Canceled):
		// Nobody reads the answer; the status is for metrics and logs.
		return errorf(statusClientClosed, "the client closed the request")
	}
	return voiceError(err)
}

// statusClientClosed is nginx's status for a request whose client left
// before the answer.
const statusClientClosed = 499

func analysisOutcome(err error) string {
	switch {
	case err == nil:
		return "matched"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "cancelled"
	case errors.Is(err, voicestore.ErrInvalid), errors.Is(err, voicestore.ErrTooLarge):
		return "refused"
	}
	return "failed"
}

func (a *API) listVoices(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	vs, err := a.d.Voices.List(r.Context(), p)
	if err != nil {
		return err
	}
	builtin := a.d.Voices.Builtins()
	if builtin == nil {
		builtin = []voice.Neural{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"voices": vs, "limit": p.Plan.SavedVoices, "builtin": builtin})
	return nil
}

func (a *API) getVoice(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	v, err := a.d.Voices.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return voiceError(err)
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (a *API) deleteVoice(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id := r.PathValue("id")
	if err := a.d.Voices.Delete(r.Context(), p, id); err != nil {
		return voiceError(err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "deleted": true})
	return nil
}

type extractRequest struct {
	Audio    string `json:"audio"`
	RefText  string `json:"ref_text"`
	Language string `json:"language"`
}

// extractEmbeddings serves POST /v1/voices/extract-embeddings: the signed
// prompt of the voice that best matches the reference audio.
func (a *API) extractEmbeddings(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var req extractRequest
	if err := decodeJSON(r, a.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.Audio == "" {
		return errorf(http.StatusBadRequest, `missing field "audio"`)
	}
	ref, lang, err := parseReference(req.Audio, req.RefText, req.Language)
	if err != nil {
		return err
	}
	prof, err := a.matchReference(w, r, p, ref, lang)
	if err != nil {
		return err
	}
	prompt, err := a.d.Voices.ClonePrompt(p, prof)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"prompt_data": prompt, "profile": prof})
	return nil
}

// usage serves GET /v1/usage: this month's characters for the key and its
// account, against the plan's quota.
func (a *API) usage(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	month := store.Month(time.Now())
	chars, reqs, err := a.d.Store.Usage(r.Context(), p.KeyID, month)
	if err != nil {
		return err
	}
	achars, areqs, err := a.d.Store.AccountUsage(r.Context(), p.AccountID, month)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"key_id": p.KeyID, "account_id": p.AccountID, "plan": p.Plan.Name, "month": month,
		"characters": chars, "requests": reqs,
		"quota": p.Plan.MonthlyChars, "remaining": max(p.Plan.MonthlyChars-chars, 0),
		"account_characters": achars, "account_requests": areqs,
		"saved_voices_limit": p.Plan.SavedVoices, "websocket": p.Plan.WebSocket,
	})
	return nil
}

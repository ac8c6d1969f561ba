package httpapi

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/parley-voice/parley/auth"
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
		return synthesis{}, errorf(http.StatusBadRequest, "unsupported language "+req.Language)
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
	s, release, err := a.admitDesign(w, r, p)
	if err != nil {
		return err
	}
	defer release()
	var buf bytes.Buffer
	if err := a.synthesize(r.Context(), p, s, &buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("X-Voice-Terms", strings.Join(s.prof.Terms, ", "))
	w.Header().Set("Content-Length", itoa(buf.Len()))
	_, err = buf.WriteTo(w)
	return err
}

// designVoiceStream serves POST /v1/voices/design/stream: the preview as SSE.
func (a *API) designVoiceStream(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	s, release, err := a.admitDesign(w, r, p)
	if err != nil {
		return err
	}
	defer release()
	return a.streamPCM(w, r, s, func() { a.charge(p, s.chars) })
}

// admitDesign parses a design request and admits its preview's synthesis;
// the caller releases the admission.
func (a *API) admitDesign(w http.ResponseWriter, r *http.Request, p auth.Principal) (synthesis, func(), error) {
	s, err := a.parseDesign(r, p)
	if err != nil {
		return synthesis{}, nil, err
	}
	release, err := a.admit(r.Context(), w, p, s.chars)
	if err != nil {
		return synthesis{}, nil, err
	}
	return s, release, nil
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
		wav, lang, perr := parseReference(req.Audio, req.Language)
		if perr != nil {
			return perr
		}
		v, err = a.d.Voices.CreateFromAudio(r.Context(), p, req.Name, wav, req.RefText, lang)
	default:
		return errorf(http.StatusBadRequest, `missing field "voice_description" or "audio"`)
	}
	if err != nil {
		return voiceError(err)
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func parseReference(b64, language string) ([]byte, protocol.Language, error) {
	wav, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, "", errorf(http.StatusBadRequest, "audio is not base64")
	}
	lang, ok := protocol.ParseLanguage(language)
	if !ok {
		return nil, "", errorf(http.StatusBadRequest, "unsupported language "+language)
	}
	return wav, lang, nil
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
	wav, lang, err := parseReference(req.Audio, req.Language)
	if err != nil {
		return err
	}
	prof, err := a.d.Voices.Match(r.Context(), wav, req.RefText, lang)
	if err != nil {
		return voiceError(err)
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

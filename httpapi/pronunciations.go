package httpapi

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/pronounce"
	"github.com/parley-voice/parley/pronstore"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/tts"
)

// Pronunciations keeps accounts' pronunciation dictionaries: a
// pronstore.Store.
type Pronunciations interface {
	Create(ctx context.Context, p auth.Principal, d pronounce.Dictionary) (pronstore.Dictionary, error)
	Get(ctx context.Context, p auth.Principal, id string) (pronstore.Dictionary, error)
	List(ctx context.Context, p auth.Principal) ([]pronstore.Dictionary, error)
	Delete(ctx context.Context, p auth.Principal, id string) error
	Lexicon(ctx context.Context, p auth.Principal, ids []string) (*pronounce.Lexicon, error)
}

// plsType is PLS's media type (RFC 4267).
const plsType = "application/pls+xml"

// pronunciationsError maps the dictionaries' errors to statuses.
func pronunciationsError(err error) error {
	switch {
	case errors.Is(err, pronounce.ErrUnknown):
		return errorf(http.StatusNotFound, "%v", err)
	case errors.Is(err, pronounce.ErrInvalid):
		return errorf(http.StatusBadRequest, "%s", strings.TrimPrefix(err.Error(), "pronounce: "))
	case errors.Is(err, pronstore.ErrLimit):
		return errorf(http.StatusForbidden, "%v", err)
	}
	return err
}

// markupInput reads a speech request's extensions: text_type and
// pronunciation_dictionaries.
func (c *core) markupInput(ctx context.Context, p auth.Principal, req speechRequest) (tts.Input, error) {
	var in tts.Input
	switch strings.ToLower(req.TextType) {
	case "", protocol.TextPlain:
	case protocol.TextSSML:
		in.SSML = true
	default:
		return in, errorf(http.StatusBadRequest, "text_type %q is not %q or %q", req.TextType, protocol.TextPlain, protocol.TextSSML)
	}
	if len(req.PronunciationDictionaries) == 0 {
		return in, nil
	}
	if c.d.Pronunciations == nil {
		return in, errorf(http.StatusBadRequest, "pronunciation dictionaries are not available on this server")
	}
	lex, err := c.d.Pronunciations.Lexicon(ctx, p, req.PronunciationDictionaries)
	if err != nil {
		return in, pronunciationsError(err)
	}
	in.Lexicon = lex
	return in, nil
}

// pronunciationsRequest is the JSON body of POST /v1/pronunciations.
type pronunciationsRequest struct {
	Name     string            `json:"name"`
	Language string            `json:"language"` // a protocol language name; "" or "Auto" for every language
	Entries  []pronounce.Entry `json:"entries"`
}

// createPronunciations serves POST /v1/pronunciations: a JSON body, or a
// PLS document (Content-Type application/pls+xml, or another XML type)
// with the name and case sensitivity in the query.
func (a *API) createPronunciations(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var d pronounce.Dictionary
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == plsType || strings.HasSuffix(ct, "/xml") || strings.HasSuffix(ct, "+xml") {
		var err error
		q := r.URL.Query()
		if d, err = pronounce.ParsePLS(r.Body, q.Get("name"), q.Get("case_sensitive") == "true"); err != nil {
			return pronunciationsError(err)
		}
	} else {
		var req pronunciationsRequest
		if err := decodeJSON(r, pronounce.MaxPLSBytes, &req); err != nil {
			return err
		}
		lang, ok := protocol.ParseLanguage(req.Language)
		if !ok {
			return errorf(http.StatusBadRequest, "unsupported language %q", req.Language)
		}
		d = pronounce.Dictionary{Name: req.Name, Language: lang, Entries: req.Entries}
	}
	saved, err := a.d.Pronunciations.Create(r.Context(), p, d)
	if err != nil {
		return pronunciationsError(err)
	}
	w.Header().Set("Location", "/v1/pronunciations/"+saved.ID)
	writeJSON(w, http.StatusCreated, saved)
	return nil
}

// pronunciationsSummary is a dictionary in the listing, without its
// entries.
type pronunciationsSummary struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Language   protocol.Language `json:"language,omitempty"`
	EntryCount int               `json:"entry_count"`
	CreatedAt  time.Time         `json:"created_at"`
}

func (a *API) listPronunciations(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	ds, err := a.d.Pronunciations.List(r.Context(), p)
	if err != nil {
		return err
	}
	out := make([]pronunciationsSummary, 0, len(ds))
	for _, d := range ds {
		out = append(out, pronunciationsSummary{ID: d.ID, Name: d.Name, Language: d.Language, EntryCount: len(d.Entries), CreatedAt: d.CreatedAt})
	}
	writeJSON(w, http.StatusOK, map[string]any{"pronunciation_dictionaries": out})
	return nil
}

// getPronunciations serves a dictionary as JSON, or as PLS when the
// client accepts application/pls+xml or asks ?format=pls.
func (a *API) getPronunciations(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	d, err := a.d.Pronunciations.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return pronunciationsError(err)
	}
	if r.URL.Query().Get("format") == "pls" || strings.Contains(r.Header.Get("Accept"), plsType) {
		b := d.Dictionary().PLS()
		w.Header().Set("Content-Type", plsType)
		w.Header().Set("Content-Disposition", `attachment; filename="`+d.ID+`.pls"`)
		return a.writeWhole(w, b)
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (a *API) deletePronunciations(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := a.d.Pronunciations.Delete(r.Context(), p, r.PathValue("id")); err != nil {
		return pronunciationsError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

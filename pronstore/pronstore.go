package pronstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/pronounce"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/store"
)

// DefaultMaxPerAccount is how many dictionaries an account may keep.
const DefaultMaxPerAccount = 50

// ErrLimit means the account already has as many dictionaries as it may.
var ErrLimit = errors.New("pronunciation dictionary limit reached")

// Store keeps dictionaries for accounts.
type Store struct {
	DB *store.DB
	// MaxPerAccount bounds an account's dictionaries; 0 means
	// DefaultMaxPerAccount.
	MaxPerAccount int
}

// Dictionary is a saved dictionary as the API shows it.
type Dictionary struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Language is a protocol language name, or "" for every language.
	Language  protocol.Language `json:"language,omitempty"`
	Entries   []pronounce.Entry `json:"entries"`
	CreatedAt time.Time         `json:"created_at"`
}

// Dictionary returns d as package pronounce models it.
func (d Dictionary) Dictionary() pronounce.Dictionary {
	return pronounce.Dictionary{Name: d.Name, Language: d.Language, Entries: d.Entries}
}

// Create validates d and saves it for p's account.
func (s *Store) Create(ctx context.Context, p auth.Principal, d pronounce.Dictionary) (Dictionary, error) {
	if err := d.Validate(); err != nil {
		return Dictionary{}, err
	}
	entries, err := json.Marshal(d.Entries)
	if err != nil {
		return Dictionary{}, err
	}
	limit := s.MaxPerAccount
	if limit == 0 {
		limit = DefaultMaxPerAccount
	}
	row, err := s.DB.CreatePronunciations(ctx, store.Pronunciations{AccountID: p.AccountID, Name: d.Name,
		Language: string(d.Language), Entries: entries}, limit)
	if errors.Is(err, store.ErrPronunciationsLimit) {
		return Dictionary{}, fmt.Errorf("%w: an account keeps at most %d; delete one first", ErrLimit, limit)
	}
	if err != nil {
		return Dictionary{}, err
	}
	return Dictionary{ID: row.ID, Name: d.Name, Language: d.Language, Entries: d.Entries, CreatedAt: row.CreatedAt}, nil
}

// Get returns p's dictionary id, or an error wrapping pronounce.ErrUnknown.
func (s *Store) Get(ctx context.Context, p auth.Principal, id string) (Dictionary, error) {
	row, err := s.DB.GetPronunciations(ctx, p.AccountID, id)
	if errors.Is(err, store.ErrNotFound) {
		return Dictionary{}, fmt.Errorf("%w %q", pronounce.ErrUnknown, id)
	}
	if err != nil {
		return Dictionary{}, err
	}
	return decode(row)
}

// List returns p's dictionaries, newest first.
func (s *Store) List(ctx context.Context, p auth.Principal) ([]Dictionary, error) {
	rows, err := s.DB.ListPronunciations(ctx, p.AccountID)
	if err != nil {
		return nil, err
	}
	out := make([]Dictionary, 0, len(rows))
	for _, row := range rows {
		d, err := decode(row)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// Delete deletes p's dictionary id, or returns an error wrapping
// pronounce.ErrUnknown.
func (s *Store) Delete(ctx context.Context, p auth.Principal, id string) error {
	err := s.DB.DeletePronunciations(ctx, p.AccountID, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w %q", pronounce.ErrUnknown, id)
	}
	return err
}

// Lexicon compiles p's dictionaries ids, in the order given (an earlier
// one wins where two match the same words). An id that is not p's is an
// error wrapping pronounce.ErrUnknown; more than pronounce.MaxPerRequest,
// or one named twice, wraps pronounce.ErrInvalid. No ids is a nil
// Lexicon.
func (s *Store) Lexicon(ctx context.Context, p auth.Principal, ids []string) (*pronounce.Lexicon, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > pronounce.MaxPerRequest {
		return nil, fmt.Errorf("%w: %d pronunciation dictionaries named, at most %d", pronounce.ErrInvalid, len(ids), pronounce.MaxPerRequest)
	}
	dicts := make([]pronounce.Dictionary, 0, len(ids))
	for i, id := range ids {
		for _, prev := range ids[:i] {
			if prev == id {
				return nil, fmt.Errorf("%w: pronunciation dictionary %q named twice", pronounce.ErrInvalid, id)
			}
		}
		if !strings.HasPrefix(id, "pd_") {
			return nil, fmt.Errorf("%w %q", pronounce.ErrUnknown, id)
		}
		d, err := s.Get(ctx, p, id)
		if err != nil {
			return nil, err
		}
		dicts = append(dicts, d.Dictionary())
	}
	return pronounce.Compile(dicts...), nil
}

func decode(row store.Pronunciations) (Dictionary, error) {
	d := Dictionary{ID: row.ID, Name: row.Name, Language: protocol.Language(row.Language), CreatedAt: row.CreatedAt}
	if err := json.Unmarshal(row.Entries, &d.Entries); err != nil {
		return Dictionary{}, fmt.Errorf("pronstore: dictionary %s: %w", row.ID, err)
	}
	return d, nil
}

package pronstore

import (
	"context"
	"errors"
	"testing"

	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/pronounce"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/store"
)

func principal(t *testing.T, db *store.DB) auth.Principal {
	t.Helper()
	_, k, err := db.CreateKey(context.Background(), "t", "pro")
	if err != nil {
		t.Fatal(err)
	}
	p, err := auth.PrincipalOf(k)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLexiconOfSavedDictionaries(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := &Store{DB: db, MaxPerAccount: 2}
	alice, bob := principal(t, db), principal(t, db)
	d1, err := s.Create(ctx, alice, pronounce.Dictionary{Name: "one", Entries: []pronounce.Entry{{Text: "Parley", IPA: "ˈpɑːli"}}})
	if err != nil {
		t.Fatal(err)
	}
	d2, err := s.Create(ctx, alice, pronounce.Dictionary{Name: "two", Language: protocol.English, Entries: []pronounce.Entry{{Text: "parley", Alias: "talk"}, {Text: "W3C", Alias: "the consortium"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, alice, pronounce.Dictionary{Entries: []pronounce.Entry{{Text: "a", Alias: "b"}}}); !errors.Is(err, ErrLimit) {
		t.Fatalf("third of two: %v", err)
	}
	if _, err := s.Create(ctx, alice, pronounce.Dictionary{}); !errors.Is(err, pronounce.ErrInvalid) {
		t.Fatalf("empty: %v", err)
	}
	// The order of the ids decides which dictionary wins.
	for _, c := range []struct {
		ids  []string
		want string
	}{
		{[]string{d1.ID, d2.ID}, "ˈpɑːli"},
		{[]string{d2.ID, d1.ID}, "talk"},
	} {
		lex, err := s.Lexicon(ctx, alice, c.ids)
		if err != nil {
			t.Fatal(err)
		}
		runs := lex.Apply("Parley by W3C", protocol.English)
		if e := runs[0].Entry; e == nil || e.IPA+e.Alias != c.want {
			t.Fatalf("%v: %+v", c.ids, runs)
		}
	}
	for _, bad := range [][]string{{d1.ID, d1.ID}, {d1.ID, d2.ID, "pd_x", "pd_y"}} {
		if _, err := s.Lexicon(ctx, alice, bad); !errors.Is(err, pronounce.ErrInvalid) {
			t.Errorf("%v: %v, want ErrInvalid", bad, err)
		}
	}
	// Bob cannot use, read or delete Alice's.
	if _, err := s.Lexicon(ctx, bob, []string{d1.ID}); !errors.Is(err, pronounce.ErrUnknown) {
		t.Fatalf("bob uses alice's: %v", err)
	}
	if _, err := s.Get(ctx, bob, d1.ID); !errors.Is(err, pronounce.ErrUnknown) {
		t.Fatalf("bob reads alice's: %v", err)
	}
	if err := s.Delete(ctx, bob, d1.ID); !errors.Is(err, pronounce.ErrUnknown) {
		t.Fatalf("bob deletes alice's: %v", err)
	}
	if l, err := s.List(ctx, alice); err != nil || len(l) != 2 || l[0].ID != d2.ID || len(l[0].Entries) != 2 {
		t.Fatalf("list: %+v %v", l, err)
	}
	if lex, err := s.Lexicon(ctx, alice, nil); lex != nil || err != nil {
		t.Fatalf("no ids: %v %v", lex, err)
	}
}

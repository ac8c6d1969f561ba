package store

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"
)

var pronunciationsIDFormat = regexp.MustCompile(`^pd_[a-z2-7]{20}$`)

func TestPronunciationsCRUD(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		clock := useFakeClock(db)
		ctx := context.Background()
		alice, bob := newAccount(t, db, "alice"), newAccount(t, db, "bob")

		first, err := db.CreatePronunciations(ctx, Pronunciations{AccountID: alice.AccountID, Name: "brands", Language: "English",
			Entries: []byte(`[{"text":"Parley","ipa":"ˈpɑːli"}]`)}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if !pronunciationsIDFormat.MatchString(first.ID) {
			t.Fatalf("id %q", first.ID)
		}
		clock.advance(time.Second)
		second, err := db.CreatePronunciations(ctx, Pronunciations{AccountID: alice.AccountID, Entries: []byte(`[]`)}, 10)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.GetPronunciations(ctx, alice.AccountID, first.ID)
		if err != nil || got.Name != "brands" || got.Language != "English" || string(got.Entries) != `[{"text":"Parley","ipa":"ˈpɑːli"}]` || !got.CreatedAt.Equal(first.CreatedAt) {
			t.Fatalf("Get: %+v %v", got, err)
		}
		list, err := db.ListPronunciations(ctx, alice.AccountID)
		if err != nil || len(list) != 2 || list[0].ID != second.ID || list[1].ID != first.ID {
			t.Fatalf("List (newest first): %+v %v", list, err)
		}
		// Another account sees nothing of it, and cannot delete it.
		if _, err := db.GetPronunciations(ctx, bob.AccountID, first.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("bob reads alice's: %v", err)
		}
		if err := db.DeletePronunciations(ctx, bob.AccountID, first.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("bob deletes alice's: %v", err)
		}
		if l, _ := db.ListPronunciations(ctx, bob.AccountID); len(l) != 0 {
			t.Fatalf("bob lists %v", l)
		}
		if err := db.DeletePronunciations(ctx, alice.AccountID, first.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GetPronunciations(ctx, alice.AccountID, first.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted: %v", err)
		}
		if err := db.DeletePronunciations(ctx, alice.AccountID, first.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted twice: %v", err)
		}
		for _, bad := range []Pronunciations{
			{AccountID: alice.AccountID, Entries: []byte(`{`)},
			{AccountID: "", Entries: []byte(`[]`)},
			{AccountID: alice.AccountID, Entries: []byte(`[]`), Name: string([]byte{0xff})},
		} {
			if _, err := db.CreatePronunciations(ctx, bad, 10); !errors.Is(err, ErrInvalid) {
				t.Errorf("Create(%+v): %v, want ErrInvalid", bad, err)
			}
		}
		if _, err := db.CreatePronunciations(ctx, Pronunciations{AccountID: "acct_nobody", Entries: []byte(`[]`)}, 10); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown account: %v", err)
		}
	})
}

// TestPronunciationsLimitUnderConcurrency creates from many goroutines at
// once, through two stores on one database: exactly the limit succeed.
func TestPronunciationsLimitUnderConcurrency(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		dbs := []*DB{be.open(t), be.open(t)}
		db := dbs[0]
		ctx := context.Background()
		acct := newAccount(t, db, "a").AccountID
		const limit, tries = 5, 20
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, limited := 0, 0
		for i := range tries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := dbs[i%2].CreatePronunciations(ctx, Pronunciations{AccountID: acct, Entries: []byte(`[]`)}, limit)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, ErrPronunciationsLimit):
					limited++
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if ok != limit || limited != tries-limit {
			t.Fatalf("%d created, %d limited; want %d and %d", ok, limited, limit, tries-limit)
		}
	})
}

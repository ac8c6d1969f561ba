package store

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var voiceIDFormat = regexp.MustCompile(`^voice_[a-z2-7]{20}$`)

// newAccount creates a key in a fresh account and returns both ids.
func newAccount(t testing.TB, db *DB, name string) Key {
	t.Helper()
	_, k, err := db.CreateKey(context.Background(), name, "pro")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func voicesEqual(a, b Voice) bool {
	return a.ID == b.ID && a.AccountID == b.AccountID && a.Name == b.Name && a.Source == b.Source &&
		a.Description == b.Description && a.RefText == b.RefText && bytes.Equal(a.Profile, b.Profile) &&
		a.CreatedAt.Equal(b.CreatedAt)
}

func voiceIDs(vs []Voice) []string {
	ids := make([]string, len(vs))
	for i, v := range vs {
		ids[i] = v.ID
	}
	return ids
}

func TestVoiceCRUD(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		clock := useFakeClock(db)
		ctx := context.Background()
		alice, bob := newAccount(t, db, "alice"), newAccount(t, db, "bob")

		inputs := []Voice{
			{AccountID: alice.AccountID, Name: "narrator", Source: VoiceFromDescription, Description: "a warm, deep male voice", Profile: []byte(`{"pitch":0.8}`)},
			{AccountID: alice.AccountID, Name: "clone", Source: VoiceFromAudio, RefText: "hello there", Profile: []byte(`{"f0":182.5,"rate":1.1}`)},
			{AccountID: bob.AccountID, Name: "bob's", Source: VoiceFromDescription, Description: "bright, fast", Profile: []byte(`[1,2,3]`)},
			{AccountID: alice.AccountID, Name: "", Source: VoiceFromDescription, Profile: []byte(`{"name":"ünïcode ✓"}`)},
		}
		var created []Voice
		for _, in := range inputs {
			clock.advance(time.Second)
			v, err := db.CreateVoice(ctx, in, 10)
			if err != nil {
				t.Fatalf("CreateVoice(%+v): %v", in, err)
			}
			if !voiceIDFormat.MatchString(v.ID) {
				t.Errorf("voice id %q does not match %v", v.ID, voiceIDFormat)
			}
			want := in
			want.ID, want.CreatedAt = v.ID, clock.now()
			if !voicesEqual(v, want) {
				t.Errorf("created %+v, want %+v", v, want)
			}
			created = append(created, v)
		}
		aliceVoices := []string{created[3].ID, created[1].ID, created[0].ID} // newest first

		t.Run("get", func(t *testing.T) {
			for _, v := range created {
				got, err := db.GetVoice(ctx, v.AccountID, v.ID)
				if err != nil || !voicesEqual(got, v) {
					t.Errorf("GetVoice(%s) = %+v, %v; want %+v", v.ID, got, err, v)
				}
			}
		})
		t.Run("other account", func(t *testing.T) {
			tests := []struct{ name, account, id string }{
				{"bob reads alice's", bob.AccountID, created[0].ID},
				{"alice reads bob's", alice.AccountID, created[2].ID},
				{"unknown account", "acct_none", created[0].ID},
				{"unknown id", alice.AccountID, "voice_aaaaaaaaaaaaaaaaaaaa"},
			}
			for _, tt := range tests {
				if _, err := db.GetVoice(ctx, tt.account, tt.id); !errors.Is(err, ErrNotFound) {
					t.Errorf("%s: GetVoice error = %v, want ErrNotFound", tt.name, err)
				}
				if err := db.DeleteVoice(ctx, tt.account, tt.id); !errors.Is(err, ErrNotFound) {
					t.Errorf("%s: DeleteVoice error = %v, want ErrNotFound", tt.name, err)
				}
			}
		})
		t.Run("list", func(t *testing.T) {
			tests := []struct {
				account string
				want    []string
			}{
				{alice.AccountID, aliceVoices},
				{bob.AccountID, []string{created[2].ID}},
				{"acct_none", nil},
			}
			for _, tt := range tests {
				got, err := db.ListVoices(ctx, tt.account)
				if err != nil || strings.Join(voiceIDs(got), ",") != strings.Join(tt.want, ",") {
					t.Errorf("ListVoices(%s) = %v, %v; want %v", tt.account, voiceIDs(got), err, tt.want)
				}
				if n, err := db.CountVoices(ctx, tt.account); err != nil || n != len(tt.want) {
					t.Errorf("CountVoices(%s) = %d, %v; want %d", tt.account, n, err, len(tt.want))
				}
			}
			all, err := db.ListAllVoices(ctx)
			if err != nil || strings.Join(voiceIDs(all), ",") != strings.Join(voiceIDs(created), ",") {
				t.Errorf("ListAllVoices = %v, %v; want %v", voiceIDs(all), err, voiceIDs(created))
			}
		})
		t.Run("delete", func(t *testing.T) {
			if err := db.DeleteVoice(ctx, alice.AccountID, created[1].ID); err != nil {
				t.Fatal(err)
			}
			if _, err := db.GetVoice(ctx, alice.AccountID, created[1].ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("GetVoice after delete: error = %v, want ErrNotFound", err)
			}
			if err := db.DeleteVoice(ctx, alice.AccountID, created[1].ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("second DeleteVoice: error = %v, want ErrNotFound", err)
			}
			got, err := db.ListVoices(ctx, alice.AccountID)
			if want := []string{created[3].ID, created[0].ID}; err != nil || strings.Join(voiceIDs(got), ",") != strings.Join(want, ",") {
				t.Errorf("ListVoices after delete = %v, %v; want %v", voiceIDs(got), err, want)
			}
			// The failed cross-account deletes above must have left bob's voice.
			if _, err := db.GetVoice(ctx, bob.AccountID, created[2].ID); err != nil {
				t.Errorf("bob's voice: %v", err)
			}
		})
	})
}

func TestCreateVoiceRejects(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		ctx := context.Background()
		k := newAccount(t, db, "k")
		good := Voice{AccountID: k.AccountID, Name: "v", Source: VoiceFromDescription, Profile: []byte(`{}`)}
		with := func(f func(*Voice)) Voice {
			v := good
			f(&v)
			return v
		}
		tests := []struct {
			name  string
			v     Voice
			limit int
			want  error
		}{
			{"unknown account", with(func(v *Voice) { v.AccountID = "acct_none" }), 3, ErrNotFound},
			{"empty account", with(func(v *Voice) { v.AccountID = "" }), 3, ErrInvalid},
			{"unknown source", with(func(v *Voice) { v.Source = "neural" }), 3, ErrInvalid},
			{"empty source", with(func(v *Voice) { v.Source = "" }), 3, ErrInvalid},
			{"profile not JSON", with(func(v *Voice) { v.Profile = []byte(`{pitch: 1}`) }), 3, ErrInvalid},
			{"empty profile", with(func(v *Voice) { v.Profile = nil }), 3, ErrInvalid},
			{"profile too long", with(func(v *Voice) { v.Profile = []byte(`"` + strings.Repeat("x", maxProfileLen) + `"`) }), 3, ErrInvalid},
			{"name too long", with(func(v *Voice) { v.Name = strings.Repeat("n", maxNameLen+1) }), 3, ErrInvalid},
			{"description not UTF-8", with(func(v *Voice) { v.Description = "\xff" }), 3, ErrInvalid},
			{"description too long", with(func(v *Voice) { v.Description = strings.Repeat("d", maxDescriptionLen+1) }), 3, ErrInvalid},
			{"ref text not UTF-8", with(func(v *Voice) { v.RefText = "\xc3" }), 3, ErrInvalid},
			{"limit zero", good, 0, ErrVoiceLimit},
			{"negative limit", good, -1, ErrVoiceLimit},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if _, err := db.CreateVoice(ctx, tt.v, tt.limit); !errors.Is(err, tt.want) {
					t.Errorf("CreateVoice error = %v, want %v", err, tt.want)
				}
			})
		}
		if all, err := db.ListAllVoices(ctx); err != nil || len(all) != 0 {
			t.Errorf("rejected creations left %d voices (%v)", len(all), err)
		}
		if _, err := db.CreateVoice(ctx, good, 1); err != nil {
			t.Errorf("the valid voice itself: %v", err)
		}
	})
}

// TestVoiceLimit creates voices concurrently through two stores on one
// database, as two processes or nodes would, so the limit must hold in the
// database's locking (SQLite's serialised writers, PostgreSQL's row lock on
// the account) and not merely in a Go mutex.
func TestVoiceLimit(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		ctx := context.Background()
		dbs := []*DB{be.open(t), be.open(t)}
		tests := []struct {
			name     string
			existing int // voices saved before the rush
			limit    int
		}{
			{"free plan, empty", 0, 3},
			{"free plan, two saved", 2, 3},
			{"already at limit", 3, 3},
			{"one slot", 0, 1},
			{"room for all", 0, 25},
		}
		const creates = 20
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				k := newAccount(t, dbs[0], tt.name)
				v := Voice{AccountID: k.AccountID, Source: VoiceFromDescription, Profile: []byte(`{}`)}
				for range tt.existing {
					if _, err := dbs[0].CreateVoice(ctx, v, creates+tt.existing); err != nil {
						t.Fatal(err)
					}
				}
				var (
					wg                sync.WaitGroup
					mu                sync.Mutex
					created, refusals int
				)
				for i := range creates {
					wg.Go(func() {
						_, err := dbs[i%2].CreateVoice(ctx, v, tt.limit)
						mu.Lock()
						defer mu.Unlock()
						switch {
						case err == nil:
							created++
						case errors.Is(err, ErrVoiceLimit):
							refusals++
						default:
							t.Error(err)
						}
					})
				}
				wg.Wait()
				want := min(creates, max(tt.limit-tt.existing, 0))
				if created != want || refusals != creates-want {
					t.Errorf("%d created, %d refused; want %d, %d", created, refusals, want, creates-want)
				}
				if n, err := dbs[1].CountVoices(ctx, k.AccountID); err != nil || n != tt.existing+want {
					t.Errorf("CountVoices = %d, %v; want %d", n, err, tt.existing+want)
				}
			})
		}
	})
}

// TestVoiceLimitFreedByDelete shows the limit counts saved voices, not
// creations: deleting one makes room for another.
func TestVoiceLimitFreedByDelete(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		ctx := context.Background()
		k := newAccount(t, db, "k")
		v := Voice{AccountID: k.AccountID, Source: VoiceFromAudio, Profile: []byte(`{}`)}
		var ids []string
		for range 2 {
			got, err := db.CreateVoice(ctx, v, 2)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, got.ID)
		}
		if _, err := db.CreateVoice(ctx, v, 2); !errors.Is(err, ErrVoiceLimit) {
			t.Fatalf("third voice: error = %v, want ErrVoiceLimit", err)
		}
		// Another account's voices do not count against this one.
		other := newAccount(t, db, "other")
		if _, err := db.CreateVoice(ctx, Voice{AccountID: other.AccountID, Source: VoiceFromAudio, Profile: []byte(`{}`)}, 2); err != nil {
			t.Fatalf("other account: %v", err)
		}
		if err := db.DeleteVoice(ctx, k.AccountID, ids[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateVoice(ctx, v, 2); err != nil {
			t.Errorf("voice after a delete: %v", err)
		}
	})
}

package store

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

func TestSettings(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir)
	ctx := context.Background()
	if _, err := db.Setting(ctx, "fp"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unset setting: %v, want ErrNotFound", err)
	}
	got, err := db.InitSetting(ctx, "fp", []byte("one"))
	if err != nil || string(got) != "one" {
		t.Fatalf("InitSetting on a fresh name = %q, %v", got, err)
	}
	// A second InitSetting keeps the first value and says so.
	if got, err := db.InitSetting(ctx, "fp", []byte("two")); err != nil || string(got) != "one" {
		t.Fatalf("InitSetting over a value = %q, %v; want the stored one", got, err)
	}
	if err := db.SetSetting(ctx, "fp", []byte("three")); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Setting(ctx, "fp"); err != nil || string(got) != "three" {
		t.Fatalf("after SetSetting: %q, %v", got, err)
	}
	for _, bad := range []struct {
		name  string
		value []byte
	}{
		{"", []byte("x")},
		{strings.Repeat("n", maxNameLen+1), []byte("x")},
		{"fp", nil},
		{"fp", make([]byte, maxSettingLen+1)},
	} {
		if err := db.SetSetting(ctx, bad.name, bad.value); !errors.Is(err, ErrInvalid) {
			t.Errorf("SetSetting(%d-byte name, %d bytes) = %v, want ErrInvalid", len(bad.name), len(bad.value), err)
		}
	}
	// Settings are durable: another handle on the file sees them.
	db.Close()
	db = openTest(t, dir)
	if got, err := db.Setting(ctx, "fp"); err != nil || string(got) != "three" {
		t.Fatalf("after reopening: %q, %v", got, err)
	}
}

// TestInitSettingRace has many goroutines, over two handles as two
// processes would have, initialise one name with different values: every
// one must be told the same winner.
func TestInitSettingRace(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		dbs := []*DB{be.open(t), be.open(t)}
		ctx := context.Background()
		const n = 16
		got := make([][]byte, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				v, err := dbs[i%2].InitSetting(ctx, "race", []byte{byte(i)})
				if err != nil {
					t.Error(err)
				}
				got[i] = v
			})
		}
		wg.Wait()
		for i := range got {
			if !bytes.Equal(got[i], got[0]) {
				t.Fatalf("InitSetting answers differ: %v", got)
			}
		}
	})
}

func TestHoldsSignedData(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		ctx := context.Background()
		if has, err := db.HoldsSignedData(ctx); err != nil || has {
			t.Fatalf("fresh store: %v, %v; want false", has, err)
		}
		secret, _, err := db.CreateKey(ctx, "k", "free")
		if err != nil {
			t.Fatal(err)
		}
		if has, err := db.HoldsSignedData(ctx); err != nil || has {
			t.Fatalf("store with an unused key: %v, %v; want false", has, err)
		}
		if _, err := db.Authenticate(ctx, secret); err != nil {
			t.Fatal(err)
		}
		if has, err := db.HoldsSignedData(ctx); err != nil || !has {
			t.Fatalf("store with a used key: %v, %v; want true", has, err)
		}
	})
	// A Twilio number's auth token is sealed with the secret.
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		ctx := context.Background()
		_, k, err := db.CreateKey(ctx, "k", "realtime")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateTwilioNumber(ctx, testNumber(k, "+15550100"), 10); err != nil {
			t.Fatal(err)
		}
		if has, err := db.HoldsSignedData(ctx); err != nil || !has {
			t.Fatalf("store with a Twilio number: %v, %v; want true", has, err)
		}
	})
}

package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parley-voice/parley/limits"
	"github.com/parley-voice/parley/store"
)

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestKeys(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	secret, k, err := db.CreateKey(ctx, "dev", "realtime")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Keys{DB: db}.Authenticate(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if p.KeyID != k.ID || p.AccountID != k.AccountID || p.Plan.Name != "realtime" || !p.Plan.WebSocket {
		t.Fatalf("principal = %+v for key %+v", p, k)
	}
	for _, bad := range []string{"", "pk_nope", secret + "x"} {
		if _, err := (Keys{DB: db}).Authenticate(ctx, bad); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("Authenticate(%q) = %v, want ErrUnauthorized", bad, err)
		}
	}
	if err := db.RevokeKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := (Keys{DB: db}).Authenticate(ctx, secret); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("revoked key: %v, want ErrUnauthorized", err)
	}
}

func TestAccountingQuota(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	secret, _, err := db.CreateKey(ctx, "q", "free")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Keys{DB: db}.Authenticate(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC)
	a := &Accounting{Limiter: limits.New(limits.Config{}), Usage: db, Now: func() time.Time { return now }}
	r, err := a.Remaining(ctx, p)
	if err != nil || r != 50_000 {
		t.Fatalf("fresh free key: remaining %d, %v; want 50000", r, err)
	}
	if err := a.Record(ctx, p, 49_990); err != nil {
		t.Fatal(err)
	}
	if r, _ := a.Remaining(ctx, p); r != 10 {
		t.Fatalf("remaining after 49990 = %d, want 10", r)
	}
	// A second Accounting (another process) sees the stored usage.
	b := &Accounting{Limiter: limits.New(limits.Config{}), Usage: db, Now: func() time.Time { return now }}
	if r, _ := b.Remaining(ctx, p); r != 10 {
		t.Fatalf("remaining seen from a fresh Accounting = %d, want 10", r)
	}
	if err := a.Record(ctx, p, 20); err != nil {
		t.Fatal(err)
	}
	if r, _ := a.Remaining(ctx, p); r != 0 {
		t.Fatalf("remaining past the quota = %d, want 0", r)
	}
	now = now.Add(2 * time.Hour) // April: a new month
	if r, _ := a.Remaining(ctx, p); r != 50_000 {
		t.Fatalf("remaining in a new month = %d, want 50000", r)
	}
	chars, reqs, err := db.Usage(ctx, p.KeyID, "2026-03")
	if err != nil || chars != 50_010 || reqs != 2 {
		t.Fatalf("stored March usage = %d chars, %d requests, %v", chars, reqs, err)
	}
}

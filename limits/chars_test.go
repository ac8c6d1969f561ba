package limits

import (
	"context"
	"errors"
	"testing"

	"github.com/parley-voice/parley/internal/testinfra"
)

// TestCharSyncKeepsChargesInFlight: a sync that reads the store while a
// charge is on its way there neither loses it nor, once it is confirmed,
// counts it twice; an undone charge leaves the ledger; and the first use
// of a month asks for its seed.
func TestCharSyncKeepsChargesInFlight(t *testing.T) {
	ctx := context.Background()
	r := testinfra.StartRedis(t, testinfra.RedisOptions{})
	l := node(t, r, Config{}, RedisConfig{})
	m := CharMonth{Key: "k", Month: "2026-03"}
	stored := int64(1_000) // what the store counts
	read := func(context.Context) (int64, error) { return stored, nil }
	used := func() int64 {
		t.Helper()
		u, _, err := l.CharsUsed(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}

	h := l.CharHold(m)
	defer h.Release()
	if _, err := h.Reserve(ctx, 5_000, 100); !errors.Is(err, ErrUnsynced) {
		t.Fatalf("first reservation of a month: %v, want ErrUnsynced", err)
	}
	if err := l.SyncChars(ctx, m, true, read); err != nil {
		t.Fatal(err)
	}
	stored = 4_000 // a seed does not replace what is there
	if err := l.SyncChars(ctx, m, true, read); err != nil || used() != 1_000 {
		t.Fatalf("seeding twice: %v, used %d; want 1000 kept", err, used())
	}
	stored = 1_000
	g, err := h.Reserve(ctx, 5_000, 100)
	if err != nil || !g.OK || g.Left != 3_900 {
		t.Fatalf("Reserve = %+v, %v; want granted with 3900 left", g, err)
	}

	// On its way to the store: a sync reading the store before it lands
	// keeps it.
	ref := h.Charge(ctx, m.Month, 100, true)
	if err := l.SyncChars(ctx, m, false, read); err != nil || used() != 1_100 {
		t.Fatalf("sync with the charge unwritten: %v, used %d; want 1100", err, used())
	}
	// Landed but not confirmed yet: counted twice, on the safe side.
	stored = 1_100
	if err := l.SyncChars(ctx, m, false, read); err != nil || used() != 1_200 {
		t.Fatalf("sync with the charge written, unconfirmed: %v, used %d; want 1200", err, used())
	}
	l.CharsWritten(ref)
	if err := l.SyncChars(ctx, m, false, read); err != nil || used() != 1_100 {
		t.Fatalf("sync once confirmed: %v, used %d; want 1100 exactly", err, used())
	}

	// A charge whose write failed is taken back.
	ref = h.Charge(ctx, m.Month, 50, true)
	if used() != 1_150 {
		t.Fatalf("used %d with a charge of 50 under way, want 1150", used())
	}
	l.Uncharge(ref)
	if err := l.SyncChars(ctx, m, false, read); err != nil || used() != 1_100 {
		t.Fatalf("after an undone charge: %v, used %d; want 1100", err, used())
	}
	// A refund in the store shows at the next sync.
	stored = 600
	if err := l.SyncChars(ctx, m, false, read); err != nil || used() != 600 {
		t.Fatalf("after a refund: %v, used %d; want 600", err, used())
	}
}

// TestCharHoldWithoutRedis: a Limiter that counts alone answers
// ErrNotShared, so that the caller uses its own ledger.
func TestCharHoldWithoutRedis(t *testing.T) {
	l := New(Config{})
	h := l.CharHold(CharMonth{Key: "k", Month: "2026-03"})
	if _, err := h.Reserve(context.Background(), 10, 1); !errors.Is(err, ErrNotShared) {
		t.Fatalf("Reserve without Redis: %v, want ErrNotShared", err)
	}
	if err := l.SyncChars(context.Background(), h.Month(), true, nil); !errors.Is(err, ErrNotShared) {
		t.Fatalf("SyncChars without Redis: %v, want ErrNotShared", err)
	}
	h.Release()
}

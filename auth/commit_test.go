package auth

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/store"
)

// TestGroupCommit charges from many goroutines at once through a slow
// write: every charge is written exactly once, concurrent ones together,
// and each caller gets the error of the write that carried its charge.
func TestGroupCommit(t *testing.T) {
	var g groupCommit
	var mu sync.Mutex
	written := map[string]int{}
	writes, inFlight, maxInFlight := 0, 0, 0
	write := func(cs []store.Charge) error {
		mu.Lock()
		writes++
		inFlight++
		maxInFlight = max(maxInFlight, inFlight)
		failed := false
		for _, c := range cs {
			written[c.KeyID]++
			failed = failed || c.Month == "2026-13" // marks a charge whose batch fails
		}
		mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		if failed {
			return errors.New("write failed")
		}
		return nil
	}
	const n = 200
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			month := "2026-12"
			if i == 150 {
				month = "2026-13"
			}
			errs[i] = g.do(store.Charge{KeyID: fmt.Sprint(i), Month: month, Chars: 1}, write)
		})
	}
	wg.Wait()
	for i := range n {
		if written[fmt.Sprint(i)] != 1 {
			t.Fatalf("charge %d written %d times", i, written[fmt.Sprint(i)])
		}
	}
	if maxInFlight != 1 {
		t.Fatalf("%d writes in flight at once, want 1", maxInFlight)
	}
	if writes >= n/2 {
		t.Fatalf("%d writes for %d concurrent charges: not grouped", writes, n)
	}
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
		}
	}
	if errs[150] == nil || failed == n {
		t.Fatalf("the failing write's callers: charge 150 got %v, %d of %d failed", errs[150], failed, n)
	}
	t.Logf("%d charges in %d writes", n, writes)
	// The group is idle again: a lone charge is written alone, at once.
	writes = 0
	if err := g.do(store.Charge{KeyID: "lone", Month: "2026-12"}, write); err != nil || writes != 1 {
		t.Fatalf("lone charge: %v, %d writes", err, writes)
	}
}

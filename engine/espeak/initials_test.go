package espeak

import (
	"context"
	"strings"
	"testing"
)

func TestBreakInitials(t *testing.T) {
	spaced := func(unit string, n int) string { // "a." n times, spaced
		return strings.TrimSuffix(strings.Repeat(unit+" ", n), " ")
	}
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"Hello, U.S.A. and the E.U.", "Hello, U.S.A. and the E.U."},
		{strings.Repeat("A.", maxInitials+1), strings.Repeat("A.", maxInitials+1)}, // 16 initials followed by a letter
		{strings.Repeat("A.", maxInitials+2), spaced("A.", maxInitials+2)},
		{strings.Repeat("a.a.a.a. ", 20), strings.Repeat("a. a. a. a. ", 20)},
		{strings.Repeat("A. ", 40), strings.Repeat("A. ", 40)}, // already spaced
		{strings.Repeat("é.", 20), spaced("é.", 20)},           // letters beyond ASCII
		{strings.Repeat("1.", 100), strings.Repeat("1.", 100)}, // numbers are textnorm's
	} {
		if got := breakInitials(tt.in); got != tt.want {
			t.Errorf("breakInitials(%.30q) = %.60q, want %.60q", tt.in, got, tt.want)
		}
		if again := breakInitials(tt.want); again != tt.want {
			t.Errorf("breakInitials is not idempotent on %.40q: %.60q", tt.want, again)
		}
	}
}

// TestLongInitialsDoNotCrash speaks and phonemises the runs of initials
// that smash espeak-ng 1.51's stack, on a worker process, so that a crash
// shows as ErrWorkerDied rather than killing the test.
func TestLongInitialsDoNotCrash(t *testing.T) {
	p := isolatedPool(t, func(c *PoolConfig) { c.Stderr = discard{} })
	ctx := context.Background()
	for _, text := range []string{
		strings.Repeat("A.", 100),
		strings.Repeat("a.", 300),
		strings.Repeat("U.S.", 50),
		strings.Repeat("a.a.a.a. ", 75),
		strings.Repeat("b.", 300),
		"Before " + strings.Repeat("Z.", 1000) + " after.",
	} {
		pcm, err := run(ctx, p, text, Params{Voice: "en-us"})
		if err != nil || len(pcm) == 0 {
			t.Fatalf("Synthesize(%.20q…): %d samples, %v", text, len(pcm), err)
		}
		if cl, err := p.Phonemize(ctx, text, "en-us"); err != nil || len(cl) == 0 {
			t.Fatalf("Phonemize(%.20q…): %d clauses, %v", text, len(cl), err)
		}
	}
	if s := p.Stats(); s.Restarts != 0 {
		t.Fatalf("workers restarted %d times: espeak-ng crashed", s.Restarts)
	}
}

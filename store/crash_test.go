package store

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// crashChildEnv, when set to a directory, turns the test binary into the
// writer that TestKillDurability kills.
const crashChildEnv = "PARLEY_STORE_CRASH_CHILD"

const crashMonth = "2025-09"

// crashChild writes to the store in dir until it is killed, printing a line
// after each write returns: "key SECRET" or "usage ID CHARS". It gives up
// after a while so that a lost parent does not leave it running.
func crashChild(dir string) int {
	ctx := context.Background()
	db, err := Open(ctx, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	deadline := time.Now().Add(time.Minute)
	var keyID string
	for i := 0; time.Now().Before(deadline); i++ {
		if i%10 == 0 {
			secret, k, err := db.CreateKey(ctx, "crash", "pro")
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			keyID = k.ID
			fmt.Printf("key %s\n", secret)
			continue
		}
		chars := int64(i%97 + 1)
		if err := db.AddUsage(ctx, keyID, crashMonth, chars); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Printf("usage %s %d\n", keyID, chars)
	}
	return 2
}

// acked is what the child acknowledged for one key.
type acked struct {
	secret          string
	chars, requests int64
}

// TestKillDurability kills a writing process with SIGKILL at a random moment,
// several times over one file, and checks after each kill that every write the
// process acknowledged survived and the file is intact.
func TestKillDurability(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	settled := map[string]acked{} // keys of earlier rounds, with their stored counts
	for round := range 5 {
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}

		lines := make(chan string)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		// Start the clock at the first acknowledgement, so the kill lands
		// among writes rather than during start-up.
		first, ok := <-lines
		if !ok {
			cmd.Wait()
			t.Fatalf("round %d: child wrote nothing: %s", round, stderr.String())
		}
		kill := time.After(time.Duration(50+rand.IntN(250)) * time.Millisecond)
		got := []string{first}
	read:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break read
				}
				got = append(got, l)
			case <-kill:
				if err := cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
				kill = nil
			}
		}
		err = cmd.Wait()
		if kill != nil || err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("round %d: child ended by itself (%v): %s", round, err, stderr.String())
		}

		want := map[string]*acked{}
		var last *acked
		for _, l := range got {
			f := strings.Fields(l)
			switch {
			case len(f) == 2 && f[0] == "key":
				last = &acked{secret: f[1]}
				id, _ := parseKey(f[1])
				want[id] = last
			case len(f) == 3 && f[0] == "usage" && last != nil:
				n, err := strconv.ParseInt(f[2], 10, 64)
				if err != nil {
					t.Fatalf("bad line %q", l)
				}
				last.chars += n
				last.requests++
			default:
				t.Fatalf("bad line %q", l)
			}
		}
		t.Logf("round %d: killed after %d acknowledged writes", round, len(got))
		checkAfterCrash(ctx, t, dir, want, settled)
	}
}

func checkAfterCrash(ctx context.Context, t *testing.T, dir string, want map[string]*acked, settled map[string]acked) {
	t.Helper()
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer db.Close()
	var integrity string
	if err := db.r.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check = %q, %v", integrity, err)
	}

	// The child may have finished one write it did not live to acknowledge,
	// and no more.
	unacked := 0
	for id, a := range want {
		if _, err := db.Authenticate(ctx, a.secret); err != nil {
			t.Errorf("acknowledged key %s lost: %v", id, err)
		}
		chars, reqs, err := db.Usage(ctx, id, crashMonth)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case reqs == a.requests && chars == a.chars:
		case reqs == a.requests+1 && chars > a.chars:
			unacked++
		default:
			t.Errorf("key %s: stored %d chars in %d requests, acknowledged %d in %d", id, chars, reqs, a.chars, a.requests)
		}
		settled[id] = acked{secret: a.secret, chars: chars, requests: reqs}
	}
	keys, err := db.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if _, ok := settled[k.ID]; !ok {
			unacked++ // created, not acknowledged; counted once in settled from now on
			settled[k.ID] = acked{}
		}
	}
	if unacked > 1 {
		t.Errorf("%d unacknowledged writes survived; at most the one in flight may", unacked)
	}
	for id, s := range settled {
		if _, fresh := want[id]; fresh || s.secret == "" {
			continue
		}
		if chars, reqs, err := db.Usage(ctx, id, crashMonth); err != nil || chars != s.chars || reqs != s.requests {
			t.Errorf("earlier key %s changed: %d chars, %d requests, %v; had %d, %d", id, chars, reqs, err, s.chars, s.requests)
		}
	}
}

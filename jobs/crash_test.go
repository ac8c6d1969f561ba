package jobs

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/store"
)

// crashChildEnv, when set to a directory, turns the test binary into the
// process that TestKillDurability kills.
const crashChildEnv = "PARLEY_JOBS_CRASH_CHILD"

// crashChild runs a Manager on the data directory dir and, until it is
// killed, alternately submits a job and saves a voice, printing a line after
// each returns: "account ID", then "job ID" and "voice ID". It gives up after
// a while so that a lost parent does not leave it running.
func crashChild(dir string) int {
	ctx := context.Background()
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	db, err := store.Open(ctx, dir)
	if err != nil {
		return fail(err)
	}
	_, k, err := db.CreateKey(ctx, "crash", "scale")
	if err != nil {
		return fail(err)
	}
	m, err := New(crashConfig(dir), db, &writeRunner{})
	if err != nil {
		return fail(err)
	}
	m.Start()
	fmt.Printf("account %s\n", k.AccountID)
	deadline := time.Now().Add(time.Minute)
	for i := 0; time.Now().Before(deadline); i++ {
		j, err := m.Submit(ctx, store.Job{AccountID: k.AccountID, KeyID: k.ID, Request: fmt.Appendf(nil, `{"n":%d}`, i), Format: "wav"})
		if err != nil {
			return fail(err)
		}
		fmt.Printf("job %s\n", j.ID)
		v, err := db.CreateVoice(ctx, store.Voice{AccountID: k.AccountID, Name: fmt.Sprint("v", i), Source: store.VoiceFromDescription,
			Profile: fmt.Appendf(nil, `{"n":%d}`, i)}, 1_000_000)
		if err != nil {
			return fail(err)
		}
		fmt.Printf("voice %s\n", v.ID)
	}
	return 2
}

func crashConfig(dir string) Config {
	cfg := fastConfig(dir)
	// Every kill may cut a job short, so allow more attempts than there
	// are kills. The child submits as fast as it can: the queue cap is not
	// what this test is about.
	cfg.MaxAttempts = 10
	cfg.MaxUnfinishedPerAccount = -1
	return cfg
}

// crashAcks is what one child acknowledged.
type crashAcks struct {
	account string
	jobs    []string
	voices  []string
}

// TestKillDurability kills a process that submits jobs and saves voices while
// its workers write audio, with SIGKILL at a random moment, several times
// over one data directory. After each kill every acknowledged job and voice
// must be there, every job the store calls succeeded must have its whole
// audio file, and the database must be intact. At the end a new Manager must
// finish every job.
func TestKillDurability(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var all []crashAcks
	for round := range 3 {
		acks := runCrashChild(t, exe, dir, round)
		all = append(all, acks)
		t.Logf("round %d: killed after %d jobs and %d voices acknowledged", round, len(acks.jobs), len(acks.voices))

		db, err := store.Open(ctx, dir)
		if err != nil {
			t.Fatalf("reopen after kill: %v", err)
		}
		if err := db.IntegrityCheck(ctx); err != nil {
			t.Error(err)
		}
		for _, a := range all {
			checkAcked(t, db, dir, a)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}

	db := openStore(t, dir)
	e := &env{dir: dir, db: db}
	e.start(t, crashConfig(dir), &writeRunner{})
	for _, a := range all {
		for _, id := range a.jobs {
			j := waitJob(t, db, store.Job{ID: id, AccountID: a.account}, "finished", finished)
			if j.Status != store.JobSucceeded {
				t.Errorf("job %s ended %s: %s", id, j.Status, j.Error)
			}
			checkAudio(t, db, j)
		}
	}
}

// runCrashChild starts a child on dir, kills it at a random moment once it
// has acknowledged something, and returns what it acknowledged.
func runCrashChild(t *testing.T, exe, dir string, round int) crashAcks {
	t.Helper()
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
	// Start the clock at the first acknowledgement, so the kill lands among
	// writes rather than during start-up.
	first, ok := <-lines
	if !ok {
		cmd.Wait()
		t.Fatalf("round %d: child wrote nothing: %s", round, stderr.String())
	}
	kill := time.After(time.Duration(200+rand.IntN(500)) * time.Millisecond)
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
	var acks crashAcks
	for _, l := range got {
		kind, id, ok := strings.Cut(l, " ")
		switch {
		case ok && kind == "account" && acks.account == "":
			acks.account = id
		case ok && kind == "job" && acks.account != "":
			acks.jobs = append(acks.jobs, id)
		case ok && kind == "voice" && acks.account != "":
			acks.voices = append(acks.voices, id)
		default:
			t.Fatalf("round %d: bad line %q", round, l)
		}
	}
	return acks
}

// checkAcked checks that everything in a survived, and that at most one
// voice (the one being saved at the kill) exists unacknowledged.
func checkAcked(t *testing.T, db *store.DB, dir string, a crashAcks) {
	t.Helper()
	ctx := context.Background()
	statuses := map[string]int{}
	for _, id := range a.jobs {
		j, err := db.GetJob(ctx, a.account, id)
		if err != nil {
			t.Errorf("acknowledged job %s lost: %v", id, err)
			continue
		}
		statuses[j.Status]++
		if j.Status == store.JobSucceeded {
			checkAudio(t, db, j)
		}
	}
	t.Logf("account %s: jobs by status %v", a.account, statuses)
	for _, id := range a.voices {
		if _, err := db.GetVoice(ctx, a.account, id); err != nil {
			t.Errorf("acknowledged voice %s lost: %v", id, err)
		}
	}
	vs, err := db.ListVoices(ctx, a.account)
	if err != nil {
		t.Fatal(err)
	}
	if extra := len(vs) - len(a.voices); extra < 0 || extra > 1 {
		t.Errorf("account %s has %d voices, %d acknowledged: at most the one in flight may be extra", a.account, len(vs), len(a.voices))
	}
}

// checkAudio checks that a succeeded job's audio is whole in the store.
func checkAudio(t *testing.T, db *store.DB, j store.Job) {
	t.Helper()
	var audio bytes.Buffer
	if _, err := db.WriteJobAudio(context.Background(), j.ID, &audio); err != nil {
		t.Errorf("job %s succeeded without its audio: %v", j.ID, err)
		return
	}
	if !bytes.Equal(audio.Bytes(), fakeAudio(j)) || j.AudioBytes != int64(audio.Len()) {
		t.Errorf("job %s: stored audio of %d bytes (%d recorded) is not what was written (%d)", j.ID, audio.Len(), j.AudioBytes, len(fakeAudio(j)))
	}
}

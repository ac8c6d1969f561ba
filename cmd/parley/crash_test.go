package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parley-voice/parley/store"
)

// TestMain lets the test binary act as `parley`: a child process started
// with PARLEY_TEST_MAIN=1 runs the command line in its arguments.
func TestMain(m *testing.M) {
	if os.Getenv("PARLEY_TEST_MAIN") == "1" {
		args := os.Args[1:]
		for i, a := range args {
			if a == "--" {
				args = args[i+1:]
				break
			}
		}
		// As main does, so that SIGTERM shuts the child down gracefully.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, args, os.Stdin, os.Stdout, os.Stderr)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var listening = regexp.MustCompile(`"addr":"([0-9.:]+)"`)

// startServe runs `parley serve` in a child process and returns its base URL.
func startServe(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "serve", "--addr", "127.0.0.1:0", "--data", dir)
	cmd.Env = append(os.Environ(), "PARLEY_TEST_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	addr := make(chan string, 1)
	go func() {
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		return cmd, "http://" + a
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("server did not start")
	}
	return nil, ""
}

// TestKill9KeepsAcknowledgedWrites kills the server with SIGKILL while
// clients create voices and synthesise (recording usage), restarts it, and
// checks that every acknowledged voice and every acknowledged character is
// there.
func TestKill9KeepsAcknowledgedWrites(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	key, k, err := db.CreateKey(context.Background(), "crash", "scale")
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	cmd, base := startServe(t, dir)

	post := func(path string, body any) (int, []byte, error) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", base+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		return resp.StatusCode, data, err
	}
	var mu sync.Mutex
	var voices []string
	var chars int
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if w%2 == 0 {
					status, body, err := post("/v1/voices", map[string]any{"name": fmt.Sprintf("v%d-%d", w, i), "voice_description": "a calm woman"})
					if err == nil && status == 201 {
						var v struct{ ID string }
						if json.Unmarshal(body, &v) == nil {
							mu.Lock()
							voices = append(voices, v.ID)
							mu.Unlock()
						}
					}
					if status == 403 { // the plan's voice limit: stop making voices
						return
					}
				} else {
					text := fmt.Sprintf("Usage record %d.", i)
					status, _, err := post("/v1/audio/speech", map[string]any{"text": text, "response_format": "pcm"})
					if err == nil && status == 200 {
						mu.Lock()
						chars += len(text)
						mu.Unlock()
					}
				}
			}
		}(w)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(voices) == 0 || chars == 0 {
		t.Fatalf("nothing was acknowledged before the kill (%d voices, %d characters)", len(voices), chars)
	}

	db, err = store.Open(context.Background(), dir)
	if err != nil {
		t.Fatalf("store after kill -9: %v", err)
	}
	if err := db.IntegrityCheck(context.Background()); err != nil {
		t.Fatalf("integrity: %v", err)
	}
	for _, id := range voices {
		if _, err := db.GetVoice(context.Background(), k.AccountID, id); err != nil {
			t.Errorf("acknowledged voice %s lost: %v", id, err)
		}
	}
	used, _, err := db.Usage(context.Background(), k.ID, store.Month(time.Now()))
	db.Close()
	if err != nil || used < int64(chars) {
		t.Fatalf("usage after kill -9: %d characters recorded, %d acknowledged (%v)", used, chars, err)
	}
	t.Logf("acknowledged before SIGKILL: %d voices, %d characters; recorded: %d characters", len(voices), chars, used)

	// And the server starts again on the same data.
	cmd, base = startServe(t, dir)
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	req, _ := http.NewRequest("GET", base+"/v1/voices", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after restart: %v %v", err, resp)
	}
	resp.Body.Close()
}

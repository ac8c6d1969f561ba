package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestKeyLinkAsksBeforeReplacing opens links to the agent page that carry
// keys, in Chromium (tests/node/key-link.mjs), one profile throughout: a
// first key is stored without a question, the same key again asks nothing,
// a different key asks (showing only the last four characters of each),
// and is stored when the user accepts and not when the user dismisses.
// The key never stays in the address bar.
func TestKeyLinkAsksBeforeReplacing(t *testing.T) {
	nodeDir, err := filepath.Abs("../tests/node")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("Chromium is required for the browser test (apt-get install chromium): %v", err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node is required for the browser test (make test-deps): %v", err)
	}
	if _, err := os.Stat(filepath.Join(nodeDir, "node_modules", "playwright-core")); err != nil {
		t.Fatalf("npm package playwright-core is not installed (make test-deps): %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle(Path, Handler())
	mux.Handle(Path+"/", Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	const (
		first  = "pk_firstkey1_aaaaaaaaaaaaaaaaaaaaaaaaaaaa1111"
		second = "pk_secondky2_bbbbbbbbbbbbbbbbbbbbbbbbbbbb2222"
		third  = "pk_thirdkey3_cccccccccccccccccccccccccccc3333"
	)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "key-link.mjs", "--url", srv.URL+Path,
		"--step", first+":none", "--step", first+":none", "--step", second+":accept", "--step", third+":dismiss")
	cmd.Dir = nodeDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	var res struct {
		OK      bool     `json:"ok"`
		Error   string   `json:"error"`
		Console []string `json:"console"`
		Steps   []struct {
			Key     string `json:"key"`
			Answer  string `json:"answer"`
			Dialogs []struct {
				Type    string `json:"type"`
				Message string `json:"message"`
			} `json:"dialogs"`
			StoredKey    string `json:"storedKey"`
			LocationHash string `json:"locationHash"`
			SettingsKey  string `json:"settingsKey"`
			Notice       string `json:"notice"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(lastLine(out), &res); err != nil || runErr != nil || !res.OK || len(res.Steps) != 4 {
		t.Fatalf("key-link.mjs: %v (%v)\nstdout: %s\nstderr: %s", runErr, err, out, stderr.String())
	}
	if len(res.Console) > 0 {
		t.Errorf("console errors or warnings: %q", res.Console)
	}
	want := []struct {
		stored        string
		asked         bool
		oldTail, tail string
	}{
		{first, false, "", ""},
		{first, false, "", ""},
		{second, true, "1111", "2222"},
		{second, true, "2222", "3333"},
	}
	for i, s := range res.Steps {
		w := want[i]
		if s.StoredKey != w.stored || s.SettingsKey != w.stored {
			t.Errorf("step %d (%s): stored key %q, settings show %q; want %q", i+1, s.Answer, s.StoredKey, s.SettingsKey, w.stored)
		}
		if s.LocationHash != "" {
			t.Errorf("step %d: the key stayed in the address bar: %q", i+1, s.LocationHash)
		}
		if !w.asked {
			if len(s.Dialogs) != 0 {
				t.Errorf("step %d: asked %+v, want no question", i+1, s.Dialogs)
			}
			continue
		}
		if len(s.Dialogs) != 1 || s.Dialogs[0].Type != "confirm" {
			t.Errorf("step %d: dialogs %+v, want one confirm", i+1, s.Dialogs)
			continue
		}
		msg := s.Dialogs[0].Message
		if !strings.Contains(msg, "…"+w.tail) || !strings.Contains(msg, "…"+w.oldTail) {
			t.Errorf("step %d: dialog %q lacks the last four characters of both keys", i+1, msg)
		}
		for _, k := range []string{first, second, third} {
			if strings.Contains(msg, k[:len(k)-4]) {
				t.Errorf("step %d: dialog %q shows more of a key than its last four characters", i+1, msg)
			}
		}
	}
	if n := res.Steps[3].Notice; !strings.Contains(n, "…2222") {
		t.Errorf("after dismissing, the notice is %q; want it to say the stored key was kept", n)
	}
}

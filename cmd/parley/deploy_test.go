package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/internal/testinfra"
)

// serveFlags are the flags `parley serve -h` lists.
func serveFlags(t *testing.T) []string {
	t.Helper()
	_, usage, _ := runCmd(t, "", "serve", "-h")
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`).FindAllStringSubmatch(usage, -1) {
		names = append(names, m[1])
	}
	if len(names) < 10 {
		t.Fatalf("serve -h lists %d flags:\n%s", len(names), usage)
	}
	return names
}

// notYet are flags the deployment files use before the code has them (none
// now). Once a flag exists, this test says so.
var notYet []string

// TestDeployFilesUseRealFlags: every flag of compose.yaml and every
// PARLEY_ variable of parley.service is one `parley serve` knows, and the
// stop timeouts leave the shutdown grace (15 s) room.
func TestDeployFilesUseRealFlags(t *testing.T) {
	known := serveFlags(t)
	compose := testinfra.RepoFile(t, "deploy/compose.yaml")
	unit := testinfra.RepoFile(t, "deploy/parley.service")
	used := map[string]bool{}
	node := regexp.MustCompile(`(?s)command: \["serve",(.*?)\]`).FindStringSubmatch(compose)
	if node == nil {
		t.Fatal("compose.yaml has no node command")
	}
	for _, m := range regexp.MustCompile(`"--([a-z0-9-]+)"`).FindAllStringSubmatch(node[1], -1) {
		used[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`PARLEY_([A-Z0-9_]+)=`).FindAllStringSubmatch(unit, -1) {
		name := strings.ToLower(strings.ReplaceAll(m[1], "_", "-"))
		if name != "vad-model" && name != "ort-lib" { // agent assets, not flags
			used[name] = true
		}
	}
	for _, m := range regexp.MustCompile(`parley serve ((?:--?[a-z-]+ [^ \n]+ ?)+)`).FindAllStringSubmatch(unit, -1) {
		for _, f := range regexp.MustCompile(`--?([a-z0-9-]+)`).FindAllStringSubmatch(m[1], -1) {
			used[f[1]] = true
		}
	}
	for _, f := range []string{"store-url", "redis-url", "trusted-proxies", "data", "addr"} {
		if !used[f] {
			t.Errorf("the deployment files do not set --%s", f)
		}
	}
	for f := range used {
		switch {
		case slices.Contains(known, f) && slices.Contains(notYet, f):
			t.Errorf("--%s exists now: remove it from notYet", f)
		case !slices.Contains(known, f) && !slices.Contains(notYet, f):
			t.Errorf("the deployment files use --%s, which parley serve does not know", f)
		}
	}
	grace := 15 * time.Second
	for file, re := range map[string]string{
		"compose.yaml":   `stop_grace_period: (\S+)`,
		"parley.service": `TimeoutStopSec=(\S+)`,
	} {
		text := map[string]string{"compose.yaml": compose, "parley.service": unit}[file]
		m := regexp.MustCompile(re).FindStringSubmatch(text)
		if m == nil {
			t.Errorf("%s sets no stop timeout", file)
			continue
		}
		if d, err := time.ParseDuration(m[1]); err != nil || d <= grace {
			t.Errorf("%s stop timeout %s: want longer than the %v shutdown grace", file, m[1], grace)
		}
	}
}

// TestSystemdUnitVerifies runs systemd-analyze verify on parley.service,
// with the binary path pointing at an executable that exists. Any message
// fails the test: systemd-analyze exits 0 on settings it ignores.
func TestSystemdUnitVerifies(t *testing.T) {
	bin, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Fatalf("systemd-analyze not found (%v); install Debian's systemd: scripts/deps.sh --test", err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	unit := testinfra.RepoFile(t, "deploy/parley.service")
	if !strings.Contains(unit, "ExecStart=/usr/local/bin/parley ") {
		t.Fatal("parley.service does not start /usr/local/bin/parley")
	}
	for _, want := range []string{"User=parley", "KillSignal=SIGTERM", "Restart=on-failure"} {
		if !strings.Contains(unit, "\n"+want+"\n") {
			t.Errorf("parley.service lacks %s", want)
		}
	}
	path := filepath.Join(t.TempDir(), "parley.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(unit, "/usr/local/bin/parley", exe)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

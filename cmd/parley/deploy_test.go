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
	"github.com/parley-voice/parley/server"
)

// serveFlags are the flags of `parley serve`, aliases included, and the
// environment variables it reads, each with its flag's name.
func serveFlags() (flags []string, env map[string]string) {
	c := defaultServeConfig()
	env = map[string]string{}
	for _, s := range serveSettings(&c) {
		flags = append(flags, s.name())
		flags = append(flags, s.aliases...)
		for _, e := range s.envNames() {
			env[e] = s.name()
		}
	}
	return flags, env
}

// notYet are flags the deployment files use before the code has them (none
// now). Once a flag exists, this test says so.
var notYet []string

// TestDeployFilesUseRealFlags: every flag of compose.yaml and every
// PARLEY_ variable of parley.service and the Dockerfile is one `parley
// serve` knows, and the stop timeouts leave the shutdown grace (15 s)
// room.
func TestDeployFilesUseRealFlags(t *testing.T) {
	known, knownEnv := serveFlags()
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
	dockerfile := testinfra.RepoFile(t, "deploy/Dockerfile")
	for _, m := range regexp.MustCompile(`(PARLEY_[A-Z0-9_]+)=`).FindAllStringSubmatch(unit+dockerfile, -1) {
		name, ok := knownEnv[m[1]]
		if !ok {
			t.Errorf("the deployment files set %s, which parley serve does not read", m[1])
			continue
		}
		used[name] = true
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
	grace := server.DefaultConfig().ShutdownGrace
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

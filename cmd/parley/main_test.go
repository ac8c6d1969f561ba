package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/store"
)

func runCmd(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func TestSayWritesWAV(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "hi.wav")
	_, stderr, err := runCmd(t, "", "say", "--voice-description", "a deep male voice", "-o", file, "Hello there, this is Parley.")
	if err != nil {
		t.Fatalf("say: %v (%s)", err, stderr)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pcm, rate, err := audio.ReadWAV(f)
	if err != nil {
		t.Fatal(err)
	}
	if rate != protocol.SampleRate {
		t.Fatalf("rate %d, want 24000", rate)
	}
	if d := audio.Duration(len(pcm), rate).Seconds(); d < 1 || d > 5 {
		t.Fatalf("%.2f s of audio for five words", d)
	}
	if lvl := audio.RMSdBFS(pcm); lvl < -35 {
		t.Fatalf("level %.1f dBFS: silent", lvl)
	}
	// "deep male" must sound like a man: median F0 well below a woman's.
	if f0 := audio.AnalyzePitch(pcm, rate).MedianHz; f0 > 140 {
		t.Fatalf("median F0 %.0f Hz for a deep male voice", f0)
	}
}

func TestSayStdinToStdout(t *testing.T) {
	out, stderr, err := runCmd(t, "Read from standard input.", "say", "--language", "English", "-o", "-", "-")
	if err != nil {
		t.Fatalf("say: %v (%s)", err, stderr)
	}
	pcm, rate, err := audio.ReadWAV(strings.NewReader(out))
	if err != nil || rate != 24000 || len(pcm) < 24000/2 {
		t.Fatalf("stdout WAV: %d samples at %d Hz, %v", len(pcm), rate, err)
	}
}

func TestSayErrors(t *testing.T) {
	for _, args := range [][]string{
		{"say"},
		{"say", "--language", "Klingon", "hi"},
		{"say", "   "},
		{"say", "a", "b"},
	} {
		if _, _, err := runCmd(t, "", args...); err == nil {
			t.Errorf("parley %v succeeded", args)
		}
	}
}

func TestKeysCreateListRevoke(t *testing.T) {
	dir := t.TempDir()
	out, _, err := runCmd(t, "", "keys", "create", "--plan", "realtime", "--name", "ci", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	secret := lines[len(lines)-1]
	if !strings.HasPrefix(secret, "pk_") {
		t.Fatalf("last line %q is not a key", secret)
	}
	db, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	k, err := db.Authenticate(context.Background(), secret)
	db.Close()
	if err != nil || k.Plan != "realtime" || k.Name != "ci" {
		t.Fatalf("created key authenticates as %+v, %v", k, err)
	}
	out, _, err = runCmd(t, "", "keys", "list", "--data", dir)
	if err != nil || !strings.Contains(out, k.ID) || strings.Contains(out, secret) {
		t.Fatalf("keys list: %v\n%s", err, out)
	}
	// Flags may follow the ID, as the README writes it.
	if _, _, err := runCmd(t, "", "keys", "revoke", k.ID, "--data", dir); err != nil {
		t.Fatal(err)
	}
	out, _, _ = runCmd(t, "", "keys", "list", "--data", dir)
	if !strings.Contains(out, "revoked") {
		t.Fatalf("revoked key not shown as revoked:\n%s", out)
	}
	if _, _, err := runCmd(t, "", "keys", "create", "--plan", "gold", "--data", dir); err == nil {
		t.Fatal("unknown plan accepted")
	}
}

func TestParseInterleaved(t *testing.T) {
	fs := newFlagSet("x", &bytes.Buffer{})
	o := fs.String("o", "", "")
	v := fs.Bool("v", false, "")
	if err := parse(fs, []string{"first", "-o", "f.wav", "second", "-v", "--", "-not-a-flag"}); err != nil {
		t.Fatal(err)
	}
	if *o != "f.wav" || !*v || strings.Join(fs.Args(), "|") != "first|second|-not-a-flag" {
		t.Fatalf("o=%q v=%v args=%q", *o, *v, fs.Args())
	}
}

func TestEnvironmentFillsFlags(t *testing.T) {
	t.Setenv("PARLEY_PLAN", "scale")
	dir := t.TempDir()
	out, _, err := runCmd(t, "", "keys", "create", "--data", dir)
	if err != nil {
		t.Fatalf("PARLEY_PLAN not applied: %v", err)
	}
	if !strings.Contains(out, "plan scale") {
		t.Fatalf("output %q", out)
	}
}

func TestVoicesList(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	_, k, err := db.CreateKey(context.Background(), "v", "free")
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.CreateVoice(context.Background(), store.Voice{AccountID: k.AccountID, Name: "Narrator", Source: store.VoiceFromDescription,
		Description: "a deep man", Profile: []byte(`{}`)}, 3)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, "", "voices", "list", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{v.ID, k.AccountID, "Narrator", "a deep man"} {
		if !strings.Contains(out, want) {
			t.Errorf("voices list lacks %q:\n%s", want, out)
		}
	}
	if _, _, err := runCmd(t, "", "voices", "rm"); err == nil {
		t.Error("voices rm accepted")
	}
}

// TestServeRefusesLostVoiceSecret: `parley serve` on a store that holds
// signed data but whose voice-secret is gone exits with an error that
// names the file and the flag, without listening.
func TestServeRefusesLostVoiceSecret(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := db.CreateKey(context.Background(), "k", "free")
	if err == nil {
		_, err = db.Authenticate(context.Background(), key)
	}
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = runCmd(t, "", "serve", "--addr", "127.0.0.1:0", "--data", dir, "--no-espeak")
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "voice-secret")) || !strings.Contains(err.Error(), "--rotate-voice-secret") {
		t.Fatalf("serve = %v; want a refusal naming the file and --rotate-voice-secret", err)
	}
}

// TestServeIsolatesEspeakByDefault: `parley serve` speaks client text with
// espeak-ng only in worker processes unless told --espeak-in-process, so
// it refuses to run without one.
func TestServeIsolatesEspeakByDefault(t *testing.T) {
	_, _, err := runCmd(t, "", "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--espeak-workers", "0")
	if err == nil || !strings.Contains(err.Error(), "isolated in worker processes") {
		t.Fatalf("serve --espeak-workers 0 = %v; want a refusal: espeak-ng would have no isolated worker", err)
	}
}

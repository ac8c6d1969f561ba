package voice

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/parley-voice/parley/protocol"
)

var (
	testSecret  = Secret(bytes.Repeat([]byte{0x5a}, SecretSize))
	otherSecret = Secret(bytes.Repeat([]byte{0xa5}, SecretSize))
)

const testAccount = "acct_7f3a"

// promptProfiles covers designed, matched and extreme profiles.
func promptProfiles() []Profile {
	ps := []Profile{
		Default(),
		Design("a warm, deep male voice, speaking slowly"),
		Design("an old Scottish man, whispering"),
		Design("a robotic woman"),
		Design("extremely extremely monotone"),
		Match(Analysis{MedianF0: 210, F0P10: 190, F0P90: 240, SpeechRate: 4}, protocol.Spanish),
		{Gender: GenderMale, Accent: AccentSwiss, Age: AgeYoung, Style: StyleRobotic, Pitch: MinPitch, Range: MinRange, Rate: MinRate, Volume: MinVolume},
		{Pitch: MaxPitch, Range: MaxRange, Rate: MaxRate, Volume: MaxVolume},
		{Pitch: 1.0 / 3, Range: math.Nextafter(1, 2), Rate: 1, Volume: 1},
	}
	for _, a := range knownAccents {
		ps = append(ps, Profile{Gender: GenderFemale, Accent: a, Range: 1, Rate: 1, Volume: 1})
	}
	return ps
}

func withoutTerms(p Profile) Profile {
	p.Terms = nil
	return p
}

func TestPromptRoundTrip(t *testing.T) {
	for _, p := range promptProfiles() {
		prompt, err := EncodePrompt(testSecret, testAccount, p)
		if err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
		if !strings.HasPrefix(prompt, "vcp1.") || strings.Count(prompt, ".") != 2 || strings.ContainsFunc(prompt, func(r rune) bool {
			return !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.", r)
		}) {
			t.Errorf("%+v: malformed prompt %q", p, prompt)
		}
		if again, _ := EncodePrompt(testSecret, testAccount, p); again != prompt {
			t.Errorf("%+v: not deterministic", p)
		}
		got, err := DecodePrompt(testSecret, testAccount, prompt)
		if err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
		if !reflect.DeepEqual(got, withoutTerms(p)) {
			t.Errorf("round trip: %+v, want %+v", got, withoutTerms(p))
		}
		// Prompts for different profiles or accounts differ.
		if other, _ := EncodePrompt(testSecret, testAccount+"x", p); other == prompt {
			t.Errorf("%+v: the account does not change the prompt", p)
		}
	}
}

// TestPromptTamper changes, drops or adds every byte of a valid prompt:
// none of the results may be accepted.
func TestPromptTamper(t *testing.T) {
	prompt, err := EncodePrompt(testSecret, testAccount, Design("a warm, deep male voice, speaking slowly"))
	if err != nil {
		t.Fatal(err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \r\n\x00\xff"
	try := func(what, s string) {
		t.Helper()
		if s == prompt {
			return
		}
		if p, err := DecodePrompt(testSecret, testAccount, s); err != ErrInvalidPrompt {
			t.Fatalf("%s: accepted %q as %+v (err %v)", what, s, p, err)
		}
	}
	for i := range len(prompt) {
		for j := range len(alphabet) {
			try(fmt.Sprintf("byte %d to %q", i, alphabet[j]), prompt[:i]+alphabet[j:j+1]+prompt[i+1:])
		}
		for _, bit := range []byte{1, 2, 4, 8, 16, 32, 64, 128} {
			try(fmt.Sprintf("byte %d ^ %d", i, bit), prompt[:i]+string(prompt[i]^bit)+prompt[i+1:])
		}
		try(fmt.Sprintf("without byte %d", i), prompt[:i]+prompt[i+1:])
		try(fmt.Sprintf("cut at %d", i), prompt[:i])
		for _, c := range []string{"A", "\n", "\r", "="} {
			try(fmt.Sprintf("insert %q at %d", c, i), prompt[:i]+c+prompt[i:])
		}
	}
	try("appended", prompt+"A")
	try("appended dot", prompt+".")
	try("upper-cased", strings.ToUpper(prompt))
}

// signRaw makes a prompt-shaped string with a valid MAC over any prefix and
// payload, to show that a correct signature alone is not enough.
func signRaw(s Secret, prefix string, payload []byte) string {
	signed := prefix + base64.RawURLEncoding.EncodeToString(payload)
	m := hmac.New(sha256.New, s)
	m.Write([]byte(signed))
	return signed + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func TestPromptRejects(t *testing.T) {
	good, err := EncodePrompt(testSecret, testAccount, Default())
	if err != nil {
		t.Fatal(err)
	}
	payload := func(fields string) []byte {
		return []byte(`{"v":1,"a":"` + testAccount + `"` + fields + `}`)
	}
	neutral := `,"p":0,"r":1,"t":1,"vo":1`
	if _, err := DecodePrompt(testSecret, testAccount, signRaw(testSecret, "vcp1.", payload(neutral))); err != nil {
		t.Fatalf("the hand-made payload is itself invalid: %v", err)
	}
	longAccount := strings.Repeat("a", MaxPromptLen)
	tests := []struct {
		name, account, prompt string
		secret                Secret
	}{
		{"other account", "acct_other", good, testSecret},
		{"account prefix", testAccount[:len(testAccount)-1], good, testSecret},
		{"empty account", "", good, testSecret},
		{"other secret", testAccount, good, otherSecret},
		{"short secret", testAccount, good, testSecret[:SecretSize-1]},
		{"no secret", testAccount, good, nil},
		{"empty", testAccount, "", testSecret},
		{"version 2 prefix", testAccount, signRaw(testSecret, "vcp2.", payload(neutral)), testSecret},
		{"version 2 payload", testAccount, signRaw(testSecret, "vcp1.", []byte(`{"v":2,"a":"`+testAccount+`"`+neutral+`}`)), testSecret},
		{"no version", testAccount, signRaw(testSecret, "vcp1.", []byte(`{"a":"`+testAccount+`"`+neutral+`}`)), testSecret},
		{"unknown field", testAccount, signRaw(testSecret, "vcp1.", payload(neutral+`,"x":1`)), testSecret},
		{"trailing data", testAccount, signRaw(testSecret, "vcp1.", append(payload(neutral), "{}"...)), testSecret},
		{"not JSON", testAccount, signRaw(testSecret, "vcp1.", []byte("voice")), testSecret},
		{"pitch out of range", testAccount, signRaw(testSecret, "vcp1.", payload(`,"p":9,"r":1,"t":1,"vo":1`)), testSecret},
		{"rate zero", testAccount, signRaw(testSecret, "vcp1.", payload(`,"p":0,"r":1,"t":0,"vo":1`)), testSecret},
		{"unknown gender", testAccount, signRaw(testSecret, "vcp1.", payload(`,"g":"other"`+neutral)), testSecret},
		{"unknown accent", testAccount, signRaw(testSecret, "vcp1.", payload(`,"ac":"irish"`+neutral)), testSecret},
		{"other account in payload", testAccount, signRaw(testSecret, "vcp1.", []byte(`{"v":1,"a":"acct_other"`+neutral+`}`)), testSecret},
		{"oversize, signed", longAccount, signRaw(testSecret, "vcp1.", []byte(`{"v":1,"a":"`+longAccount+`"`+neutral+`}`)), testSecret},
		{"three parts", testAccount, good + ".x", testSecret},
		{"padded", testAccount, strings.Replace(good, ".", "=.", 2), testSecret},
		{"line break", testAccount, good[:20] + "\n" + good[20:], testSecret},
		{"carriage return", testAccount, good[:len(good)-5] + "\r" + good[len(good)-5:], testSecret},
	}
	for _, tt := range tests {
		p, err := DecodePrompt(tt.secret, tt.account, tt.prompt)
		if err != ErrInvalidPrompt || !reflect.DeepEqual(p, Profile{}) {
			t.Errorf("%s: %+v, %v", tt.name, p, err)
		}
	}
}

func TestEncodePromptErrors(t *testing.T) {
	tests := []struct {
		name    string
		secret  Secret
		account string
		p       Profile
	}{
		{"short secret", testSecret[:16], testAccount, Default()},
		{"no account", testSecret, "", Default()},
		{"zero profile", testSecret, testAccount, Profile{}},
		{"NaN pitch", testSecret, testAccount, Profile{Pitch: math.NaN(), Range: 1, Rate: 1, Volume: 1}},
		{"infinite volume", testSecret, testAccount, Profile{Range: 1, Rate: 1, Volume: math.Inf(1)}},
		{"unknown style", testSecret, testAccount, Profile{Style: "sung", Range: 1, Rate: 1, Volume: 1}},
		{"oversize", testSecret, strings.Repeat("a", MaxPromptLen), Default()},
	}
	for _, tt := range tests {
		if s, err := EncodePrompt(tt.secret, tt.account, tt.p); err == nil || s != "" {
			t.Errorf("%s: %q, %v", tt.name, s, err)
		}
	}
}

func TestSecretIsRedacted(t *testing.T) {
	s := Secret(bytes.Repeat([]byte("k"), SecretSize))
	for _, verb := range []string{"%v", "%s", "%x", "%X", "%q", "%#v", "%+v"} {
		if out := fmt.Sprintf(verb, s); strings.Contains(out, "kkkk") || strings.Contains(strings.ToLower(out), "6b6b6b6b") {
			t.Errorf("%s shows the secret: %s", verb, out)
		}
	}
}

func TestLoadOrCreateSecret(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "nested")
	s, err := LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != SecretSize || bytes.Equal(s, make([]byte, SecretSize)) {
		t.Fatalf("secret of %d bytes: %x", len(s), []byte(s))
	}
	path := filepath.Join(dir, SecretFile)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("secret file mode %v, want 0600", st.Mode().Perm())
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("data directory mode %v, %v", st.Mode().Perm(), err)
	}
	again, err := LoadOrCreateSecret(dir)
	if err != nil || !bytes.Equal(again, s) {
		t.Errorf("second load: %x, %v; want the same secret", []byte(again), err)
	}
	// A different directory gets a different secret.
	if other, err := LoadOrCreateSecret(t.TempDir()); err != nil || bytes.Equal(other, s) {
		t.Errorf("another directory: %v, same secret %v", err, bytes.Equal(other, s))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files left in the data directory, want only %s", len(entries), SecretFile)
	}
}

func TestLoadOrCreateSecretMalformed(t *testing.T) {
	for _, content := range [][]byte{{}, make([]byte, SecretSize-1), make([]byte, SecretSize+1), []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n")} {
		dir := t.TempDir()
		path := filepath.Join(dir, SecretFile)
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		if s, err := LoadOrCreateSecret(dir); err == nil {
			t.Errorf("%d bytes accepted as %x", len(content), []byte(s))
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(after, content) {
			t.Errorf("%d bytes: the file was changed", len(content))
		}
	}
	// A directory where the file should be is an error, not a new secret.
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, SecretFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateSecret(dir); err == nil {
		t.Error("a directory was read as a secret")
	}
}

// TestLoadOrCreateSecretConcurrent starts many creators on one empty
// directory: all of them must end up with the secret on disk.
func TestLoadOrCreateSecretConcurrent(t *testing.T) {
	dir := t.TempDir()
	const n = 16
	secrets := make([]Secret, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { secrets[i], errs[i] = LoadOrCreateSecret(dir) })
	}
	wg.Wait()
	disk, err := os.ReadFile(filepath.Join(dir, SecretFile))
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if errs[i] != nil || !bytes.Equal(secrets[i], disk) {
			t.Errorf("creator %d: %v, secret matches the file: %v", i, errs[i], bytes.Equal(secrets[i], disk))
		}
	}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() != SecretFile {
			t.Errorf("left behind: %s", d.Name())
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// FuzzDecodePrompt checks that DecodePrompt never panics, fails only with
// ErrInvalidPrompt, and accepts only what EncodePrompt makes.
func FuzzDecodePrompt(f *testing.F) {
	for _, p := range promptProfiles()[:4] {
		prompt, err := EncodePrompt(testSecret, testAccount, p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(prompt)
		f.Add(prompt[:len(prompt)-1] + "B")
		f.Add(strings.Replace(prompt, "vcp1.", "vcp2.", 1))
	}
	other, _ := EncodePrompt(otherSecret, testAccount, Default())
	f.Add(other)
	for _, s := range []string{"", "vcp1.", "vcp1..", "vcp1.e30.", ".", strings.Repeat("A", MaxPromptLen+1)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := DecodePrompt(testSecret, testAccount, s)
		if err != nil {
			if err != ErrInvalidPrompt {
				t.Fatalf("%q: error %v", s, err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("%q: accepted invalid %+v: %v", s, p, err)
		}
		if again, err := EncodePrompt(testSecret, testAccount, p); err != nil || again != s {
			t.Fatalf("accepted %q, which EncodePrompt did not make (it makes %q, %v)", s, again, err)
		}
	})
}

func TestReadSecretAndFingerprint(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadSecret(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ReadSecret of a missing file: %v, want fs.ErrNotExist", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatal("ReadSecret created a file")
	}
	s, err := LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadSecret(dir)
	if err != nil || !bytes.Equal(got, s) {
		t.Fatalf("ReadSecret = %v, want the created secret", err)
	}
	fp := s.Fingerprint()
	if len(fp) != sha256.Size || !bytes.Equal(fp, got.Fingerprint()) {
		t.Fatalf("fingerprint %x is not stable", fp)
	}
	if bytes.Contains(fp, s[:8]) {
		t.Fatal("the fingerprint shows the secret")
	}
	other := bytes.Clone(s)
	other[0] ^= 1
	if bytes.Equal(Secret(other).Fingerprint(), fp) {
		t.Fatal("two secrets share a fingerprint")
	}
}

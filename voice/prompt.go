package voice

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Secret is the server's key for signing voice clone prompts. Its String
// method hides the bytes, so a Secret that reaches a log says nothing.
type Secret []byte

// SecretSize is the length of a Secret in bytes.
const SecretSize = 32

// SecretFile is the name of the secret's file in the data directory.
const SecretFile = "voice-secret"

// String hides the secret from %v, %s and %x.
func (Secret) String() string { return "voice.Secret(redacted)" }

// GoString hides the secret from %#v.
func (Secret) GoString() string { return "voice.Secret(redacted)" }

// LoadOrCreateSecret returns the secret in dataDir's SecretFile, creating
// the directory (mode 0700) and the file (mode 0600, SecretSize random
// bytes) if they are missing. The file is written under a temporary name
// and then linked into place, so no reader ever sees a partial secret, and
// when two processes race to create it both end up with the one that won
// (on filesystems without hard links it is renamed into place instead,
// and the last writer wins). A file that is not exactly SecretSize bytes
// is an error, never silently replaced: prompts signed with the old
// secret would stop working.
func LoadOrCreateSecret(dataDir string) (Secret, error) {
	path := filepath.Join(dataDir, SecretFile)
	s, err := readSecret(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return s, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("voice: secret: %w", err)
	}
	b := make([]byte, SecretSize)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("voice: secret: %w", err)
	}
	tmp, err := os.CreateTemp(dataDir, "."+SecretFile+"-*") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("voice: secret: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("voice: secret: %w", err)
	}
	switch err := os.Link(tmp.Name(), path); {
	case errors.Is(err, fs.ErrExist):
		// Another process created it first; use theirs.
		return readSecret(path)
	case err != nil:
		if err := os.Rename(tmp.Name(), path); err != nil {
			return nil, fmt.Errorf("voice: secret: %w", err)
		}
	}
	syncDir(dataDir)
	return Secret(b), nil
}

// ReadSecret returns the secret in dataDir's SecretFile without creating
// one; a missing file is an error wrapping fs.ErrNotExist.
func ReadSecret(dataDir string) (Secret, error) {
	return readSecret(filepath.Join(dataDir, SecretFile))
}

// fingerprintLabel is what Fingerprint signs. Changing it changes every
// fingerprint, so it is versioned.
const fingerprintLabel = "parley voice-secret fingerprint v1"

// Fingerprint identifies the secret without revealing it: HMAC-SHA256 of
// a fixed label under the secret. Two secrets have the same fingerprint
// only if they are the same secret.
func (s Secret) Fingerprint() []byte {
	m := hmac.New(sha256.New, s)
	m.Write([]byte(fingerprintLabel))
	return m.Sum(nil)
}

func readSecret(path string) (Secret, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("voice: secret: %w", err)
	}
	if len(b) != SecretSize {
		return nil, fmt.Errorf("voice: secret %s holds %d bytes, want %d; restore it, or delete it to make a new one (which invalidates every issued voice clone prompt)", path, len(b), SecretSize)
	}
	return Secret(b), nil
}

// syncDir makes a new directory entry durable. It is best effort: the
// file's contents are already synced, and not every filesystem can sync a
// directory.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// Prompt format, version 1.
const (
	promptPrefix  = "vcp1."
	promptVersion = 1
	// MaxPromptLen bounds the prompts DecodePrompt reads and EncodePrompt
	// writes; a profile's prompt is about 200 bytes plus the account id.
	MaxPromptLen = 4096
)

var b64 = base64.RawURLEncoding.Strict()

// promptPayload is what a version 1 prompt signs: the account it belongs
// to and the profile's voice. Terms are not kept.
type promptPayload struct {
	V       int     `json:"v"`
	Account string  `json:"a"`
	Gender  string  `json:"g,omitempty"`
	Accent  string  `json:"ac,omitempty"`
	Age     string  `json:"ag,omitempty"`
	Style   string  `json:"s,omitempty"`
	Pitch   float64 `json:"p"`
	Range   float64 `json:"r"`
	Rate    float64 `json:"t"`
	Volume  float64 `json:"vo"`
	Neural  string  `json:"nv,omitempty"` // Profile.Voice; absent before neural voices, so old prompts verify
}

// EncodePrompt makes the voice clone prompt that carries p for accountID:
// "vcp1." + base64url(JSON payload) + "." + base64url(HMAC-SHA256(s,
// "vcp1." + payload)). It fails for a short secret, an empty account, a
// profile that does not Validate, or a prompt over MaxPromptLen (an
// account id of several kilobytes). The same arguments always give the
// same prompt.
func EncodePrompt(s Secret, accountID string, p Profile) (string, error) {
	if len(s) < SecretSize {
		return "", fmt.Errorf("voice: prompt secret of %d bytes, need %d", len(s), SecretSize)
	}
	if accountID == "" {
		return "", errors.New("voice: prompt needs an account id")
	}
	if err := p.Validate(); err != nil {
		return "", err
	}
	payload, err := json.Marshal(promptPayload{
		V: promptVersion, Account: accountID,
		Gender: p.Gender, Accent: p.Accent, Age: p.Age, Style: p.Style,
		Pitch: p.Pitch, Range: p.Range, Rate: p.Rate, Volume: p.Volume, Neural: p.Voice,
	})
	if err != nil {
		return "", fmt.Errorf("voice: prompt: %w", err)
	}
	signed := promptPrefix + b64.EncodeToString(payload)
	prompt := signed + "." + b64.EncodeToString(promptMAC(s, signed))
	if len(prompt) > MaxPromptLen {
		return "", fmt.Errorf("voice: prompt of %d bytes exceeds %d; the account id is too long", len(prompt), MaxPromptLen)
	}
	return prompt, nil
}

// DecodePrompt returns the profile in a prompt that EncodePrompt made with
// s for accountID. Anything else (another format or version, a changed
// byte, another secret or account, more than MaxPromptLen bytes) gives
// ErrInvalidPrompt and nothing more. The signature is checked, in
// constant time, before the payload is parsed.
func DecodePrompt(s Secret, accountID string, prompt string) (Profile, error) {
	if len(prompt) > MaxPromptLen || len(s) < SecretSize || accountID == "" || !promptChars(prompt) {
		return Profile{}, ErrInvalidPrompt
	}
	rest, ok := strings.CutPrefix(prompt, promptPrefix)
	if !ok {
		return Profile{}, ErrInvalidPrompt
	}
	payload64, mac64, ok := strings.Cut(rest, ".")
	if !ok {
		return Profile{}, ErrInvalidPrompt
	}
	mac, err := b64.DecodeString(mac64)
	if err != nil || !hmac.Equal(mac, promptMAC(s, promptPrefix+payload64)) {
		return Profile{}, ErrInvalidPrompt
	}
	raw, err := b64.DecodeString(payload64)
	if err != nil {
		return Profile{}, ErrInvalidPrompt
	}
	var pl promptPayload
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pl); err != nil || dec.More() || pl.V != promptVersion || pl.Account != accountID {
		return Profile{}, ErrInvalidPrompt
	}
	p := Profile{
		Gender: pl.Gender, Accent: pl.Accent, Age: pl.Age, Style: pl.Style,
		Pitch: pl.Pitch, Range: pl.Range, Rate: pl.Rate, Volume: pl.Volume, Voice: pl.Neural,
	}
	if p.Validate() != nil {
		return Profile{}, ErrInvalidPrompt
	}
	return p, nil
}

// promptChars reports whether s holds only the base64url alphabet and
// dots. encoding/base64 skips line breaks even in strict mode, so without
// this check a prompt with a newline inserted would still decode.
func promptChars(s string) bool {
	for i := range len(s) {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func promptMAC(s Secret, signed string) []byte {
	m := hmac.New(sha256.New, s)
	m.Write([]byte(signed))
	return m.Sum(nil)
}

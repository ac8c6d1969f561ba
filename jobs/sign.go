package jobs

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries a webhook's signature.
const SignatureHeader = "X-Parley-Signature"

// JobHeader carries the id of the job a webhook is about, so a receiver can
// drop repeated deliveries without parsing the body.
const JobHeader = "X-Parley-Job"

// DefaultTolerance is the age beyond which Verify should refuse a webhook, as
// a receiver's guard against replays: wide enough for clock skew and retries
// in flight, narrow enough that a captured request soon becomes useless.
const DefaultTolerance = 5 * time.Minute

// SigningSecret returns the webhook secret of the key keyID:
// hex(HMAC-SHA256(serverSecret, "webhook:"+keyID)). Deriving it means there
// is nothing more to store, and a key's owner learns only their own secret,
// which tells them nothing about other keys' or the server's.
func SigningSecret(serverSecret []byte, keyID string) string {
	mac := hmac.New(sha256.New, serverSecret)
	mac.Write([]byte("webhook:" + keyID))
	return hex.EncodeToString(mac.Sum(nil))
}

// Sign returns the X-Parley-Signature value for body sent at ts:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<unix seconds>." + body)>".
// The timestamp is inside the MAC, so it cannot be moved to replay an old
// request as new.
func Sign(secret string, ts time.Time, body []byte) string {
	unix := strconv.FormatInt(ts.Unix(), 10)
	return "t=" + unix + ",v1=" + hex.EncodeToString(signature(secret, unix, body))
}

func signature(secret, unix string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(unix))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return mac.Sum(nil)
}

// Verify checks a webhook's X-Parley-Signature header against its raw body
// and the receiver's secret, as a receiver should before trusting the body.
// The header may carry several v1 signatures (as while a secret is rotated);
// one matching is enough. A matching signature whose timestamp is more than
// tolerance away from now fails with ErrSignatureExpired; a tolerance of zero
// or less skips that check, which leaves replays possible.
func Verify(secret, header string, body []byte, tolerance time.Duration, now time.Time) error {
	var (
		unix string
		sigs [][]byte
	)
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: %q is not key=value", ErrMalformedSignature, part)
		}
		switch k {
		case "t":
			if unix != "" {
				return fmt.Errorf("%w: more than one timestamp", ErrMalformedSignature)
			}
			unix = v
		case "v1":
			sig, err := hex.DecodeString(v)
			if err != nil || len(sig) != sha256.Size {
				return fmt.Errorf("%w: v1 is not a hex SHA-256 MAC", ErrMalformedSignature)
			}
			sigs = append(sigs, sig)
		}
		// Other keys are left for future schemes, so that a sender can add
		// one without breaking receivers.
	}
	ts, err := strconv.ParseInt(unix, 10, 64)
	if err != nil || unix != strconv.FormatInt(ts, 10) {
		return fmt.Errorf("%w: no valid timestamp", ErrMalformedSignature)
	}
	if len(sigs) == 0 {
		return fmt.Errorf("%w: no v1 signature", ErrMalformedSignature)
	}
	want := signature(secret, unix, body)
	matched := false
	for _, sig := range sigs {
		// hmac.Equal takes the same time wherever the first difference is,
		// so the comparison leaks nothing about the right MAC.
		matched = hmac.Equal(sig, want) || matched
	}
	if !matched {
		return ErrSignatureMismatch
	}
	if age := now.Sub(time.Unix(ts, 0)).Abs(); tolerance > 0 && age > tolerance {
		return fmt.Errorf("%w: signed %v from now, tolerance %v", ErrSignatureExpired, age.Truncate(time.Second), tolerance)
	}
	return nil
}

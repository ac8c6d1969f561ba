package jobs

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// The expected values come from openssl, not from this package:
//
//	printf 'webhook:abcdefghij' | openssl dgst -sha256 -hmac 'server-secret'
//	printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'whsec_test'
const (
	goldenSecret    = "dcb243ac95ef204f5f46de4be0259d9e37b2994b4b5171a7f4a9aeaf82844919"
	goldenSignature = "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
)

func TestSigningSecret(t *testing.T) {
	if got := SigningSecret([]byte("server-secret"), "abcdefghij"); got != goldenSecret {
		t.Errorf("SigningSecret = %s, want %s", got, goldenSecret)
	}
	// Each input changes the secret.
	others := []string{
		SigningSecret([]byte("server-secret"), "abcdefghik"),
		SigningSecret([]byte("server-secreT"), "abcdefghij"),
		SigningSecret([]byte("server-secret"), ""),
	}
	for _, o := range others {
		if o == goldenSecret || len(o) != len(goldenSecret) {
			t.Errorf("secret %s for other inputs", o)
		}
	}
}

func TestSign(t *testing.T) {
	ts := time.Unix(1700000000, 999_000_000) // fractions of a second are dropped
	if got := Sign("whsec_test", ts, []byte(`{"a":1}`)); got != goldenSignature {
		t.Errorf("Sign = %s, want %s", got, goldenSignature)
	}
}

func TestVerify(t *testing.T) {
	const secret = "whsec_test"
	body := []byte(`{"a":1}`)
	signedAt := time.Unix(1700000000, 0)
	sig := goldenSignature
	v1 := strings.TrimPrefix(sig, "t=1700000000,")
	otherV1 := "v1=" + strings.Repeat("ab", 32)
	tests := []struct {
		name      string
		secret    string
		header    string
		body      []byte
		tolerance time.Duration
		now       time.Time
		want      error
	}{
		{"valid", secret, sig, body, DefaultTolerance, signedAt, nil},
		{"valid, near the tolerance", secret, sig, body, DefaultTolerance, signedAt.Add(DefaultTolerance), nil},
		{"valid, clock behind", secret, sig, body, DefaultTolerance, signedAt.Add(-time.Minute), nil},
		{"spaces after commas", secret, "t=1700000000, " + v1, body, DefaultTolerance, signedAt, nil},
		{"several v1, one right", secret, "t=1700000000," + otherV1 + "," + v1, body, DefaultTolerance, signedAt, nil},
		{"unknown scheme ignored", secret, sig + ",v2=zzz", body, DefaultTolerance, signedAt, nil},
		{"no tolerance check", secret, sig, body, 0, signedAt.Add(1000 * time.Hour), nil},
		{"body altered", secret, sig, []byte(`{"a":2}`), DefaultTolerance, signedAt, ErrSignatureMismatch},
		{"body extended", secret, sig, []byte(`{"a":1} `), DefaultTolerance, signedAt, ErrSignatureMismatch},
		{"secret altered", "whsec_tesT", sig, body, DefaultTolerance, signedAt, ErrSignatureMismatch},
		{"timestamp altered", secret, "t=1700000001," + v1, body, DefaultTolerance, signedAt, ErrSignatureMismatch},
		{"wrong v1 only", secret, "t=1700000000," + otherV1, body, DefaultTolerance, signedAt, ErrSignatureMismatch},
		{"too old", secret, sig, body, DefaultTolerance, signedAt.Add(DefaultTolerance + time.Second), ErrSignatureExpired},
		{"too far ahead", secret, sig, body, DefaultTolerance, signedAt.Add(-DefaultTolerance - time.Second), ErrSignatureExpired},
		{"empty", secret, "", body, DefaultTolerance, signedAt, ErrMalformedSignature},
		{"no timestamp", secret, v1, body, DefaultTolerance, signedAt, ErrMalformedSignature},
		{"no v1", secret, "t=1700000000", body, DefaultTolerance, signedAt, ErrMalformedSignature},
		{"two timestamps", secret, "t=1700000000,t=1700000000," + v1, body, DefaultTolerance, signedAt, ErrMalformedSignature},
		{"timestamp not a number", secret, "t=soon," + v1, body, DefaultTolerance, signedAt, ErrMalformedSignature},
		{"timestamp with a sign", secret, "t=+1700000000," + v1, body, DefaultTolerance, signedAt, ErrMalformedSignature},
		{"v1 not hex", secret, "t=1700000000,v1=" + strings.Repeat("zz", 32), body, DefaultTolerance, signedAt, ErrMalformedSignature},
		{"v1 too short", secret, sig[:len(sig)-2], body, DefaultTolerance, signedAt, ErrMalformedSignature},
		{"part without =", secret, sig + ",junk", body, DefaultTolerance, signedAt, ErrMalformedSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.header, tt.body, tt.tolerance, tt.now)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestSignVerifyRoundTrip signs with the derived secret of one key and
// verifies with that secret only.
func TestSignVerifyRoundTrip(t *testing.T) {
	server := []byte("0123456789abcdef0123456789abcdef")
	now := time.Now()
	body := []byte(`{"job_id":"job_x","status":"succeeded"}`)
	header := Sign(SigningSecret(server, "keyaaaaaaa"), now, body)
	if err := Verify(SigningSecret(server, "keyaaaaaaa"), header, body, DefaultTolerance, now); err != nil {
		t.Errorf("own key's secret: %v", err)
	}
	if err := Verify(SigningSecret(server, "keybbbbbbb"), header, body, DefaultTolerance, now); !errors.Is(err, ErrSignatureMismatch) {
		t.Errorf("another key's secret: error = %v, want ErrSignatureMismatch", err)
	}
}

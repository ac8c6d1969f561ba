//go:build !e2e

package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/parley-voice/parley/httpapi"
)

func TestCheckOrigin(t *testing.T) {
	cases := []struct {
		allowed      []string
		host, origin string
		want         bool
	}{
		{nil, "tts.example.com", "", true}, // not from a page
		{nil, "tts.example.com", "https://tts.example.com", true},
		{nil, "tts.example.com:8080", "http://TTS.example.com:8080", true},
		{nil, "tts.example.com", "https://evil.example.net", false},
		{nil, "tts.example.com:8080", "http://tts.example.com", false}, // another port is another origin
		{nil, "tts.example.com", "null", false},
		{[]string{"https://app.example.com"}, "tts.example.com", "https://app.example.com", true},
		{[]string{"https://app.example.com/"}, "tts.example.com", "https://app.example.com", true},
		{[]string{"https://app.example.com"}, "tts.example.com", "http://app.example.com", false},
		{[]string{"*"}, "tts.example.com", "https://anywhere.example.org", true},
	}
	for _, c := range cases {
		r, _ := http.NewRequest("GET", "http://"+c.host+"/v1/agent", nil)
		if c.origin != "" {
			r.Header.Set("Origin", c.origin)
		}
		if got := httpapi.CheckOrigin(c.allowed)(r); got != c.want {
			t.Errorf("CheckOrigin(%q) host %s origin %q = %v, want %v", c.allowed, c.host, c.origin, got, c.want)
		}
	}
}

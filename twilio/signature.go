package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net"
	"net/url"
	"sort"
	"strings"
)

// SignatureHeader carries the signature of Twilio's webhooks.
const SignatureHeader = "X-Twilio-Signature"

// Signature returns what Twilio sends in X-Twilio-Signature for a request
// to rawURL with the form params, signed with authToken: Base64 of the
// HMAC-SHA1 of the URL followed by each parameter's name and value, sorted
// by name (a repeated parameter's values sorted too).
func Signature(authToken, rawURL string, params url.Values) string {
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(rawURL))
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		values := append([]string(nil), params[name]...)
		sort.Strings(values)
		for i, v := range values {
			if i > 0 && v == values[i-1] {
				continue // twilio-node signs each distinct value once
			}
			mac.Write([]byte(name))
			mac.Write([]byte(v))
		}
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ValidSignature reports whether signature is Twilio's for a request to
// rawURL with params, with the URL as given or with its scheme's default
// port added or removed. It compares in constant time.
func ValidSignature(authToken, signature, rawURL string, params url.Values) bool {
	if signature == "" {
		return false
	}
	ok := false
	for _, u := range urlVariants(rawURL) {
		want := Signature(authToken, u, params)
		// Every variant is compared, so the time taken does not say which
		// one matched.
		if hmac.Equal([]byte(signature), []byte(want)) {
			ok = true
		}
	}
	return ok
}

// urlVariants returns rawURL and, for http and https URLs, the same URL
// with the default port written out or left out.
func urlVariants(rawURL string) []string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return []string{rawURL}
	}
	def := map[string]string{"https": "443", "http": "80"}[strings.ToLower(u.Scheme)]
	if def == "" {
		return []string{rawURL}
	}
	host, port := u.Hostname(), u.Port()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	rest := rawURL[strings.Index(rawURL, u.Host)+len(u.Host):]
	prefix := rawURL[:strings.Index(rawURL, u.Host)]
	switch port {
	case "":
		return []string{rawURL, prefix + net.JoinHostPort(u.Hostname(), def) + rest}
	case def:
		return []string{rawURL, prefix + host + rest}
	}
	return []string{rawURL}
}

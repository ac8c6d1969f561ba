//go:build e2e

package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/pronounce"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/server"
	"github.com/parley-voice/parley/tts"
)

// doPLS posts a PLS document.
func (n *node) doPLS(t *testing.T, path, key, doc string) response {
	t.Helper()
	req, err := http.NewRequest("POST", n.base+path, strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/pls+xml")
	return send(t, req)
}

func (n *node) get(t *testing.T, path, key, accept string) response {
	t.Helper()
	req, err := http.NewRequest("GET", n.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return send(t, req)
}

const brandsPLS = `<?xml version="1.0" encoding="UTF-8"?>
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" alphabet="ipa" xml:lang="en-GB">
  <lexeme><grapheme>Parley</grapheme><phoneme>ˈpɑːli</phoneme></lexeme>
  <lexeme><grapheme>W3C</grapheme><alias>World Wide Web Consortium</alias></lexeme>
</lexicon>`

// TestPronunciationsAPI creates dictionaries from JSON and from PLS,
// lists, reads (JSON and PLS), and deletes them; another account sees
// none of them.
func TestPronunciationsAPI(t *testing.T) {
	n := startNode(t)
	key, other := n.key(t, "free"), n.key(t, "free")

	r := n.do(t, "POST", "/v1/pronunciations", key, map[string]any{"name": "names", "language": "english", "entries": []map[string]any{
		{"text": "Nguyen", "alias": "win"},
		{"text": "SQL", "alias": "sequel", "case_sensitive": true},
	}})
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	created := r.json(t)
	id := created["id"].(string)
	if !strings.HasPrefix(id, "pd_") || r.header.Get("Location") != "/v1/pronunciations/"+id || created["language"] != "English" {
		t.Fatalf("created %v, Location %q", created, r.header.Get("Location"))
	}
	r = n.doPLS(t, "/v1/pronunciations?name=brands", key, brandsPLS)
	if r.status != 201 {
		t.Fatalf("PLS import: %d %s", r.status, r.body)
	}
	brands := r.json(t)
	if brands["name"] != "brands" || brands["language"] != "English" || len(brands["entries"].([]any)) != 2 {
		t.Fatalf("imported %v", brands)
	}

	list := n.get(t, "/v1/pronunciations", key, "").json(t)["pronunciation_dictionaries"].([]any)
	if len(list) != 2 || list[0].(map[string]any)["id"] != brands["id"] || list[1].(map[string]any)["entry_count"] != float64(2) {
		t.Fatalf("list %v", list)
	}
	if got := n.get(t, "/v1/pronunciations", other, "").json(t)["pronunciation_dictionaries"].([]any); len(got) != 0 {
		t.Fatalf("another account lists %v", got)
	}

	// Export: PLS that imports back to the same entries.
	for _, how := range []struct{ path, accept string }{
		{"/v1/pronunciations/" + brands["id"].(string), "application/pls+xml"},
		{"/v1/pronunciations/" + brands["id"].(string) + "?format=pls", ""},
	} {
		r = n.get(t, how.path, key, how.accept)
		if r.status != 200 || r.header.Get("Content-Type") != "application/pls+xml" {
			t.Fatalf("export: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
		}
		d, err := pronounce.ParsePLS(strings.NewReader(string(r.body)), "again", false)
		if err != nil || len(d.Entries) != 2 || d.Entries[0].IPA != "ˈpɑːli" || d.Language != protocol.English {
			t.Fatalf("export does not import back: %+v %v\n%s", d, err, r.body)
		}
	}
	if got := n.get(t, "/v1/pronunciations/"+id, key, "").json(t); got["name"] != "names" || len(got["entries"].([]any)) != 2 {
		t.Fatalf("get %v", got)
	}

	// Another account: 404 for reading, deleting and using it.
	if r := n.get(t, "/v1/pronunciations/"+id, other, ""); r.status != 404 {
		t.Fatalf("another account reads it: %d", r.status)
	}
	if r := n.do(t, "DELETE", "/v1/pronunciations/"+id, other, nil); r.status != 404 {
		t.Fatalf("another account deletes it: %d", r.status)
	}
	r = n.do(t, "POST", "/v1/audio/speech", other, map[string]any{"text": "Hello.", "pronunciation_dictionaries": []string{id}})
	if r.status != 404 || !strings.Contains(r.errMsg(t), "unknown pronunciation dictionary") {
		t.Fatalf("another account speaks with it: %d %s", r.status, r.body)
	}

	if r := n.do(t, "DELETE", "/v1/pronunciations/"+id, key, nil); r.status != 204 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r := n.get(t, "/v1/pronunciations/"+id, key, ""); r.status != 404 {
		t.Fatalf("deleted, then read: %d", r.status)
	}
	if r := n.get(t, "/v1/pronunciations", "", ""); r.status != 401 {
		t.Fatalf("no key: %d", r.status)
	}
}

// TestPronunciationsLimits: bad dictionaries are 400 with the entry and
// the reason, too large a body 413, and an account's 51st dictionary 403.
func TestPronunciationsLimits(t *testing.T) {
	n := startNode(t)
	key := n.key(t, "free")
	entries := func(k int) []map[string]any {
		var out []map[string]any
		for i := range k {
			out = append(out, map[string]any{"text": fmt.Sprintf("word%d", i), "alias": "x"})
		}
		return out
	}
	for _, c := range []struct {
		body any
		want string
	}{
		{map[string]any{"entries": entries(1001)}, "1001 entries, at most 1000"},
		{map[string]any{"entries": []map[string]any{{"text": "a", "alias": "b", "ipa": "c"}}}, "entry 0 (\"a\"): give exactly one of alias and ipa"},
		{map[string]any{"entries": []map[string]any{}}, "no entries"},
		{map[string]any{"language": "Klingon", "entries": entries(1)}, `unsupported language "Klingon"`},
	} {
		r := n.do(t, "POST", "/v1/pronunciations", key, c.body)
		if r.status != 400 || !strings.Contains(r.errMsg(t), c.want) {
			t.Errorf("%d %s, want 400 %q", r.status, r.body, c.want)
		}
	}
	for _, c := range []struct{ doc, want string }{
		{"<lexicon>", "not a well-formed PLS document"},
		{strings.Replace(brandsPLS, `alphabet="ipa"`, `alphabet="x-sampa"`, 1), "reads only ipa"},
	} {
		r := n.doPLS(t, "/v1/pronunciations", key, c.doc)
		if r.status != 400 || !strings.Contains(r.errMsg(t), c.want) {
			t.Errorf("PLS: %d %s, want 400 %q", r.status, r.body, c.want)
		}
	}
	r := n.doPLS(t, "/v1/pronunciations", key, strings.Repeat(" ", pronounce.MaxPLSBytes+1))
	if r.status != 413 {
		t.Fatalf("oversize body: %d %s", r.status, r.body)
	}
	for i := range 50 {
		if r := n.do(t, "POST", "/v1/pronunciations", key, map[string]any{"entries": entries(1)}); r.status != 201 {
			t.Fatalf("dictionary %d: %d %s", i, r.status, r.body)
		}
	}
	r = n.do(t, "POST", "/v1/pronunciations", key, map[string]any{"entries": entries(1)})
	if r.status != 403 || !strings.Contains(r.errMsg(t), "at most 50") {
		t.Fatalf("51st dictionary: %d %s", r.status, r.body)
	}
}

// pcmOf asks for raw PCM and returns its samples.
func (n *node) pcmOf(t *testing.T, key string, body map[string]any) []int16 {
	t.Helper()
	body["response_format"] = "pcm"
	r := n.do(t, "POST", "/v1/audio/speech", key, body)
	if r.status != 200 {
		t.Fatalf("speech: %d %s", r.status, r.body)
	}
	return audio.BytesToPCM(nil, r.body)
}

// TestSpeechSSML: the batch, SSE and OpenAI forms take text_type "ssml";
// a break measures what it asks; malformed markup is a 400 naming the tag
// and position; markup is charged; dictionaries apply.
func TestSpeechSSML(t *testing.T) {
	n := startNode(t)
	key := n.key(t, "pro")

	before := n.pcmOf(t, key, map[string]any{"text": "Hello there, my friend.", "text_type": "ssml", "language": "English"})
	_, soundEnd := audio.TrimSilence(before, protocol.SampleRate, tts.SilenceDBFS)
	doc := `<speak>Hello there, my friend.<break time="1s"/>How are you?</speak>`
	pcm := n.pcmOf(t, key, map[string]any{"text": doc, "text_type": "ssml", "language": "English"})
	at := soundEnd + protocol.SampleRate/2
	_, end := audio.TrimSilence(pcm[:at], protocol.SampleRate, tts.SilenceDBFS)
	start, _ := audio.TrimSilence(pcm[at:], protocol.SampleRate, tts.SilenceDBFS)
	if gap := audio.Duration(at+start-end, protocol.SampleRate); gap < 990*time.Millisecond || gap > 1010*time.Millisecond {
		t.Errorf("break of 1s measures %v", gap)
	}

	r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": `Hello <break time="soon"/>`, "text_type": "ssml"})
	if r.status != 400 || !strings.Contains(r.errMsg(t), `ssml: <break> at offset 6: time "soon"`) {
		t.Fatalf("malformed: %d %s", r.status, r.body)
	}
	r = n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": `<speak>unclosed`, "text_type": "ssml"})
	if r.status != 400 || !strings.Contains(r.errMsg(t), "<speak> at offset 0: is not closed") {
		t.Fatalf("unclosed: %d %s", r.status, r.body)
	}
	r = n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": "x", "text_type": "markdown"})
	if r.status != 400 || !strings.Contains(r.errMsg(t), `text_type "markdown"`) {
		t.Fatalf("text_type: %d %s", r.status, r.body)
	}

	// SSE and the OpenAI form.
	r = n.do(t, "POST", "/v1/audio/speech/stream", key, map[string]any{"text": doc, "text_type": "ssml"})
	if r.status != 200 || !strings.Contains(string(r.body), `"done":true`) || strings.Contains(string(r.body), `"error"`) {
		t.Fatalf("SSE: %d %.300s", r.status, r.body)
	}
	r = n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"model": "tts-1", "input": doc, "voice": "alloy", "text_type": "ssml", "response_format": "pcm"})
	if r.status != 200 || len(r.body) < 2*protocol.SampleRate*2 {
		t.Fatalf("OpenAI form: %d, %d bytes", r.status, len(r.body))
	}

	// Markup counts toward the quota.
	secret, qk, err := n.srv.Store().CreateKey(context.Background(), "quota", "pro")
	if err != nil {
		t.Fatal(err)
	}
	n.pcmOf(t, secret, map[string]any{"text": doc, "text_type": "ssml"})
	chars, _, err := n.srv.Store().Usage(context.Background(), qk.ID, monthNow())
	if err != nil || chars != int64(utf8.RuneCountInString(doc)) {
		t.Fatalf("usage %d (%v), want %d: markup counts", chars, err, utf8.RuneCountInString(doc))
	}

	// A dictionary makes "W3C" long.
	r = n.doPLS(t, "/v1/pronunciations", key, brandsPLS)
	id := r.json(t)["id"].(string)
	plain := n.pcmOf(t, key, map[string]any{"text": "Ask the W3C.", "language": "English"})
	with := n.pcmOf(t, key, map[string]any{"text": "Ask the W3C.", "language": "English", "pronunciation_dictionaries": []string{id}})
	if len(with) < len(plain)*6/5 { // "World Wide Web Consortium" against "W 3 C"
		t.Errorf("with the dictionary %d samples, without %d", len(with), len(plain))
	}
	r = n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": "x", "pronunciation_dictionaries": []string{id, "pd_b", "pd_c", "pd_d"}})
	if r.status != 400 || !strings.Contains(r.errMsg(t), "at most 3") {
		t.Fatalf("four dictionaries: %d %s", r.status, r.body)
	}
}

// TestSSMLJob: an async job keeps its text_type and dictionaries.
func TestSSMLJob(t *testing.T) {
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	defer recv.Close()
	n := startNode(t, func(c *server.Config) {
		c.Jobs.AllowPrivateWebhooks = true
		c.Jobs.PollInterval = 10 * time.Millisecond
	})
	key := n.key(t, "free")
	r := n.do(t, "POST", "/v1/audio/speech", key, map[string]any{"text": `<speak>One.<break time="2s"/>Two.</speak>`,
		"text_type": "ssml", "webhook_url": recv.URL, "response_format": "pcm"})
	if r.status != 202 {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	id := r.json(t)["job_id"].(string)
	n.waitJob(t, key, id, succeeded)
	a := n.get(t, "/v1/jobs/"+id+"/audio", key, "")
	if d := audio.Duration(len(a.body)/2, protocol.SampleRate); a.status != 200 || d < 2*time.Second {
		t.Fatalf("job audio: %d, %v: the break is in it", a.status, d)
	}
}

package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/client"
	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/engine/espeak"
	"github.com/parley-voice/parley/engine/piper"
	"github.com/parley-voice/parley/engine/piper/pipertest"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/realtime"
)

// neuralModels is a models directory as `parley models pull` leaves it:
// en_US-amy-low (its real published config, with a generated model of
// Piper's interface), a generated multi-speaker voice, and voices broken
// each in one way.
func neuralModels(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	pipertest.Install(t, dir, "en_US-amy-low", "en_US-amy-low.onnx", "en_US-amy-low.onnx.json")
	pipertest.Install(t, dir, "en_GB-multi-medium", "test_multi.onnx", "test_multi.onnx.json")
	// Broken: no config; a truncated model; wrong input names; a config
	// whose sample rate is not one.
	pipertest.Install(t, dir, "en_US-nojson-low", "en_US-amy-low.onnx", "")
	pipertest.Install(t, dir, "en_US-truncated-low", "", "en_US-amy-low.onnx.json")
	model, err := os.ReadFile(filepath.Join(pipertest.Testdata(), "en_US-amy-low.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "en_US-truncated-low.onnx"), model[:len(model)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	pipertest.Install(t, dir, "en_US-names-low", "bad_names.onnx", "en_US-amy-low.onnx.json")
	pipertest.Install(t, dir, "en_US-rate-low", "en_US-amy-low.onnx", "")
	cfg, err := os.ReadFile(filepath.Join(pipertest.Testdata(), "en_US-amy-low.onnx.json"))
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(cfg), `"sample_rate": 16000`, `"sample_rate": 160000`, 1)
	if err := os.WriteFile(filepath.Join(dir, "en_US-rate-low.onnx.json"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// startNeural runs a node with the models directory and returns its base
// URL, a key and its log.
func startNeural(t testing.TB, models string) (base, key string, logs *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs = &lockedBuffer{}
	srv, err := New(ctx, Config{
		DataDir: t.TempDir(), Realtime: realtime.DefaultConfig(),
		Engine: engine.Config{ModelsDir: models},
		Logger: slog.New(slog.NewJSONHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	key, _, err = srv.Store().CreateKey(ctx, "t", "realtime")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		srv.Close()
	})
	return "http://" + ln.Addr().String(), key, logs
}

// voiceIDs phonemises text as a voice's config says, with a separate
// espeak-ng, for the expected ids.
type voiceIDs struct {
	t  *testing.T
	es *espeak.Engine
}

func (v voiceIDs) sentences(config, text string) [][]int64 {
	v.t.Helper()
	b, err := os.ReadFile(filepath.Join(pipertest.Testdata(), config))
	if err != nil {
		v.t.Fatal(err)
	}
	c, err := piper.ParseConfig(b)
	if err != nil {
		v.t.Fatal(err)
	}
	s, _, err := c.Sentences(context.Background(), v.es, text)
	if err != nil {
		v.t.Fatal(err)
	}
	return s
}

// run is one model run decoded from the audio: its header and its ids.
type run struct {
	sid, noise, noiseW int
	ids                []int
}

// runs splits decoded symbols into model runs: a header of three, then
// ids from ^ (1) to $ (2). It fails the test on anything else.
func runs(t *testing.T, syms []int) []run {
	t.Helper()
	var out []run
	for len(syms) > 0 {
		if len(syms) < 5 || syms[3] != 1 {
			t.Fatalf("not a model run at %v", syms[:min(8, len(syms))])
		}
		end := slices.Index(syms[3:], 2)
		if end < 0 {
			t.Fatalf("a run without its end symbol: %v", syms)
		}
		out = append(out, run{sid: syms[0], noise: syms[1], noiseW: syms[2], ids: syms[3 : 3+end+1]})
		syms = syms[3+end+1:]
	}
	return out
}

// phonemeIDs is the ids of the phonemes alone: each run's ids without ^,
// $ and the pads between, joined. It does not depend on how the server cut
// the text into segments and runs.
func phonemeIDs(rs [][]int) []int {
	var out []int
	for _, ids := range rs {
		for i := 2; i < len(ids)-1; i += 2 {
			out = append(out, ids[i])
		}
	}
	return out
}

func sentenceIDs(s [][]int64) [][]int {
	var out [][]int
	for _, ids := range s {
		var x []int
		for _, id := range ids {
			x = append(x, int(id))
		}
		out = append(out, x)
	}
	return out
}

// checkSpoken decodes audio a client received and checks that the model
// was fed exactly text's phonemes, with speaker sid and the voice's noise
// scales, each run framed by ^ _ … $.
func checkSpoken(t *testing.T, what string, pcm []int16, block float64, want [][]int64, sid, noise, noiseW int) {
	t.Helper()
	rs := runs(t, pipertest.Decode(pcm, protocol.SampleRate, block))
	var got [][]int
	for _, r := range rs {
		if r.sid != sid || r.noise != noise || r.noiseW != noiseW {
			t.Errorf("%s: a run with speaker %d, noise %d, noise_w %d; want %d, %d, %d", what, r.sid, r.noise, r.noiseW, sid, noise, noiseW)
		}
		if r.ids[1] != 0 {
			t.Errorf("%s: no pad after ^ in %v", what, r.ids)
		}
		got = append(got, r.ids)
	}
	if g, w := phonemeIDs(got), phonemeIDs(sentenceIDs(want)); !slices.Equal(g, w) {
		t.Errorf("%s: phoneme ids\n got %v\nwant %v", what, g, w)
	}
}

func postJSON(t *testing.T, url, key string, body any) *http.Response {
	t.Helper()
	b, _ := json.Marshal(body)
	req, err := http.NewRequest("POST", url, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func speechPCM(t *testing.T, base, key string, body any) []int16 {
	t.Helper()
	resp := postJSON(t, base+"/v1/audio/speech", key, body)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%v: %d %s", body, resp.StatusCode, b)
	}
	return audio.BytesToPCM(nil, b)
}

// TestNeuralEndToEnd: with a generated Piper-interface model and the real
// amy-low config in the models directory, every endpoint speaks through
// it, and the audio each client receives decodes to the ids, speaker and
// length scale the voice should have been fed. Broken voices are refused
// with a log line each, and the other engines still speak.
func TestNeuralEndToEnd(t *testing.T) {
	models := neuralModels(t)
	base, key, logs := startNeural(t, models)
	es, err := espeak.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	ids := voiceIDs{t, es}
	// A 16 kHz block of 1024 samples is 1536 at 24 kHz.
	const amyBlock = 1536.0

	t.Run("refused voices are logged", func(t *testing.T) {
		lines := strings.Split(logs.String(), "\n")
		for _, want := range []string{
			filepath.Join(models, "en_US-nojson-low.onnx.json") + ": no such file",
			filepath.Join(models, "en_US-truncated-low.onnx"),
			filepath.Join(models, "en_US-names-low.onnx") + `: unexpected input \"text\"`,
			filepath.Join(models, "en_US-rate-low.onnx.json") + ": piper: bad voice config: audio.sample_rate 160000 Hz",
		} {
			n := 0
			for _, l := range lines {
				if strings.Contains(l, `"msg":"neural voice refused"`) && strings.Contains(l, want) {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d log lines refusing %q, want 1:\n%s", n, want, logs.String())
			}
		}
		if strings.Count(logs.String(), "neural voice refused") != 4 {
			t.Errorf("want 4 refusals:\n%s", logs.String())
		}
	})

	t.Run("realtime", func(t *testing.T) {
		const text = "Hello there, my friend. How are you today? I am fine."
		for _, binary := range []bool{true, false} {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			c, err := client.Dial(ctx, client.Config{
				URL: strings.Replace(base, "http", "ws", 1) + "/v1/realtime", APIKey: key,
				Voice: "piper:en_US-amy-low", Language: "English", BinaryMode: binary,
			})
			if err != nil {
				cancel()
				t.Fatal(err)
			}
			b, done, err := c.Speak(ctx, text)
			c.Close()
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			pcm := audio.BytesToPCM(nil, b)
			checkSpoken(t, "realtime", pcm, amyBlock, ids.sentences("en_US-amy-low.onnx.json", text), 0, 67, 80)
			if done.AudioDurationMS != int64(len(pcm)*1000/protocol.SampleRate) {
				t.Errorf("done says %d ms, got %d samples", done.AudioDurationMS, len(pcm))
			}
		}
	})

	t.Run("speech, murmr form", func(t *testing.T) {
		const text = "Good morning. The weather is lovely."
		pcm := speechPCM(t, base, key, map[string]any{"text": text, "voice": "piper:en_US-amy-low", "language": "English", "response_format": "pcm"})
		checkSpoken(t, "speech", pcm, amyBlock, ids.sentences("en_US-amy-low.onnx.json", text), 0, 67, 80)
		// A speaker of the multi-speaker voice: sid 2, its own scales.
		pcm = speechPCM(t, base, key, map[string]any{"text": text, "voice": "piper:en_GB-multi-medium:carol", "language": "English", "response_format": "pcm"})
		checkSpoken(t, "speech, carol", pcm, 1229*24000/22050.0, ids.sentences("test_multi.onnx.json", text), 2, 50, 90)
	})

	t.Run("speech, OpenAI form, speed 2 halves the length", func(t *testing.T) {
		const text = "Good morning. The weather is lovely."
		want := ids.sentences("en_US-amy-low.onnx.json", text)
		normal := speechPCM(t, base, key, map[string]any{"model": "tts-1", "input": text, "voice": "en_US-amy-low", "response_format": "pcm"})
		fast := speechPCM(t, base, key, map[string]any{"model": "tts-1", "input": text, "voice": "en_US-amy-low", "response_format": "pcm", "speed": 2.0})
		checkSpoken(t, "openai", normal, amyBlock, want, 0, 67, 80)
		checkSpoken(t, "openai speed 2", fast, amyBlock/2, want, 0, 67, 80)
		if len(fast)*2 != len(normal) {
			t.Errorf("speed 2: %d samples, %d at speed 1", len(fast), len(normal))
		}
	})

	t.Run("SSE", func(t *testing.T) {
		const text = "Streaming, over server sent events."
		resp := postJSON(t, base+"/v1/audio/speech/stream", key, map[string]any{"text": text, "voice": "piper:en_US-amy-low", "language": "English"})
		defer resp.Body.Close()
		var pcm []int16
		done := false
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var ev struct {
				Chunk string `json:"chunk"`
				Done  bool   `json:"done"`
				Error string `json:"error"`
			}
			if err := json.Unmarshal([]byte(data), &ev); err != nil {
				t.Fatal(err)
			}
			if ev.Error != "" {
				t.Fatal(ev.Error)
			}
			if ev.Done {
				done = true
				break
			}
			b, err := base64.StdEncoding.DecodeString(ev.Chunk)
			if err != nil {
				t.Fatal(err)
			}
			pcm = audio.BytesToPCM(pcm, b)
		}
		if !done {
			t.Fatal("no done event")
		}
		checkSpoken(t, "SSE", pcm, amyBlock, ids.sentences("en_US-amy-low.onnx.json", text), 0, 67, 80)
	})

	t.Run("voice design picks the neural voice", func(t *testing.T) {
		const text = "Hello there."
		pcm := speechPCM(t, base, key, map[string]any{"text": text, "voice_description": "an American woman", "language": "English", "response_format": "pcm"})
		checkSpoken(t, "described", pcm, amyBlock, ids.sentences("en_US-amy-low.onnx.json", text), 0, 67, 80)
		// No neural man is installed: flite's rms speaks, and the other
		// engines serve as ever.
		for _, desc := range []string{"a deep man", "a Spanish woman"} {
			pcm := speechPCM(t, base, key, map[string]any{"text": "Hola, buenos días.", "voice_description": desc, "response_format": "pcm"})
			if p := audio.AnalyzePitch(pcm, protocol.SampleRate); len(pcm) < protocol.SampleRate/2 || p.VoicedFraction < 0.2 {
				t.Errorf("%q: %d samples, voiced %.2f", desc, len(pcm), p.VoicedFraction)
			}
		}
	})

	t.Run("voices list and unknown names", func(t *testing.T) {
		req, _ := http.NewRequest("GET", base+"/v1/voices", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var list struct {
			Builtin []struct {
				ID, Engine, Name, Language, Locale, Accent, Gender string
				Speakers                                           []string
			}
		}
		if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
			t.Fatal(err)
		}
		if len(list.Builtin) != 2 {
			t.Fatalf("builtin voices %+v", list.Builtin)
		}
		if v := list.Builtin[1]; v.ID != "piper:en_US-amy-low" || v.Engine != "piper" || v.Language != "English" || v.Accent != "american" || v.Gender != "female" {
			t.Errorf("amy listed as %+v", v)
		}
		if v := list.Builtin[0]; v.ID != "piper:en_GB-multi-medium" || v.Accent != "british" || len(v.Speakers) != 4 {
			t.Errorf("multi listed as %+v", v)
		}
		for _, body := range []map[string]any{
			{"text": "Hi.", "voice": "piper:en_US-names-low"},
			{"model": "tts-1", "input": "Hi.", "voice": "en_US-rate-low"},
		} {
			resp := postJSON(t, base+"/v1/audio/speech", key, body)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode/100 != 4 {
				t.Errorf("%v: %d %s, want a client error", body, resp.StatusCode, b)
			}
		}
	})

	t.Run("saved voice and clone prompt name the neural voice", func(t *testing.T) {
		resp := postJSON(t, base+"/v1/voices", key, map[string]any{"name": "Amy, slowly", "voice": "piper:en_US-amy-low", "voice_description": "speaking slowly"})
		var saved struct {
			ID          string `json:"id"`
			ClonePrompt string `json:"voice_clone_prompt"`
			Profile     struct {
				Voice string  `json:"voice"`
				Rate  float64 `json:"rate"`
			} `json:"profile"`
		}
		err := json.NewDecoder(resp.Body).Decode(&saved)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusCreated || saved.Profile.Voice != "piper:en_US-amy-low" || saved.Profile.Rate != 0.8 {
			t.Fatalf("saved %d %+v, %v", resp.StatusCode, saved, err)
		}
		const text = "Slowly now."
		want := ids.sentences("en_US-amy-low.onnx.json", text)
		// Rate 0.8: length_scale 1.25, blocks of 1280 samples at 16 kHz.
		for _, body := range []map[string]any{
			{"text": text, "voice": saved.ID, "language": "English", "response_format": "pcm"},
			{"text": text, "voice_clone_prompt": saved.ClonePrompt, "language": "English", "response_format": "pcm"},
		} {
			checkSpoken(t, "saved", speechPCM(t, base, key, body), 1920, want, 0, 67, 80)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		_, body := get(t, base+"/metrics")
		for _, want := range []string{`parley_engine_model_bytes{engine="piper",model="en_US-amy-low"}`, `parley_engine_busy{engine="piper"} 0`} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
	})
}

// TestKokoroEndToEnd: Kokoro voices and blends are voices like any other:
// named in a realtime config, in OpenAI's voice, saved, listed.
func TestKokoroEndToEnd(t *testing.T) {
	models := t.TempDir()
	if err := os.CopyFS(filepath.Join(models, "kokoro"), os.DirFS(filepath.Join(pipertest.Testdata(), "..", "..", "kokoro", "testdata", "kokoro"))); err != nil {
		t.Fatal(err)
	}
	base, key, logs := startNeural(t, models)
	if strings.Contains(logs.String(), "refused") {
		t.Fatalf("refusals:\n%s", logs.String())
	}
	// What the generated Kokoro speaks: per run a header (style row,
	// voice in hundredths, speed in hundredths), then the padded ids.
	// The test voices are af_test 0.10, bm_test 0.30.
	header := func(syms []int) (row, voice, speed int) { return syms[0], syms[1], syms[2] }

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, client.Config{
		URL: strings.Replace(base, "http", "ws", 1) + "/v1/realtime", APIKey: key,
		Voice: "kokoro:af_test:0.7+bm_test:0.3", Language: "English", BinaryMode: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := c.Speak(ctx, "Hello there.")
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	syms := pipertest.Decode(audio.BytesToPCM(nil, b), protocol.SampleRate, 1200)
	if _, voice, speed := header(syms); voice != 16 || speed != 100 || syms[3] != 0 || syms[len(syms)-1] != 0 {
		t.Errorf("realtime blend decoded %v: want voice 16 (0.7 × 10 + 0.3 × 30), speed 100, padded ids", syms)
	}

	fast := speechPCM(t, base, key, map[string]any{"model": "tts-1", "input": "Hello there.", "voice": "kokoro:bm_test", "response_format": "pcm", "speed": 2.0})
	if _, voice, speed := header(pipertest.Decode(fast, protocol.SampleRate, 600)); voice != 30 || speed != 200 {
		t.Errorf("OpenAI form, bm_test at speed 2: voice %d, speed %d", voice, speed)
	}

	resp := postJSON(t, base+"/v1/voices", key, map[string]any{"name": "Mix", "voice": "kokoro:bm_test:1+af_test:1"})
	var saved struct {
		ID      string `json:"id"`
		Profile struct {
			Voice string `json:"voice"`
		} `json:"profile"`
	}
	json.NewDecoder(resp.Body).Decode(&saved)
	resp.Body.Close()
	if saved.Profile.Voice != "kokoro:af_test:0.5+bm_test:0.5" {
		t.Fatalf("saved %+v", saved)
	}
	mix := speechPCM(t, base, key, map[string]any{"text": "Hello there.", "voice": saved.ID, "language": "English", "response_format": "pcm"})
	if _, voice, _ := header(pipertest.Decode(mix, protocol.SampleRate, 1200)); voice != 20 {
		t.Errorf("saved blend: voice %d, want 20", voice)
	}

	req, _ := http.NewRequest("GET", base+"/v1/voices", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	lr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer lr.Body.Close()
	var list struct {
		Builtin []struct{ ID, Engine, Gender, Accent string }
	}
	json.NewDecoder(lr.Body).Decode(&list)
	var ids []string
	for _, v := range list.Builtin {
		ids = append(ids, v.ID+" "+v.Gender+" "+v.Accent)
	}
	if want := []string{"kokoro:af_test female american", "kokoro:bm_test male british", "kokoro:ef_test female european"}; !slices.Equal(ids, want) {
		t.Errorf("builtin %v, want %v", ids, want)
	}
}

//go:build cgo

package vad

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// These tests need the npm assets: run `npm ci` in deps/npm first.
func assets(t *testing.T) (model, lib string) {
	t.Helper()
	model, lib = DefaultAssetPaths()
	if model == "" || lib == "" {
		t.Fatalf("Silero assets not found (model %q, library %q): run `npm ci` in deps/npm", model, lib)
	}
	return model, lib
}

func TestDefaultAssetPaths(t *testing.T) {
	model, lib := assets(t)
	for _, p := range []string{model, lib} {
		if !isFile(p) {
			t.Errorf("%s is not a file", p)
		}
		if !strings.Contains(filepath.ToSlash(p), npmModules+"/") {
			t.Errorf("%s is not under %s", p, npmModules)
		}
	}
	if filepath.Base(model) != "silero_vad_v5.onnx" || !strings.HasPrefix(filepath.Base(lib), "libonnxruntime.so.") {
		t.Errorf("found %s and %s", model, lib)
	}

	// The package reads no environment: `parley serve` maps the variables
	// it documents onto Config.
	t.Setenv("PARLEY_VAD_MODEL", "/elsewhere/model.onnx")
	t.Setenv("PARLEY_ORT_LIB", "/elsewhere/libonnxruntime.so")
	if m, l := DefaultAssetPaths(); m != model || l != lib {
		t.Errorf("with the environment set: %s, %s; want %s, %s", m, l, model, lib)
	}
}

func TestNewChoosesSilero(t *testing.T) {
	assets(t)
	d, fallback, err := New(Config{})
	if err != nil || fallback != nil {
		t.Fatalf("New: fallback %v, error %v", fallback, err)
	}
	defer d.Close()
	if _, ok := d.(*detector).s.(*sileroScorer); !ok {
		t.Errorf("New returned %T, want Silero", d.(*detector).s)
	}
}

// TestFallback: whatever stops Silero from loading, New returns a working
// energy detector and says why.
func TestFallback(t *testing.T) {
	model, lib := assets(t)
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk")
	if err := os.WriteFile(junk, []byte("not a model, not a library"), 0o644); err != nil {
		t.Fatal(err)
	}
	legacy := filepath.Join(filepath.Dir(model), "silero_vad_legacy.onnx")
	tests := []struct {
		name string
		cfg  Config
		// unload makes the library load again, so that a bad library path
		// is tried rather than found to conflict with the loaded one.
		unload bool
		want   error
		says   string
	}{
		{"missing model", Config{ModelPath: filepath.Join(dir, "none.onnx")}, false, ErrModel, "no such file"},
		{"model not ONNX", Config{ModelPath: junk}, false, ErrModel, junk},
		{"Silero v4 model", Config{ModelPath: legacy}, false, ErrModel, "not a Silero v5 model"},
		{"missing library", Config{ORTLibPath: filepath.Join(dir, "libonnxruntime.so.1")}, true, ErrRuntime, "no such file"},
		{"library not a shared object", Config{ORTLibPath: junk}, true, ErrRuntime, "junk"},
		{"library other than the loaded one", Config{ORTLibPath: junk}, false, ErrRuntime, "already loaded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.unload {
				if err := Shutdown(); err != nil {
					t.Fatal(err)
				}
			} else {
				// Make sure the good library is loaded.
				d, err := NewSilero(Config{ModelPath: model, ORTLibPath: lib})
				if err != nil {
					t.Fatal(err)
				}
				d.Close()
			}
			d, fallback, err := New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if !errors.Is(fallback, tt.want) || !strings.Contains(fallback.Error(), tt.says) {
				t.Fatalf("fallback %v, want %v saying %q", fallback, tt.want, tt.says)
			}
			t.Log(fallback)
			if _, ok := d.(*detector).s.(*energy); !ok {
				t.Errorf("fell back to %T, want the energy detector", d.(*detector).s)
			}
			sig, _ := realSignal(t, realCases[0], rate, 0)
			if evs := feed(t, d, sig, 320); len(evs) != 2 {
				t.Errorf("fallback detector found %v", evs)
			}
		})
	}
	// And Silero loads again after all that.
	d, err := NewSilero(Config{})
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
}

func TestNewInvalidConfig(t *testing.T) {
	d, fallback, err := New(Config{SampleRate: 44100})
	if d != nil || fallback != nil || !errors.Is(err, ErrConfig) {
		t.Errorf("New(44.1 kHz) = %v, %v, %v; want ErrConfig", d, fallback, err)
	}
}

// TestSharedSession: detectors share one session per model, each with its
// own state; running them concurrently gives exactly the events of running
// them one at a time. The session stays open for the next detector until
// Shutdown.
func TestSharedSession(t *testing.T) {
	assets(t)
	sigs := make([][]int16, len(realCases))
	for i, c := range realCases {
		sigs[i], _ = realSignal(t, c, rate, -50)
	}
	serial := make([][]Event, len(sigs))
	for i, sig := range sigs {
		d, err := NewSilero(Config{})
		if err != nil {
			t.Fatal(err)
		}
		serial[i] = feed(t, d, sig, 320)
		d.Close()
	}

	ds := make([]Detector, len(sigs))
	for i := range ds {
		d, err := NewSilero(Config{})
		if err != nil {
			t.Fatal(err)
		}
		ds[i] = d
	}
	ortRT.mu.Lock()
	sessions, refs := len(ortRT.sessions), 0
	for _, sh := range ortRT.sessions {
		refs = sh.refs
	}
	ortRT.mu.Unlock()
	if sessions != 1 || refs != len(ds) {
		t.Errorf("%d sessions with %d references, want 1 with %d", sessions, refs, len(ds))
	}
	if err := Shutdown(); !errors.Is(err, ErrBusy) {
		t.Errorf("Shutdown with detectors open: %v, want ErrBusy", err)
	}

	concurrent := make([][]Event, len(sigs))
	var wg sync.WaitGroup
	for i := range ds {
		wg.Go(func() {
			var evs []Event
			for pcm := sigs[i]; len(pcm) > 0; {
				n := min(320, len(pcm))
				e, err := ds[i].Write(pcm[:n])
				if err != nil {
					t.Error(err)
					return
				}
				evs = append(evs, e...)
				pcm = pcm[n:]
			}
			concurrent[i] = evs
		})
	}
	wg.Wait()
	for i := range ds {
		if !sameBoundaries(concurrent[i], serial[i]) {
			t.Errorf("%s: concurrent %v, serial %v", realCases[i].name, concurrent[i], serial[i])
		}
		ds[i].Close()
	}
	if err := Shutdown(); err != nil {
		t.Fatalf("Shutdown after closing every detector: %v", err)
	}
	ortRT.mu.Lock()
	defer ortRT.mu.Unlock()
	if len(ortRT.sessions) != 0 || ortRT.env != nil {
		t.Errorf("after Shutdown: %d sessions, runtime reference held %v", len(ortRT.sessions), ortRT.env != nil)
	}
}

package models

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// kokoroPair is the two Kokoro variants of the built-in catalogue in
// miniature: the same config and voice, different weights at one path.
func kokoroPair(s *fileServer) []Model {
	shared := []testFile{
		{path: "kokoro/config.json", content: []byte(`{"vocab": {}}`)},
		{path: "kokoro/voices/af_test.bin", content: randomBytes(20, 4000)},
	}
	full := testModel(s, "kokoro", EngineKokoro, append(slices.Clone(shared), testFile{path: "kokoro/model.onnx", content: randomBytes(21, 90_000)}))
	small := testModel(s, "kokoro-q8", EngineKokoro, append(slices.Clone(shared), testFile{path: "kokoro/model.onnx", content: randomBytes(22, 30_000)}))
	// Both variants fetch the shared files from one place, as the real ones do.
	for i := range 2 {
		small.Files[i] = full.Files[i]
	}
	return []Model{full, small}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func statuses(t *testing.T, c *Catalogue, dir string) map[string]Entry {
	t.Helper()
	es, err := c.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Entry{}
	for _, e := range es {
		out[e.Name] = e
	}
	return out
}

func TestListShowsInstalledPartialAvailableAndLocal(t *testing.T) {
	var voice, other Model
	var kokoros []Model
	e := newPullEnv(t, func(s *fileServer) []Model {
		voice = testModel(s, "xx_XX-one-medium", EnginePiper, piperFiles("xx_XX-one-medium", 30, 20_000))
		other = testModel(s, "xx_XX-two-low", EnginePiper, piperFiles("xx_XX-two-low", 31, 20_000))
		kokoros = kokoroPair(s)
		return append([]Model{voice, other}, kokoros...)
	})
	missing := filepath.Join(e.dir, "not-yet")
	for name, st := range statuses(t, e.cat, missing) {
		if st.Status != StatusAvailable {
			t.Fatalf("%s in a missing directory: %s", name, st.Status)
		}
	}

	p := e.puller(t, nil)
	for _, name := range []string{voice.Name, "kokoro"} {
		if err := p.Pull(context.Background(), name); err != nil {
			t.Fatal(err)
		}
	}
	// An interrupted pull of other: its config installed, its model a .part.
	writeFile(t, filepath.Join(e.dir, other.Files[0].Path), e.srv.files[urlPath(other.Files[0])])
	writeFile(t, filepath.Join(e.dir, other.Files[1].Path+".part"), []byte("half"))
	// A voice of the user's own, and files that are no voice at all.
	writeFile(t, filepath.Join(e.dir, "my-voice.onnx"), []byte("weights"))
	writeFile(t, filepath.Join(e.dir, "my-voice.onnx.json"), []byte(`{"language": {"code": "cy_GB"}, "audio": {"quality": "high"}, "num_speakers": 3}`))
	writeFile(t, filepath.Join(e.dir, "lonely.onnx"), []byte("no config"))
	writeFile(t, filepath.Join(e.dir, "notes.txt"), []byte("hello"))

	got := statuses(t, e.cat, e.dir)
	want := map[string]Status{
		voice.Name:  StatusInstalled,
		other.Name:  StatusPartial,
		"kokoro":    StatusInstalled,
		"kokoro-q8": StatusAvailable, // shares the installed variant's config and voice, not its weights
		"my-voice":  StatusLocal,
	}
	if len(got) != len(want) {
		t.Fatalf("listed %v", got)
	}
	for name, st := range want {
		if got[name].Status != st {
			t.Errorf("%s: %s, want %s", name, got[name].Status, st)
		}
	}
	mine := got["my-voice"]
	if mine.Engine != EnginePiper || mine.Language != "cy_GB" || mine.Quality != "high" || mine.Speakers != 3 || mine.Size() != int64(len("weights"))+int64(len(`{"language": {"code": "cy_GB"}, "audio": {"quality": "high"}, "num_speakers": 3}`)) {
		t.Errorf("local voice listed as %+v", mine.Model)
	}

	// The other variant replaces the weights and keeps the shared files.
	if err := p.Pull(context.Background(), "kokoro-q8"); err != nil {
		t.Fatal(err)
	}
	got = statuses(t, e.cat, e.dir)
	if got["kokoro"].Status != StatusAvailable || got["kokoro-q8"].Status != StatusInstalled {
		t.Fatalf("after pulling kokoro-q8: kokoro %s, kokoro-q8 %s", got["kokoro"].Status, got["kokoro-q8"].Status)
	}
}

// tree lists every file under dir, slash-separated.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel != "." {
			if d.IsDir() {
				rel += "/"
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRemoveDeletesExactlyTheModelsFiles(t *testing.T) {
	var voice, other Model
	e := newPullEnv(t, func(s *fileServer) []Model {
		voice = testModel(s, "xx_XX-gone-medium", EnginePiper, piperFiles("xx_XX-gone-medium", 40, 10_000))
		other = testModel(s, "xx_XX-stays-medium", EnginePiper, piperFiles("xx_XX-stays-medium", 41, 10_000))
		return append([]Model{voice, other}, kokoroPair(s)...)
	})
	p := e.puller(t, nil)
	for _, name := range []string{voice.Name, other.Name, "kokoro"} {
		if err := p.Pull(context.Background(), name); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(e.dir, "xx_XX-gone-medium.onnx.json.bak"), []byte("mine"))
	writeFile(t, filepath.Join(e.dir, "my-voice.onnx"), []byte("w"))
	writeFile(t, filepath.Join(e.dir, "my-voice.onnx.json"), []byte("{}"))
	before := tree(t, e.dir)

	removed, err := e.cat.Remove(e.dir, voice.Name)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{voice.Files[0].Path, voice.Files[1].Path}; !slices.Equal(removed, want) {
		t.Fatalf("removed %q, want %q", removed, want)
	}
	after := tree(t, e.dir)
	wantAfter := slices.DeleteFunc(slices.Clone(before), func(p string) bool { return slices.Contains(removed, p) })
	if !slices.Equal(after, wantAfter) {
		t.Fatalf("after rm: %q, want %q", after, wantAfter)
	}
	if _, err := e.cat.Remove(e.dir, voice.Name); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("second rm: %v", err)
	}

	// The variant that is not installed owns nothing on disk: the installed
	// one's config, voice and weights stay.
	if _, err := e.cat.Remove(e.dir, "kokoro-q8"); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("rm of the uninstalled variant: %v", err)
	}
	if !slices.Equal(tree(t, e.dir), after) {
		t.Fatal("rm of the uninstalled variant deleted files")
	}
	if _, err := e.cat.Remove(e.dir, "kokoro"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "kokoro")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("empty kokoro directory left: %v", err)
	}

	// A local voice is removed by name, both files.
	if removed, err := e.cat.Remove(e.dir, "my-voice"); err != nil || len(removed) != 2 {
		t.Fatalf("rm local voice: %q, %v", removed, err)
	}
	want := []string{"xx_XX-gone-medium.onnx.json.bak", other.Files[1].Path, other.Files[0].Path}
	slices.Sort(want)
	if got := tree(t, e.dir); !slices.Equal(got, want) {
		t.Fatalf("left %q, want %q", got, want)
	}
	if _, err := os.Stat(e.dir); err != nil {
		t.Fatalf("models directory itself removed: %v", err)
	}
}

func TestRemoveCleansUpAnInterruptedPull(t *testing.T) {
	var voice Model
	e := newPullEnv(t, func(s *fileServer) []Model {
		voice = testModel(s, "xx_XX-half-medium", EnginePiper, piperFiles("xx_XX-half-medium", 42, 10_000))
		return []Model{voice}
	})
	writeFile(t, filepath.Join(e.dir, voice.Files[1].Path+".part"), []byte("half"))
	removed, err := e.cat.Remove(e.dir, voice.Name)
	if err != nil || !slices.Equal(removed, []string{voice.Files[1].Path + ".part"}) {
		t.Fatalf("rm of a partial pull: %q, %v", removed, err)
	}
}

func TestRemoveRefusesBadNames(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(filepath.Dir(dir), "escape.onnx"), []byte("x"))
	for _, name := range []string{"", "../escape", "a/b", ".hidden", `a\b`} {
		if _, err := Builtin().Remove(dir, name); !errors.Is(err, ErrInvalidName) {
			t.Errorf("rm %q: %v", name, err)
		}
	}
	if _, err := Builtin().Remove(dir, "xx_XX-nobody-medium"); !errors.Is(err, ErrUnknownModel) {
		t.Errorf("rm of an unknown name: %v", err)
	}
	if _, err := Builtin().Remove(dir, "en_US-lessac-medium"); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("rm of an uninstalled model: %v", err)
	}
}

package models

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuiltinCatalogue(t *testing.T) {
	ms := Builtin().Models()
	langs := map[string]bool{}
	qualities := map[string]bool{}
	var piper, multi int
	var md5Files []string
	for _, m := range ms {
		if m.Size() <= 0 {
			t.Errorf("%s: size %d", m.Name, m.Size())
		}
		for _, f := range m.Files {
			if f.MD5 != "" {
				md5Files = append(md5Files, f.Path)
			}
		}
		if m.Engine != EnginePiper {
			continue
		}
		piper++
		langs[strings.SplitN(m.Language, "_", 2)[0]] = true
		qualities[m.Quality] = true
		if m.Speakers > 1 {
			multi++
		}
		for _, f := range m.Files {
			// One pinned commit for every Piper file: a voice cannot drift.
			if f.Repo != "rhasspy/piper-voices" || f.Revision != "1162a9173d0ce503555aed757976b7a9912eae4c" {
				t.Errorf("%s: %s@%s", f.Path, f.Repo, f.Revision)
			}
			if !strings.HasSuffix(f.Source, "/"+f.Path) {
				t.Errorf("%s comes from %s", f.Path, f.Source)
			}
		}
	}
	if piper < 12 || len(langs) < 8 || len(qualities) < 3 || multi < 3 {
		t.Errorf("%d Piper voices in %d languages, %d qualities, %d multi-speaker", piper, len(langs), len(qualities), multi)
	}
	// The package doc promises exactly one MD5-only file.
	if len(md5Files) != 1 || md5Files[0] != "en_US-l2arctic-medium.onnx.json" {
		t.Errorf("files pinned by MD5: %q", md5Files)
	}

	for _, name := range []string{"kokoro", "kokoro-q8"} {
		m, ok := Builtin().Lookup(name)
		if !ok {
			t.Fatalf("%s missing", name)
		}
		paths := map[string]bool{}
		voices := 0
		for _, f := range m.Files {
			paths[f.Path] = true
			if strings.HasPrefix(f.Path, "kokoro/voices/") && strings.HasSuffix(f.Path, ".bin") {
				voices++
			}
		}
		if !paths["kokoro/model.onnx"] || !paths["kokoro/config.json"] || voices != m.Speakers || voices == 0 {
			t.Errorf("%s: files %v", name, paths)
		}
		// The weights come last: a model.onnx on disk has its config and voices.
		if last := m.Files[len(m.Files)-1].Path; last != "kokoro/model.onnx" {
			t.Errorf("%s: last file %s", name, last)
		}
	}
}

func TestFileURL(t *testing.T) {
	m, _ := Builtin().Lookup("en_US-lessac-medium")
	base, _ := url.Parse("http://127.0.0.1:8000/mirror/")
	want := "http://127.0.0.1:8000/mirror/rhasspy/piper-voices/resolve/1162a9173d0ce503555aed757976b7a9912eae4c/en/en_US/lessac/medium/en_US-lessac-medium.onnx"
	if got := m.Files[1].URL(base); got != want {
		t.Fatalf("URL %s, want %s", got, want)
	}
}

func TestLoadCatalogueRejects(t *testing.T) {
	const sha = "5efe09e69902187827af646e1a6e9d269dee769f9877d17b16b1b46eeaaf019f"
	file := func(path, extra string) string {
		return `{"path": "` + path + `", "repo": "r/r", "revision": "abc", "source": "s/` + path + `", "size": 10` + extra + `}`
	}
	model := func(name string, files ...string) string {
		return `{"name": "` + name + `", "engine": "kokoro", "language": "en", "quality": "q", "speakers": 1, "licence": "x", "files": [` +
			strings.Join(files, ",") + `]}`
	}
	good := file("kokoro/a.bin", `, "sha256": "`+sha+`"`)
	for name, doc := range map[string]string{
		"empty":           `{"models": []}`,
		"unknown field":   `{"models": [` + model("k", good) + `], "extra": 1}`,
		"no digest":       `{"models": [` + model("k", file("kokoro/a.bin", "")) + `]}`,
		"two digests":     `{"models": [` + model("k", file("kokoro/a.bin", `, "sha256": "`+sha+`", "md5": "00112233445566778899aabbccddeeff"`)) + `]}`,
		"short digest":    `{"models": [` + model("k", file("kokoro/a.bin", `, "sha256": "abcd"`)) + `]}`,
		"upper-case hex":  `{"models": [` + model("k", file("kokoro/a.bin", `, "sha256": "`+strings.ToUpper(sha)+`"`)) + `]}`,
		"escaping path":   `{"models": [` + model("k", file("../a.bin", `, "sha256": "`+sha+`"`)) + `]}`,
		"absolute path":   `{"models": [` + model("k", file("/etc/a.bin", `, "sha256": "`+sha+`"`)) + `]}`,
		"unclean path":    `{"models": [` + model("k", file("kokoro/../a.bin", `, "sha256": "`+sha+`"`)) + `]}`,
		"bad name":        `{"models": [` + model("../k", good) + `]}`,
		"duplicate model": `{"models": [` + model("k", good) + `,` + model("k", good) + `]}`,
		"duplicate file":  `{"models": [` + model("k", good, good) + `]}`,
		"piper layout":    `{"models": [` + strings.Replace(model("k", good), "kokoro", "piper", 1) + `]}`,
	} {
		if _, err := LoadCatalogue(strings.NewReader(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := LoadCatalogue(strings.NewReader(`{"models": [` + model("k", good) + `]}`)); err != nil {
		t.Fatalf("valid catalogue refused: %v", err)
	}
}

// TestPinMatchesPublishedFile hashes a file as published upstream (the
// config of en_US-amy-low, kept in testdata) and compares it with the
// catalogue's pin, which was taken from other public sources: the pins are
// the real files' digests.
func TestPinMatchesPublishedFile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "en_US-amy-low.onnx.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := Builtin().Lookup("en_US-amy-low")
	if !ok {
		t.Fatal("en_US-amy-low is not in the catalogue")
	}
	for _, f := range m.Files {
		if f.Path != "en_US-amy-low.onnx.json" {
			continue
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != f.SHA256 || int64(len(data)) != f.Size {
			t.Fatalf("published config: %d bytes, sha256 %s; catalogue pins %d bytes, %s", len(data), got, f.Size, f.SHA256)
		}
		return
	}
	t.Fatal("en_US-amy-low has no config file in the catalogue")
}

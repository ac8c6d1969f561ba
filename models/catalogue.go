package models

import (
	"bytes"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"slices"
	"strings"
)

// DefaultBaseURL is where the catalogue's repositories are published. A
// mirror must serve each file at BASE/REPO/resolve/REVISION/SOURCE, as
// Hugging Face does.
const DefaultBaseURL = "https://huggingface.co/"

// Engine names in Model.Engine.
const (
	EnginePiper  = "piper"
	EngineKokoro = "kokoro"
)

// File is one file of a model.
type File struct {
	// Path is where the file goes, relative to the models directory, with
	// forward slashes.
	Path string `json:"path"`
	// Repo, Revision and Source locate the file upstream: the repository,
	// the commit it is pinned at, and its path in the repository.
	Repo     string `json:"repo"`
	Revision string `json:"revision"`
	Source   string `json:"source"`
	// Size is the file's length in bytes.
	Size int64 `json:"size"`
	// SHA256 is the file's digest in hex. MD5 is set instead only for the
	// one file whose SHA-256 no public source gives (see the package doc).
	SHA256 string `json:"sha256,omitempty"`
	MD5    string `json:"md5,omitempty"`
}

// URL returns the file's address under base (DefaultBaseURL or a mirror).
func (f File) URL(base *url.URL) string {
	return base.JoinPath(f.Repo, "resolve", f.Revision, f.Source).String()
}

// Model is a catalogue entry, or a local model found in the directory.
type Model struct {
	Name string `json:"name"`
	// Engine is EnginePiper or EngineKokoro.
	Engine string `json:"engine"`
	// Language is a locale such as "en_GB"; a model speaking several lists
	// them separated by commas.
	Language string `json:"language"`
	// Quality is Piper's tier (x_low, low, medium, high) or Kokoro's
	// weight precision (fp32, q8f16).
	Quality  string `json:"quality"`
	Speakers int    `json:"speakers"`
	// Licence is the licence of the voice (its training data), as its model
	// card states it; a card that names none says so.
	Licence string `json:"licence"`
	Files   []File `json:"files"`
}

// Size is the total size of the model's files in bytes.
func (m Model) Size() int64 {
	var n int64
	for _, f := range m.Files {
		n += f.Size
	}
	return n
}

func (m Model) clone() Model {
	m.Files = slices.Clone(m.Files)
	return m
}

//go:embed catalogue.json
var catalogueJSON []byte

// Catalogue is a set of models Pull can install.
type Catalogue struct {
	models []Model
}

// builtin is parsed once; the test checks the embedded file, so a parse
// error here is a broken build, not bad input.
var builtin = func() *Catalogue {
	c, err := parseCatalogue(catalogueJSON)
	if err != nil {
		panic(err)
	}
	return c
}()

// Builtin returns the catalogue compiled into Parley.
func Builtin() *Catalogue { return builtin }

// LoadCatalogue reads a catalogue in the format of the built-in one
// (catalogue.json in this package), for a mirror that serves models of its
// own. Every file needs a size and a digest.
func LoadCatalogue(r io.Reader) (*Catalogue, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxCatalogueBytes+1))
	if err != nil {
		return nil, fmt.Errorf("models: catalogue: %w", err)
	}
	if len(data) > maxCatalogueBytes {
		return nil, fmt.Errorf("models: catalogue: larger than %d bytes", maxCatalogueBytes)
	}
	return parseCatalogue(data)
}

// maxCatalogueBytes bounds a catalogue file; the built-in one is 28 kB.
const maxCatalogueBytes = 16 << 20

// Models returns every model of the catalogue, in catalogue order.
func (c *Catalogue) Models() []Model {
	out := make([]Model, len(c.models))
	for i, m := range c.models {
		out[i] = m.clone()
	}
	return out
}

// Lookup returns the model called name.
func (c *Catalogue) Lookup(name string) (Model, bool) {
	for _, m := range c.models {
		if m.Name == name {
			return m.clone(), true
		}
	}
	return Model{}, false
}

func parseCatalogue(data []byte) (*Catalogue, error) {
	var doc struct {
		Models []Model `json:"models"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("models: catalogue: %w", err)
	}
	names := map[string]bool{}
	for _, m := range doc.Models {
		if err := checkModel(m); err != nil {
			return nil, fmt.Errorf("models: catalogue: %s: %w", m.Name, err)
		}
		if names[m.Name] {
			return nil, fmt.Errorf("models: catalogue: %s listed twice", m.Name)
		}
		names[m.Name] = true
	}
	if len(doc.Models) == 0 {
		return nil, errors.New("models: catalogue: no models")
	}
	return &Catalogue{models: doc.Models}, nil
}

func checkModel(m Model) error {
	if !validName(m.Name) {
		return ErrInvalidName
	}
	if m.Engine != EnginePiper && m.Engine != EngineKokoro {
		return fmt.Errorf("unknown engine %q", m.Engine)
	}
	if m.Language == "" || m.Quality == "" || m.Licence == "" || m.Speakers < 1 || len(m.Files) == 0 {
		return errors.New("language, quality, licence, speakers and files are required")
	}
	if m.Engine == EnginePiper {
		want := []string{m.Name + ".onnx.json", m.Name + ".onnx"}
		if len(m.Files) != 2 || m.Files[0].Path != want[0] || m.Files[1].Path != want[1] {
			return fmt.Errorf("a Piper voice is %s then %s", want[0], want[1])
		}
	}
	paths := map[string]bool{}
	for _, f := range m.Files {
		if err := checkFile(f); err != nil {
			return fmt.Errorf("%s: %w", f.Path, err)
		}
		if paths[f.Path] {
			return fmt.Errorf("%s listed twice", f.Path)
		}
		paths[f.Path] = true
	}
	return nil
}

func checkFile(f File) error {
	if !localPath(f.Path) {
		return errors.New("path must be relative, clean and inside the models directory")
	}
	if f.Repo == "" || f.Revision == "" || f.Source == "" || path.IsAbs(f.Source) {
		return errors.New("repo, revision and a relative source are required")
	}
	if f.Size <= 0 {
		return errors.New("size must be positive")
	}
	switch {
	case f.SHA256 != "" && f.MD5 == "":
		return checkHex(f.SHA256, 32)
	case f.MD5 != "" && f.SHA256 == "":
		return checkHex(f.MD5, 16)
	}
	return errors.New("exactly one of sha256 and md5 is required")
}

func checkHex(s string, n int) error {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != n || s != strings.ToLower(s) {
		return fmt.Errorf("digest %q is not %d bytes of lower-case hex", s, n)
	}
	return nil
}

// localPath reports whether p names a file strictly inside the models
// directory.
func localPath(p string) bool {
	return p != "" && p == path.Clean(p) && !path.IsAbs(p) && p != "." && p != ".." &&
		!strings.HasPrefix(p, "../") && !strings.Contains(p, `\`)
}

// validName reports whether name can be a model name, which doubles as a
// file name stem: letters, digits and _ . - only, not starting with a dot.
func validName(name string) bool {
	if name == "" || name[0] == '.' || len(name) > 128 {
		return false
	}
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.':
		default:
			return false
		}
	}
	return true
}

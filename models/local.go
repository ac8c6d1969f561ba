package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Status is a model's state in a models directory.
type Status string

// Statuses reported by List.
const (
	// StatusAvailable: in the catalogue, nothing of it on disk.
	StatusAvailable Status = "available"
	// StatusInstalled: every file present with its pinned size.
	StatusInstalled Status = "installed"
	// StatusPartial: some of its files, or a .part, are on disk; Pull
	// completes it.
	StatusPartial Status = "partial"
	// StatusLocal: a Piper voice in the directory the catalogue does not
	// list.
	StatusLocal Status = "local"
)

// Entry is a model and its state in a directory.
type Entry struct {
	Model
	Status Status `json:"status"`
}

// partSuffix is appended to a file's path while it downloads.
const partSuffix = ".part"

// maxConfigBytes bounds how much of a local voice's .onnx.json List reads:
// Piper configs are a few kilobytes.
const maxConfigBytes = 1 << 20

// List returns every model of the catalogue with its status in dir,
// followed by the local Piper voices found there, sorted by name. A missing
// dir is an empty one.
func (c *Catalogue) List(dir string) ([]Entry, error) {
	installed, err := c.installedSet(dir)
	if err != nil {
		return nil, err
	}
	owned := c.ownedPaths(installed)
	var out []Entry
	for _, m := range c.models {
		st := StatusAvailable
		switch {
		case installed[m.Name]:
			st = StatusInstalled
		case hasLeftovers(dir, m, owned):
			st = StatusPartial
		}
		out = append(out, Entry{Model: m.clone(), Status: st})
	}
	local, err := c.localVoices(dir)
	if err != nil {
		return nil, err
	}
	return append(out, local...), nil
}

// Installed reports whether every file of m is in dir with its pinned size.
// It does not hash: Pull verifies digests as it installs.
func Installed(dir string, m Model) (bool, error) {
	for _, f := range m.Files {
		st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if !st.Mode().IsRegular() || st.Size() != f.Size {
			return false, nil
		}
	}
	return true, nil
}

func (c *Catalogue) installedSet(dir string) (map[string]bool, error) {
	set := map[string]bool{}
	for _, m := range c.models {
		ok, err := Installed(dir, m)
		if err != nil {
			return nil, err
		}
		set[m.Name] = ok
	}
	return set, nil
}

// ownedPaths is every file path of an installed catalogue model. Kokoro's
// two variants share their config and voices, so a file may belong to a
// model other than the one being looked at.
func (c *Catalogue) ownedPaths(installed map[string]bool) map[string]bool {
	owned := map[string]bool{}
	for _, m := range c.models {
		if installed[m.Name] {
			for _, f := range m.Files {
				owned[f.Path] = true
			}
		}
	}
	return owned
}

// leftovers returns the paths of m's files and .part files present in dir
// that no installed model owns.
func leftovers(dir string, m Model, owned map[string]bool) ([]string, error) {
	var out []string
	for _, f := range m.Files {
		for _, p := range []string{f.Path, f.Path + partSuffix} {
			if p == f.Path && owned[p] {
				continue
			}
			_, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(p)))
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

func hasLeftovers(dir string, m Model, owned map[string]bool) bool {
	l, err := leftovers(dir, m, owned)
	return err == nil && len(l) > 0
}

// localVoices finds NAME.onnx + NAME.onnx.json pairs in dir that the
// catalogue does not list.
func (c *Catalogue) localVoices(dir string) ([]Entry, error) {
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, de := range des {
		name, ok := strings.CutSuffix(de.Name(), ".onnx")
		if !ok || !de.Type().IsRegular() || !validName(name) {
			continue
		}
		if _, known := c.Lookup(name); known {
			continue
		}
		m, ok := localVoice(dir, name)
		if ok {
			out = append(out, Entry{Model: m, Status: StatusLocal})
		}
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// localVoice describes a local Piper voice from its files and config. A
// config that does not parse still counts: the engine decides whether the
// voice loads; the listing only leaves the fields it cannot read empty.
func localVoice(dir, name string) (Model, bool) {
	m := Model{Name: name, Engine: EnginePiper}
	for _, p := range []string{name + ".onnx.json", name + ".onnx"} {
		st, err := os.Stat(filepath.Join(dir, p))
		if err != nil || !st.Mode().IsRegular() {
			return Model{}, false
		}
		m.Files = append(m.Files, File{Path: p, Size: st.Size()})
	}
	f, err := os.Open(filepath.Join(dir, name+".onnx.json"))
	if err != nil {
		return m, true
	}
	defer f.Close()
	var cfg struct {
		Language struct {
			Code string `json:"code"`
		} `json:"language"`
		Audio struct {
			Quality string `json:"quality"`
		} `json:"audio"`
		NumSpeakers int `json:"num_speakers"`
	}
	if json.NewDecoder(io.LimitReader(f, maxConfigBytes)).Decode(&cfg) == nil {
		m.Language, m.Quality, m.Speakers = cfg.Language.Code, cfg.Audio.Quality, cfg.NumSpeakers
	}
	return m, true
}

// Remove deletes the files of the model called name from dir and returns
// their paths. For a catalogue model that is its files and any .part left
// by an unfinished Pull, except files that belong to another installed
// model (Kokoro's variants share their config and voices); for a local
// voice, its .onnx and .onnx.json. Directories it empties below dir are
// removed too. It returns ErrNotInstalled when there is nothing to delete.
func (c *Catalogue) Remove(dir, name string) ([]string, error) {
	if !validName(name) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidName, name)
	}
	m, known := c.Lookup(name)
	if !known {
		lm, ok := localVoice(dir, name)
		if !ok {
			return nil, fmt.Errorf("%w: %q is not in the catalogue or in %s", ErrUnknownModel, name, dir)
		}
		m = lm
	}
	installed, err := c.installedSet(dir)
	if err != nil {
		return nil, err
	}
	delete(installed, name)
	paths, err := leftovers(dir, m, c.ownedPaths(installed))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotInstalled, name)
	}
	var removed []string
	for _, p := range paths {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(p))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("models: remove %s: %w", p, err)
		}
		removed = append(removed, p)
		pruneDirs(dir, p)
	}
	return removed, nil
}

// pruneDirs removes the now-empty directories between p and dir (kokoro/
// and kokoro/voices/), never dir itself; a directory that is not empty
// stays.
func pruneDirs(dir, p string) {
	for d := filepath.Dir(filepath.FromSlash(p)); d != "." && d != string(filepath.Separator); d = filepath.Dir(d) {
		if os.Remove(filepath.Join(dir, d)) != nil {
			return
		}
	}
}

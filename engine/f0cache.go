package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// f0CacheFile, in the models directory, keeps each neural voice's F0 so
// that it is measured once, not at every start: one synthesis per voice is
// about a second of CPU for a real model, and Kokoro has fifty voices.
const f0CacheFile = ".parley-f0.json"

// f0Version changes when the sentence or the measurement does, so that
// older figures are measured again.
const f0Version = "1"

type f0Entry struct {
	Key string  `json:"key"`
	F0  float64 `json:"f0_hz"`
}

// f0Cache is the F0 figures of a models directory. Reading and writing it
// are best effort: without it the figures are measured again.
type f0Cache struct {
	path    string
	mu      sync.Mutex
	entries map[string]f0Entry
	dirty   bool
}

func loadF0Cache(dir string) *f0Cache {
	c := &f0Cache{path: filepath.Join(dir, f0CacheFile), entries: map[string]f0Entry{}}
	if b, err := os.ReadFile(c.path); err == nil {
		_ = json.Unmarshal(b, &c.entries)
	}
	return c
}

// fileKey identifies the files a measurement depends on by size and
// modification time.
func fileKey(paths ...string) string {
	key := f0Version
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return ""
		}
		key += fmt.Sprintf("/%d-%d", fi.Size(), fi.ModTime().UnixNano())
	}
	return key
}

// measure returns id's F0: cached under key, else measured from what
// synth speaks at rate, and cached.
func (c *f0Cache) measure(id, key string, rate int, synth func(context.Context, func([]int16) error) error) float64 {
	c.mu.Lock()
	e, ok := c.entries[id]
	c.mu.Unlock()
	if ok && key != "" && e.Key == key {
		return e.F0
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var pcm []int16
	if err := synth(ctx, func(x []int16) error {
		pcm = append(pcm, x...)
		return nil
	}); err != nil {
		return 0
	}
	f0 := measuredF0(pcm, rate)
	if key != "" {
		c.mu.Lock()
		c.entries[id] = f0Entry{Key: key, F0: f0}
		c.dirty = true
		c.mu.Unlock()
	}
	return f0
}

// save writes the figures if any changed, to a temporary file renamed
// into place.
func (c *f0Cache) save() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty {
		return
	}
	b, err := json.MarshalIndent(c.entries, "", "  ")
	if err != nil {
		return
	}
	tmp := c.path + ".tmp"
	if os.WriteFile(tmp, b, 0o644) == nil && os.Rename(tmp, c.path) == nil {
		c.dirty = false
	} else {
		os.Remove(tmp)
	}
}

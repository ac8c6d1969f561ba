package kokoro

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Config is the part of hexgrad/Kokoro-82M's config.json that inference
// needs: the vocabulary from phoneme characters to token ids, the number
// of tokens, and the context length (PL-BERT's positions).
type Config struct {
	Vocab  map[string]int64 `json:"vocab"`
	NToken int              `json:"n_token"`
	PLBert struct {
		MaxPositionEmbeddings int `json:"max_position_embeddings"`
	} `json:"plbert"`

	vocab map[rune]int64
}

// DefaultContext is Kokoro-82M's context, pads included, when config.json
// does not say.
const DefaultContext = 512

// ParseConfig reads config.json and checks its vocabulary: single
// characters, ids from 1 (0 is the pad) and below n_token when given.
func ParseConfig(b []byte) (*Config, error) {
	var c Config
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if len(c.Vocab) == 0 {
		return nil, fmt.Errorf("%w: no vocab", ErrConfig)
	}
	c.vocab = make(map[rune]int64, len(c.Vocab))
	for s, id := range c.Vocab {
		r, n := utf8.DecodeRuneInString(s)
		if n != len(s) || r == utf8.RuneError {
			return nil, fmt.Errorf("%w: vocab key %q is not one character", ErrConfig, s)
		}
		if id < 1 || (c.NToken > 0 && id >= int64(c.NToken)) {
			return nil, fmt.Errorf("%w: vocab[%q] is %d, want 1 to n_token-1 (n_token %d)", ErrConfig, s, id, c.NToken)
		}
		c.vocab[r] = id
	}
	if c.PLBert.MaxPositionEmbeddings == 0 {
		c.PLBert.MaxPositionEmbeddings = DefaultContext
	}
	if c.PLBert.MaxPositionEmbeddings < 3 {
		return nil, fmt.Errorf("%w: context of %d tokens", ErrConfig, c.PLBert.MaxPositionEmbeddings)
	}
	return &c, nil
}

// MaxTokens is the most phoneme tokens one run takes: the context less
// the two pads.
func (c *Config) MaxTokens() int { return c.PLBert.MaxPositionEmbeddings - 2 }

// Tokens maps phonemes to token ids, one per character, dropping those
// not in the vocabulary (as KModel.forward does), and counts the dropped.
func (c *Config) Tokens(phonemes []rune) (ids []int64, missing int) {
	ids = make([]int64, 0, len(phonemes))
	for _, r := range phonemes {
		if id, ok := c.vocab[r]; ok {
			ids = append(ids, id)
		} else {
			missing++
		}
	}
	return ids, missing
}

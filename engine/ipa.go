package engine

import (
	"context"
	"strings"

	"github.com/parley-voice/parley/engine/espeak"
)

// phonemizer is what the neural engines phonemise with: espeak.Pool.
type phonemizer interface {
	Phonemize(ctx context.Context, text, voice string) ([]espeak.Clause, error)
}

// ipaPhonemizer phonemises a segment whose pieces give some words in IPA:
// the text pieces through espeak-ng, the IPA pieces as given, joined into
// the clauses espeak-ng would have made of the whole, so that a word in
// IPA stays inside its sentence (one model run, one intonation). It
// ignores the text it is asked for: the pieces are the segment.
type ipaPhonemizer struct {
	base   phonemizer
	pieces []Piece
}

func (p ipaPhonemizer) Phonemize(ctx context.Context, _ string, voice string) ([]espeak.Clause, error) {
	var out []espeak.Clause
	open := false // the last clause has no punctuation yet: what follows joins it
	join := func(c espeak.Clause) {
		if open && len(out) > 0 {
			last := &out[len(out)-1]
			last.Text += c.Text
			if c.Phonemes != "" {
				if last.Phonemes != "" {
					last.Phonemes += " "
				}
				last.Phonemes += c.Phonemes
			}
			last.Punct = c.Punct
		} else {
			out = append(out, c)
		}
		open = c.Punct == 0
	}
	for _, pc := range p.pieces {
		if pc.IPA != "" {
			join(espeak.Clause{Text: pc.Text, Phonemes: ipaForModels(pc.IPA)})
			continue
		}
		if strings.TrimSpace(pc.Text) == "" {
			continue
		}
		clauses, err := p.base.Phonemize(ctx, pc.Text, voice)
		if err != nil {
			return nil, err
		}
		for _, c := range clauses {
			join(c)
		}
	}
	return out, nil
}

// ipaForModels writes IPA the way espeak-ng's IPA output, which the
// neural voices were trained on, writes it: stress marks as ˈ and ˌ
// rather than apostrophes, no syllable dots or slashes around it.
func ipaForModels(ipa string) string {
	ipa = strings.NewReplacer("'", "ˈ", "’", "ˈ", "\u02cc", "ˌ", ".", "", "/", "", "[", "", "]", "").Replace(ipa)
	return strings.Join(strings.Fields(ipa), " ")
}

// phonemesFor returns what a neural engine phonemises seg with.
func phonemesFor(base phonemizer, seg Segment) phonemizer {
	if !seg.HasIPA() {
		return base
	}
	return ipaPhonemizer{base: base, pieces: seg.Pieces}
}

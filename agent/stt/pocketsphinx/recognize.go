package pocketsphinx

import "context"

// recognizeChunk bounds how long Recognize runs without looking at ctx:
// half a second of audio decodes in well under 100 ms.
const recognizeChunk = DefaultSampleRate / 2

// Recognize decodes one whole utterance on d and returns its final
// hypothesis. It resets d first, so that the result depends only on pcm
// and not on what d decoded before. When ctx ends it abandons the
// utterance, leaving d ready for the next one, and returns ctx.Err().
func Recognize(ctx context.Context, d *Decoder, pcm []int16) (string, error) {
	if err := d.Reset(); err != nil {
		return "", err
	}
	if err := d.Start(); err != nil {
		return "", err
	}
	for len(pcm) > 0 {
		if err := ctx.Err(); err != nil {
			d.Reset()
			return "", err
		}
		n := min(len(pcm), recognizeChunk)
		if err := d.Write(pcm[:n]); err != nil {
			d.Reset()
			return "", err
		}
		pcm = pcm[n:]
	}
	return d.End()
}

package codec

import (
	"bytes"
	"testing"
)

// recorder counts the Write calls and bytes that reach it.
type recorder struct {
	bytes.Buffer
	writes int
}

func (r *recorder) Write(b []byte) (int, error) {
	r.writes++
	return r.Buffer.Write(b)
}

// TestStreaming feeds 5 s of audio in 20 ms chunks, as a synthesis does,
// and checks that each encoder hands its output on as it goes: the first
// audio within 0.5 s of input, and most of the file before Close.
func TestStreaming(t *testing.T) {
	const chunk = 480 // 20 ms
	pcm := speechLike(5 * SampleRate)
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			var w recorder
			enc, err := NewEncoder(format, &w)
			if err != nil {
				t.Fatal(err)
			}
			if w.Len() != 0 {
				t.Errorf("%d bytes written before the first Write", w.Len())
			}
			// Whatever the first chunk brings is headers at most; audio is
			// what comes after.
			if err := enc.Write(pcm[:chunk]); err != nil {
				t.Fatal(err)
			}
			header := w.Len()
			firstAudio := -1
			for i := chunk; i < len(pcm); i += chunk {
				if err := enc.Write(pcm[i : i+chunk]); err != nil {
					t.Fatal(err)
				}
				if firstAudio < 0 && w.Len() > header {
					firstAudio = i + chunk
				}
			}
			before, writes := w.Len(), w.writes
			if err := enc.Close(); err != nil {
				t.Fatal(err)
			}
			t.Logf("header %d bytes; first audio after %d ms of input; %d of %d bytes in %d writes before Close",
				header, firstAudio*1000/SampleRate, before, w.Len(), writes)
			if firstAudio < 0 || firstAudio > SampleRate/2 {
				t.Errorf("first audio bytes after %d samples of input, want within 0.5 s", firstAudio)
			}
			if before < w.Len()*9/10 || writes < 10 {
				t.Errorf("%d of %d bytes in %d writes before Close, want 90%% in at least 10 writes", before, w.Len(), writes)
			}
		})
	}
}

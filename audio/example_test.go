package audio_test

import (
	"fmt"

	"github.com/parley-voice/parley/audio"
)

// An engine's 22.05 kHz output, resampled to the protocol's 24 kHz as its
// pieces arrive and cut into chunks for the client. The first piece goes out
// at once, less the resampler's delay (56 samples); the 4851 input samples
// become exactly ceil(4851·24000/22050) = 5280 output samples.
func ExampleResampler() {
	rs := audio.NewResampler(22050, 24000)
	ch := audio.NewChunker(audio.DefaultChunkMin, audio.DefaultChunkMax)
	send := func(chunk []int16) error {
		fmt.Println("chunk of", len(chunk), "samples")
		return nil
	}
	var out []int16
	for _, piece := range [][]int16{make([]int16, 441), make([]int16, 2205), make([]int16, 2205)} {
		out = rs.Process(out[:0], piece)
		if err := ch.Push(out, send); err != nil {
			return
		}
	}
	out = rs.Flush(out[:0])
	if err := ch.Push(out, send); err != nil {
		return
	}
	fmt.Println("rest", len(ch.Flush()))
	// Output:
	// chunk of 424 samples
	// chunk of 1920 samples
	// chunk of 1920 samples
	// chunk of 960 samples
	// rest 56
}

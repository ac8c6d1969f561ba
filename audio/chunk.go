package audio

import "fmt"

// Default chunk bounds: 40–80 ms at 24 kHz.
const (
	DefaultChunkMin = 960
	DefaultChunkMax = 1920
)

// Chunker turns the pieces an engine emits, whatever their sizes, into the
// chunks sent to a client: between Min and Max samples each, except that
// the first chunk of a segment goes out at once, however short (time to
// first audio matters more than chunk size), and Flush sends whatever is
// left. A first piece longer than Max is chunked like any other after its
// first chunk, so an engine that makes a second of audio at once (a
// neural model) gets no short chunk in the middle.
//
// Ownership: a chunk passed to emit is only valid during that call. It is
// either a sub-slice of the piece given to Push (no copy) or the Chunker's
// own buffer, which the next call reuses; emit must copy or encode it
// before returning, and must not modify it. A Chunker is not safe for
// concurrent use.
type Chunker struct {
	min, max int
	buf      []int16
	started  bool // the current segment has sent its first piece
}

// NewChunker returns a Chunker for chunks of min to max samples. It panics
// unless 0 < min <= max: the bounds are constants of the caller.
func NewChunker(min, max int) *Chunker {
	if min <= 0 || max < min {
		panic(fmt.Sprintf("audio: chunk bounds [%d, %d]", min, max))
	}
	return &Chunker{min: min, max: max, buf: make([]int16, 0, max)}
}

// Push adds the next piece of the current segment, calling emit for every
// chunk it completes. It stops at the first error from emit and returns
// it; the rest of that piece is then dropped.
func (c *Chunker) Push(pcm []int16, emit func(chunk []int16) error) error {
	if len(pcm) == 0 {
		return nil
	}
	if !c.started {
		c.started = true
		n := min(len(pcm), c.max)
		if err := emit(pcm[:n]); err != nil {
			return err
		}
		pcm = pcm[n:]
	}
	if len(c.buf) > 0 {
		// Top the buffer up to Max, or to whatever pcm holds if that still
		// reaches Min; below Min, keep accumulating.
		if len(c.buf)+len(pcm) < c.min {
			c.buf = append(c.buf, pcm...)
			return nil
		}
		n := min(c.max-len(c.buf), len(pcm))
		c.buf = append(c.buf, pcm[:n]...)
		pcm = pcm[n:]
		err := emit(c.buf)
		c.buf = c.buf[:0]
		if err != nil {
			return err
		}
	}
	for len(pcm) >= c.min {
		n := min(len(pcm), c.max)
		if err := emit(pcm[:n]); err != nil {
			return err
		}
		pcm = pcm[n:]
	}
	c.buf = append(c.buf, pcm...)
	return nil
}

// Flush ends the current segment: it returns the samples still buffered
// (fewer than Min; nil if none), and the next Push starts a new segment
// whose first piece goes out at once. The returned slice is the Chunker's
// buffer, valid until the next Push.
func (c *Chunker) Flush() []int16 {
	c.started = false
	if len(c.buf) == 0 {
		return nil
	}
	rest := c.buf
	c.buf = c.buf[:0]
	return rest
}

// Reset drops any buffered samples and starts a new segment.
func (c *Chunker) Reset() {
	c.buf = c.buf[:0]
	c.started = false
}

package codec

import (
	"errors"
	"io"
)

// Buffer is an in-memory io.WriteSeeker. An Encoder writing to one can go
// back to finish its header when it is closed (wav's sizes, flac's length
// and MD5, mp3's Info tag), which an Encoder writing to a stream cannot:
// encode a whole-file answer into a Buffer, then send its Bytes. The zero
// value is an empty Buffer ready to use.
type Buffer struct {
	b   []byte
	off int
}

// Write writes p at the current offset, overwriting or extending the
// buffer.
func (b *Buffer) Write(p []byte) (int, error) {
	end := b.off + len(p)
	if end > len(b.b) {
		b.b = append(b.b, make([]byte, end-len(b.b))...)
	}
	copy(b.b[b.off:], p)
	b.off = end
	return len(p), nil
}

// errNegativeOffset is Seek's error for a position before the start.
var errNegativeOffset = errors.New("codec: Buffer: seek before the start")

// Seek sets the offset of the next Write. Seeking past the end and then
// writing fills the gap with zeros.
func (b *Buffer) Seek(offset int64, whence int) (int64, error) {
	var base int64
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		base = int64(b.off)
	case io.SeekEnd:
		base = int64(len(b.b))
	default:
		return 0, errors.New("codec: Buffer: invalid whence")
	}
	pos := base + offset
	if pos < 0 {
		return 0, errNegativeOffset
	}
	b.off = int(pos)
	return pos, nil
}

// Bytes returns the buffer's contents; it aliases the buffer until the next
// Write.
func (b *Buffer) Bytes() []byte { return b.b }

// Len is the length of the contents.
func (b *Buffer) Len() int { return len(b.b) }

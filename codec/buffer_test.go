package codec

import (
	"bytes"
	"io"
	"os"
	"testing"
)

func TestBufferSeeksAndOverwrites(t *testing.T) {
	var b Buffer
	mustWrite := func(s string) {
		t.Helper()
		if n, err := b.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	mustSeek := func(off int64, whence int, want int64) {
		t.Helper()
		if got, err := b.Seek(off, whence); got != want || err != nil {
			t.Fatalf("Seek(%d, %d) = %d, %v; want %d", off, whence, got, err, want)
		}
	}
	mustWrite("hello world")
	mustSeek(0, io.SeekCurrent, 11)
	mustSeek(6, io.SeekStart, 6)
	mustWrite("there, world")
	mustSeek(-7, io.SeekEnd, 11)
	mustWrite("W")
	mustSeek(2, io.SeekEnd, 20)
	mustWrite("!")
	if got, want := string(b.Bytes()), "hello thereW world\x00\x00!"; got != want || b.Len() != len(want) {
		t.Fatalf("contents %q (%d), want %q", got, b.Len(), want)
	}
	if _, err := b.Seek(-1, io.SeekStart); err == nil {
		t.Fatal("seek before the start succeeded")
	}
	if _, err := b.Seek(0, 42); err == nil {
		t.Fatal("seek with an invalid whence succeeded")
	}
}

// TestBufferFinishesHeaders checks that an encoder writing to a Buffer
// produces the same file as one writing to a file it can seek in: the
// header is rewritten in both.
func TestBufferFinishesHeaders(t *testing.T) {
	pcm := speechLike(inputLen)
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			want, err := os.ReadFile(encodeTo(t, format, pcm, true))
			if err != nil {
				t.Fatal(err)
			}
			stream, err := os.ReadFile(encodeTo(t, format, pcm, false))
			if err != nil {
				t.Fatal(err)
			}
			var b Buffer
			enc, err := NewEncoder(format, &b)
			if err != nil {
				t.Fatal(err)
			}
			writeChunked(t, enc, pcm, uint64(len(format)))
			if err := enc.Close(); err != nil {
				t.Fatal(err)
			}
			if format == "opus" {
				return // libopusenc's stream serial number is random
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Fatalf("%d bytes in the Buffer differ from the %d of a seekable file", b.Len(), len(want))
			}
			if rewrites := format == "wav" || format == "flac" || format == "mp3"; rewrites == bytes.Equal(stream, want) {
				t.Fatalf("rewrites header: %v, but the streamed file equal to the seekable one: %v", rewrites, bytes.Equal(stream, want))
			}
		})
	}
}

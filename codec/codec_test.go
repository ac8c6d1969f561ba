package codec

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestContentType(t *testing.T) {
	tests := []struct{ format, want string }{
		{"wav", "audio/wav"},
		{"pcm", "audio/pcm"},
		{"mp3", "audio/mpeg"},
		{"opus", "audio/opus"},
		{"flac", "audio/flac"},
		{"aac", "audio/aac"},
		{"ogg", ""},
		{"WAV", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := ContentType(tt.format); got != tt.want {
			t.Errorf("ContentType(%q) = %q, want %q", tt.format, got, tt.want)
		}
	}
}

func TestUnsupportedFormat(t *testing.T) {
	supported := strings.Join(Formats(), ", ")
	for _, format := range []string{"ogg", "MP3", "", "wav "} {
		enc, err := NewEncoder(format, &bytes.Buffer{})
		if enc != nil || !errors.Is(err, ErrUnsupportedFormat) {
			t.Errorf("NewEncoder(%q) = %v, %v; want ErrUnsupportedFormat", format, enc, err)
			continue
		}
		if !strings.Contains(err.Error(), "(supported: "+supported+")") {
			t.Errorf("NewEncoder(%q): %q does not list the supported formats %q", format, err, supported)
		}
	}
	if Formats()[0] != DefaultFormat {
		t.Errorf("Formats() = %v, want the default %q first", Formats(), DefaultFormat)
	}
}

// TestEmpty checks that a response with no audio is still a file FFmpeg
// opens (or, for the headerless formats, empty).
func TestEmpty(t *testing.T) {
	requireFFmpeg(t)
	for _, c := range codecCases {
		if !slices.Contains(Formats(), c.format) {
			continue // see TestFormatsWithCgo
		}
		t.Run(c.format, func(t *testing.T) {
			var buf bytes.Buffer
			enc, err := NewEncoder(c.format, &buf)
			if err != nil {
				t.Fatal(err)
			}
			if err := enc.Close(); err != nil {
				t.Fatal(err)
			}
			t.Logf("%d bytes", buf.Len())
			if c.format == "pcm" || c.format == "aac" {
				// Raw samples and ADTS are bare sequences of frames.
				if buf.Len() != 0 {
					t.Errorf("%d bytes, want none", buf.Len())
				}
				return
			}
			path := writeTemp(t, c.format, buf.Bytes())
			if info := ffprobe(t, path, c.format); info.Codec != c.codec {
				t.Errorf("ffprobe: codec %q, want %q", info.Codec, c.codec)
			}
			// MP3 has no empty frame: LAME's flush leaves one of silence.
			if pcm := ffdecode(t, path, c.format, SampleRate); len(pcm) > 0 && c.format != "mp3" {
				t.Errorf("decoded %d samples, want none", len(pcm))
			}
		})
	}
}

func TestClose(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			enc, err := NewEncoder(format, &buf)
			if err != nil {
				t.Fatal(err)
			}
			if err := enc.Write(speechLike(2400)); err != nil {
				t.Fatal(err)
			}
			if err := enc.Close(); err != nil {
				t.Fatal(err)
			}
			n := buf.Len()
			if err := enc.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			if err := enc.Write(speechLike(480)); !errors.Is(err, ErrClosed) {
				t.Errorf("Write after Close: %v, want ErrClosed", err)
			}
			if buf.Len() != n {
				t.Errorf("%d bytes after Close, then %d", n, buf.Len())
			}
		})
	}
}

// failWriter accepts limit bytes, then fails.
type failWriter struct {
	limit int
	n     int
}

var errWriter = errors.New("client went away")

func (w *failWriter) Write(b []byte) (int, error) {
	if w.n+len(b) > w.limit {
		return 0, errWriter
	}
	w.n += len(b)
	return len(b), nil
}

func TestWriterError(t *testing.T) {
	pcm := speechLike(SampleRate)
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			enc, err := NewEncoder(format, &failWriter{limit: 2000})
			if err != nil {
				t.Fatal(err)
			}
			var werr error
			for i := 0; i < len(pcm) && werr == nil; i += 480 {
				werr = enc.Write(pcm[i : i+480])
			}
			if !errors.Is(werr, errWriter) {
				t.Fatalf("Write into a failing writer: %v, want %v", werr, errWriter)
			}
			if err := enc.Write(pcm[:480]); !errors.Is(err, errWriter) {
				t.Errorf("Write after the failure: %v, want the failure again", err)
			}
			if err := enc.Close(); !errors.Is(err, errWriter) {
				t.Errorf("Close after the failure: %v, want the failure again", err)
			}
			if err := enc.Write(pcm[:480]); !errors.Is(err, ErrClosed) {
				t.Errorf("Write after Close: %v, want ErrClosed", err)
			}
		})
	}
}

// TestPipeIsStreamed checks that a writer that claims to seek but cannot
// (an *os.File on a pipe, as stdout often is) gets the streaming layout.
func TestPipeIsStreamed(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	done := make(chan []byte)
	go func() {
		var buf bytes.Buffer
		buf.ReadFrom(r)
		done <- buf.Bytes()
	}()
	enc, err := NewEncoder("wav", w)
	if err != nil {
		t.Fatal(err)
	}
	if err := enc.Write(speechLike(480)); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	got := <-done
	if len(got) != 44+960 || !bytes.Equal(got[4:8], []byte{0xFF, 0xFF, 0xFF, 0xFF}) {
		t.Errorf("WAV through a pipe: %d bytes, RIFF size % x; want 1004 bytes and ff ff ff ff", len(got), got[4:8])
	}
}

package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// wavSpec describes a test file; build writes it by hand, independently of
// the package's encoder.
type wavSpec struct {
	tag        uint16 // 1 PCM, 3 float
	channels   int
	bits       int
	rate       int
	extensible bool
	// before and after are raw chunks placed before fmt and between fmt
	// and data.
	before, after []byte
	unknownSize   bool // data size 0xFFFFFFFF
}

// signal is channel c of frame i as a fraction of full scale.
func signal(i, c int) float64 {
	return 0.8 * math.Sin(2*math.Pi*float64(i)/37+float64(c)) / float64(c+1)
}

// build returns the file and the mono 16-bit samples a correct reader must
// produce: the channel mean of the values as quantised in the file.
func (s wavSpec) build(frames int) ([]byte, []int16) {
	le := binary.LittleEndian
	var data []byte
	want := make([]int16, frames)
	for i := range frames {
		sum := 0.0
		for c := range s.channels {
			v := signal(i, c)
			var q float64 // the value as stored, read back as a fraction
			switch {
			case s.tag == 3 && s.bits == 32:
				data = le.AppendUint32(data, math.Float32bits(float32(v)))
				q = float64(float32(v))
			case s.tag == 3:
				data = le.AppendUint64(data, math.Float64bits(v))
				q = v
			case s.bits == 8:
				u := math.Round(v*127) + 128
				data = append(data, byte(u))
				q = (u - 128) / 128
			default:
				scale := math.Ldexp(1, s.bits-1)
				n := int64(math.Round(v * (scale - 1)))
				for b := range s.bits / 8 {
					data = append(data, byte(n>>(8*b)))
				}
				q = float64(n) / scale
			}
			sum += q
		}
		want[i] = int16(math.Round(sum / float64(s.channels) * 32768))
	}

	fmtChunk := le.AppendUint16(nil, s.tag)
	if s.extensible {
		fmtChunk = le.AppendUint16(nil, 0xFFFE)
	}
	align := s.channels * s.bits / 8
	fmtChunk = le.AppendUint16(fmtChunk, uint16(s.channels))
	fmtChunk = le.AppendUint32(fmtChunk, uint32(s.rate))
	fmtChunk = le.AppendUint32(fmtChunk, uint32(s.rate*align))
	fmtChunk = le.AppendUint16(fmtChunk, uint16(align))
	fmtChunk = le.AppendUint16(fmtChunk, uint16(s.bits))
	if s.extensible {
		fmtChunk = le.AppendUint16(fmtChunk, 22)
		fmtChunk = le.AppendUint16(fmtChunk, uint16(s.bits))
		fmtChunk = le.AppendUint32(fmtChunk, 0x3)
		fmtChunk = le.AppendUint16(fmtChunk, s.tag)
		fmtChunk = append(fmtChunk, extensibleGUIDTail...)
	}

	out := []byte("RIFF\x00\x00\x00\x00WAVE")
	out = append(out, s.before...)
	out = appendChunk(out, "fmt ", fmtChunk)
	out = append(out, s.after...)
	if s.unknownSize {
		out = append(out, "data\xff\xff\xff\xff"...)
		out = append(out, data...)
	} else {
		out = appendChunk(out, "data", data)
	}
	le.PutUint32(out[4:], uint32(len(out)-8))
	return out, want
}

func appendChunk(dst []byte, id string, body []byte) []byte {
	dst = append(dst, id...)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(body)))
	dst = append(dst, body...)
	if len(body)%2 == 1 {
		dst = append(dst, 0)
	}
	return dst
}

var wavSpecs = map[string]wavSpec{
	"pcm8 mono":          {tag: 1, channels: 1, bits: 8, rate: 8000},
	"pcm8 stereo":        {tag: 1, channels: 2, bits: 8, rate: 11025},
	"pcm16 mono":         {tag: 1, channels: 1, bits: 16, rate: 24000},
	"pcm16 stereo":       {tag: 1, channels: 2, bits: 16, rate: 44100},
	"pcm24 mono":         {tag: 1, channels: 1, bits: 24, rate: 48000},
	"pcm24 stereo":       {tag: 1, channels: 2, bits: 24, rate: 96000},
	"pcm32 mono":         {tag: 1, channels: 1, bits: 32, rate: 16000},
	"pcm32 3ch":          {tag: 1, channels: 3, bits: 32, rate: 22050},
	"float32 mono":       {tag: 3, channels: 1, bits: 32, rate: 24000},
	"float32 stereo":     {tag: 3, channels: 2, bits: 32, rate: 48000},
	"float64 mono":       {tag: 3, channels: 1, bits: 64, rate: 22050},
	"float64 stereo":     {tag: 3, channels: 2, bits: 64, rate: 16000},
	"extensible pcm16":   {tag: 1, channels: 2, bits: 16, rate: 48000, extensible: true},
	"extensible pcm24":   {tag: 1, channels: 6, bits: 24, rate: 48000, extensible: true},
	"extensible float32": {tag: 3, channels: 2, bits: 32, rate: 44100, extensible: true},
	"LIST before fmt, odd junk after": {tag: 1, channels: 1, bits: 16, rate: 24000,
		before: appendChunk(nil, "LIST", []byte("INFOISFT\x05\x00\x00\x00test\x00")),
		after:  appendChunk(nil, "junk", []byte{1, 2, 3})},
	"streaming size": {tag: 1, channels: 2, bits: 16, rate: 24000, unknownSize: true},
}

func TestReadWAVFormats(t *testing.T) {
	for name, spec := range wavSpecs {
		t.Run(name, func(t *testing.T) {
			file, want := spec.build(1000)
			got, rate, err := ReadWAV(bytes.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			if rate != spec.rate {
				t.Errorf("rate %d, want %d", rate, spec.rate)
			}
			if len(got) != len(want) {
				t.Fatalf("%d samples, want %d", len(got), len(want))
			}
			for i := range want {
				if d := int(got[i]) - int(want[i]); d < -1 || d > 1 {
					t.Fatalf("sample %d = %d, want %d", i, got[i], want[i])
				}
			}
		})
	}
}

// A trailing chunk after data is ignored and a partial frame dropped.
func TestReadWAVTrailingBytes(t *testing.T) {
	file, want := wavSpec{tag: 1, channels: 2, bits: 16, rate: 24000}.build(10)
	// Announce one more byte than the 10 whole frames hold.
	binary.LittleEndian.PutUint32(file[40:], 41)
	file = append(file, 0x7f, 0) // the odd byte and its pad
	file = appendChunk(file, "LIST", []byte("trailing metadata"))
	got, _, err := ReadWAV(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestWAVRoundTrip(t *testing.T) {
	pcm := append(sine(2400, 24000, 440, 30000), 32767, -32768, 0, 1, -1)
	for _, rate := range []int{8000, 24000, 48000} {
		got, gotRate, err := ReadWAV(bytes.NewReader(EncodeWAV(pcm, rate)))
		if err != nil {
			t.Fatal(err)
		}
		if gotRate != rate || !slices.Equal(got, pcm) {
			t.Fatalf("rate %d: round trip changed the audio (rate %d, %d samples)", rate, gotRate, len(got))
		}
	}
	if got, _, err := ReadWAV(bytes.NewReader(EncodeWAV(nil, 24000))); err != nil || len(got) != 0 {
		t.Fatalf("empty file: %v, %d samples", err, len(got))
	}
}

// memFile is an in-memory io.WriteSeeker.
type memFile struct {
	buf []byte
	off int64
}

func (m *memFile) Write(p []byte) (int, error) {
	if end := int(m.off) + len(p); end > len(m.buf) {
		m.buf = append(m.buf, make([]byte, end-len(m.buf))...)
	}
	copy(m.buf[m.off:], p)
	m.off += int64(len(p))
	return len(p), nil
}

func (m *memFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		m.off = off
	case io.SeekCurrent:
		m.off += off
	case io.SeekEnd:
		m.off = int64(len(m.buf)) + off
	}
	return m.off, nil
}

func TestWAVWriter(t *testing.T) {
	pcm := sine(5000, 24000, 300, 20000)
	pieces := [][]int16{pcm[:1], pcm[1:1000], {}, pcm[1000:]}

	t.Run("seekable", func(t *testing.T) {
		f := &memFile{buf: []byte("prefix")}
		f.off = 6
		w, err := NewWAVWriter(f, 24000)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pieces {
			if err := w.WritePCM(p); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if want := append([]byte("prefix"), EncodeWAV(pcm, 24000)...); !bytes.Equal(f.buf, want) {
			t.Fatal("file differs from EncodeWAV's")
		}
		if f.off != int64(len(f.buf)) {
			t.Fatalf("offset %d after Close, want the end %d", f.off, len(f.buf))
		}
		if err := w.WritePCM(pcm); !errors.Is(err, ErrClosed) {
			t.Fatalf("WritePCM after Close: %v, want ErrClosed", err)
		}
	})

	t.Run("os file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "out.wav")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		w, err := NewWAVWriter(f, 16000)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pieces {
			if err := w.WritePCM(p); err != nil {
				t.Fatal(err)
			}
		}
		if err := errors.Join(w.Close(), f.Close()); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, EncodeWAV(pcm, 16000)) {
			t.Fatal("file differs from EncodeWAV's")
		}
	})

	t.Run("streaming", func(t *testing.T) {
		var buf bytes.Buffer
		w, err := NewStreamingWAVWriter(&buf, 24000)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pieces {
			if err := w.WritePCM(p); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		if binary.LittleEndian.Uint32(b[4:]) != 0xFFFFFFFF || binary.LittleEndian.Uint32(b[40:]) != 0xFFFFFFFF {
			t.Fatalf("sizes %x %x, want 0xFFFFFFFF", b[4:8], b[40:44])
		}
		got, rate, err := ReadWAV(bytes.NewReader(b))
		if err != nil || rate != 24000 || !slices.Equal(got, pcm) {
			t.Fatalf("read back: err %v, rate %d, equal %v", err, rate, slices.Equal(got, pcm))
		}
	})

	t.Run("write error sticks", func(t *testing.T) {
		w, err := NewStreamingWAVWriter(&failWriter{okBytes: 50}, 24000)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WritePCM(pcm[:100]); err == nil {
			t.Fatal("WritePCM succeeded on a failing writer")
		}
		if err := w.WritePCM(pcm[:1]); err == nil {
			t.Fatal("second WritePCM succeeded after an error")
		}
		if err := w.Close(); err == nil {
			t.Fatal("Close hid the write error")
		}
	})
}

type failWriter struct{ okBytes int }

func (f *failWriter) Write(p []byte) (int, error) {
	n := min(len(p), f.okBytes)
	f.okBytes -= n
	if n < len(p) {
		return n, errors.New("disk full")
	}
	return n, nil
}

func TestReadWAVMalformed(t *testing.T) {
	good, _ := wavSpec{tag: 1, channels: 1, bits: 16, rate: 24000}.build(100)
	le := binary.LittleEndian
	// edit returns a copy of good with f applied.
	edit := func(f func(b []byte) []byte) []byte { return f(slices.Clone(good)) }
	// fmt chunk body starts at 20; data chunk header at 36.
	tests := []struct {
		name  string
		input []byte
		want  error
	}{
		{"empty", nil, ErrTruncated},
		{"truncated RIFF header", good[:7], ErrTruncated},
		{"wrong magic", append([]byte("OggS"), good[4:]...), ErrNotWAV},
		{"short wrong magic", []byte("ID3"), ErrNotWAV},
		{"not WAVE", edit(func(b []byte) []byte { copy(b[8:], "AVI "); return b }), ErrNotWAV},
		{"big-endian RIFX", edit(func(b []byte) []byte { copy(b, "RIFX"); return b }), ErrUnsupported},
		{"RF64", edit(func(b []byte) []byte { copy(b, "RF64"); return b }), ErrUnsupported},
		{"no chunks", good[:12], ErrTruncated},
		{"truncated chunk header", good[:16], ErrTruncated},
		{"truncated fmt", good[:30], ErrTruncated},
		{"fmt too short", edit(func(b []byte) []byte { le.PutUint32(b[16:], 14); return b }), ErrMalformed},
		{"zero channels", edit(func(b []byte) []byte { le.PutUint16(b[22:], 0); return b }), ErrMalformed},
		{"too many channels", edit(func(b []byte) []byte { le.PutUint16(b[22:], 65); le.PutUint16(b[32:], 130); return b }), ErrUnsupported},
		{"zero sample rate", edit(func(b []byte) []byte { le.PutUint32(b[24:], 0); return b }), ErrUnsupported},
		{"huge sample rate", edit(func(b []byte) []byte { le.PutUint32(b[24:], 0xFFFFFFFF); return b }), ErrUnsupported},
		{"12-bit", edit(func(b []byte) []byte { le.PutUint16(b[34:], 12); return b }), ErrUnsupported},
		{"float 16-bit", edit(func(b []byte) []byte { le.PutUint16(b[20:], 3); return b }), ErrUnsupported},
		{"ADPCM", edit(func(b []byte) []byte { le.PutUint16(b[20:], 2); return b }), ErrUnsupported},
		{"block align mismatch", edit(func(b []byte) []byte { le.PutUint16(b[32:], 4); return b }), ErrMalformed},
		{"extensible without extension", edit(func(b []byte) []byte { le.PutUint16(b[20:], 0xFFFE); return b }), ErrMalformed},
		{"second fmt", append(appendChunk(slices.Clone(good[:36]), "fmt ", good[20:36]), good[36:]...), ErrMalformed},
		{"data before fmt", append(slices.Clone(good[:12]), good[36:]...), ErrMalformed},
		{"truncated data", good[:len(good)-11], ErrTruncated},
		{"huge data size", edit(func(b []byte) []byte { le.PutUint32(b[40:], 0xFFFFFFF0); return b }), ErrTooLarge},
		{"huge skipped chunk", append(append(slices.Clone(good[:12]), "LIST\xf0\xff\xff\xff"...), good[12:]...), ErrTruncated},
		{"metadata beyond limit", append(appendChunk(slices.Clone(good[:12]), "LIST", make([]byte, maxMetadataBytes)), good[12:]...), ErrTooLarge},
	}
	ext, _ := wavSpec{tag: 1, channels: 2, bits: 16, rate: 24000, extensible: true}.build(10)
	ext[20+24+4] = 0x11 // corrupt the sub-format GUID
	tests = append(tests, struct {
		name  string
		input []byte
		want  error
	}{"extensible unknown GUID", ext, ErrUnsupported})

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pcm, _, err := ReadWAV(bytes.NewReader(tt.input))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if pcm != nil {
				t.Fatalf("returned %d samples with the error", len(pcm))
			}
		})
	}
}

func TestReadWAVLimit(t *testing.T) {
	file, want := wavSpec{tag: 1, channels: 1, bits: 16, rate: 24000}.build(500)
	stream, _ := wavSpec{tag: 1, channels: 1, bits: 16, rate: 24000, unknownSize: true}.build(500)
	tests := []struct {
		name  string
		file  []byte
		limit int64
		want  error
	}{
		{"at the limit", file, 1000, nil},
		{"over the limit", file, 999, ErrTooLarge},
		{"stream at the limit", stream, 1000, nil},
		{"stream over the limit", stream, 999, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := ReadWAVLimit(bytes.NewReader(tt.file), tt.limit)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err == nil && !slices.Equal(got, want) {
				t.Fatal("audio differs")
			}
		})
	}
}

// TestReadWAVLimits checks the limits on length and rate, which must hold
// before the data is read: a file that announces too much audio is refused
// from its header, whatever follows it.
func TestReadWAVLimits(t *testing.T) {
	lim := WAVLimits{MaxBytes: 1 << 20, MaxDuration: 100 * time.Millisecond, MinRate: 8000, MaxRate: 48000}
	at := func(spec wavSpec, frames int) []byte {
		b, _ := spec.build(frames)
		return b
	}
	mono16 := wavSpec{tag: 1, channels: 1, bits: 16, rate: 16000}
	stereo8 := wavSpec{tag: 1, channels: 2, bits: 8, rate: 8000}
	stream := mono16
	stream.unknownSize = true
	tests := []struct {
		name string
		file []byte
		want error
		msg  string
	}{
		{"100 ms", at(mono16, 1600), nil, ""},
		{"100 ms of 8-bit stereo", at(stereo8, 800), nil, ""},
		{"one frame too long", at(mono16, 1601), ErrTooLarge, "0.1 s of audio, more than 100ms"},
		{"one 8-bit stereo frame too long", at(stereo8, 801), ErrTooLarge, "more than 100ms"},
		{"stream of 100 ms", at(stream, 1600), nil, ""},
		{"stream too long", at(stream, 1601), ErrTooLarge, "more than 100ms of audio"},
		{"1 kHz", at(wavSpec{tag: 1, channels: 1, bits: 16, rate: 1000}, 50), ErrUnsupported, "1000 Hz outside [8000, 48000]"},
		{"96 kHz", at(wavSpec{tag: 1, channels: 1, bits: 16, rate: 96000}, 50), ErrUnsupported, "96000 Hz outside [8000, 48000]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pcm, _, err := ReadWAVLimits(bytes.NewReader(tt.file), lim)
			if !errors.Is(err, tt.want) || (err != nil && !strings.Contains(err.Error(), tt.msg)) {
				t.Fatalf("err = %v, want %v mentioning %q", err, tt.want, tt.msg)
			}
			if err == nil && len(pcm) == 0 {
				t.Fatal("no audio")
			}
		})
	}
	// A header that announces an hour of audio is refused without
	// reading the data: here there is none.
	hour, _ := mono16.build(0)
	binary.LittleEndian.PutUint32(hour[len(hour)-4:], 2*16000*3600)
	if _, _, err := ReadWAVLimits(bytes.NewReader(hour), lim); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "3600.0 s") {
		t.Fatalf("an hour announced: %v, want ErrTooLarge before the missing data is noticed", err)
	}
	// The rate is refused before the data, too.
	slow, _ := wavSpec{tag: 1, channels: 1, bits: 16, rate: 1000}.build(0)
	binary.LittleEndian.PutUint32(slow[len(slow)-4:], 1<<30)
	if _, _, err := ReadWAVLimits(bytes.NewReader(slow), lim); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("1 kHz with no data: %v, want ErrUnsupported", err)
	}
}

// A header claiming gigabytes must cost only what is actually read.
func TestReadWAVHostileSizesDoNotAllocate(t *testing.T) {
	good, _ := wavSpec{tag: 1, channels: 1, bits: 8, rate: 8000}.build(100)
	claim := func(size uint32) []byte {
		b := slices.Clone(good)
		binary.LittleEndian.PutUint32(b[40:], size)
		return b
	}
	tests := []struct {
		name string
		file []byte
		want error
	}{
		{"4 GB data", claim(0xFFFFFFF0), ErrTruncated},
		{"unknown size", claim(0xFFFFFFFF), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, err := ReadWAVLimit(bytes.NewReader(tt.file), 1<<40)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > 256<<10 {
				t.Fatalf("allocated %d bytes for a %d-byte file", got, len(tt.file))
			}
		})
	}
}

func FuzzReadWAV(f *testing.F) {
	for _, spec := range wavSpecs {
		file, _ := spec.build(20)
		f.Add(file)
	}
	f.Add(EncodeWAV(sine(50, 24000, 1000, 1000), 24000))
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVEdata\xff\xff\xff\xff"))
	sentinels := []error{ErrNotWAV, ErrTruncated, ErrMalformed, ErrUnsupported, ErrTooLarge}
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 1 << 16
		pcm, rate, err := ReadWAVLimit(bytes.NewReader(data), limit)
		if err != nil {
			if !slices.ContainsFunc(sentinels, func(s error) bool { return errors.Is(err, s) }) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		if rate < MinSampleRate || rate > MaxSampleRate {
			t.Fatalf("accepted rate %d", rate)
		}
		// Every sample needs at least one byte of input: the output is
		// bounded by what was read, whatever the header says.
		if len(pcm) > len(data) || len(pcm) > limit {
			t.Fatalf("%d samples from %d bytes", len(pcm), len(data))
		}
		// With limits on length and rate, what is accepted is within them
		// and is what ReadWAVLimit reads.
		lim := WAVLimits{MaxDuration: 5 * time.Millisecond, MinRate: 8000, MaxRate: 48000}
		lpcm, lrate, err := ReadWAVLimits(bytes.NewReader(data), lim)
		if err != nil {
			if !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("limits refused a file ReadWAVLimit read with %v", err)
			}
			return
		}
		if lrate < lim.MinRate || lrate > lim.MaxRate || Duration(len(lpcm), lrate) > lim.MaxDuration || !slices.Equal(lpcm, pcm) {
			t.Fatalf("limits accepted %d samples at %d Hz", len(lpcm), lrate)
		}
	})
}

func ExampleEncodeWAV() {
	file := EncodeWAV([]int16{0, 1000, -1000}, 24000)
	pcm, rate, err := ReadWAV(bytes.NewReader(file))
	fmt.Println(len(file), pcm, rate, err)
	// Output: 50 [0 1000 -1000] 24000 <nil>
}

package codec

import (
	"io"

	"github.com/parley-voice/parley/audio"
)

// wavEncoder writes a WAV header with unknown sizes, as a stream must, or
// with the real sizes when the writer can seek.
type wavEncoder struct {
	sink
	ww *audio.WAVWriter // nil until the first call, so nothing is sent early
}

func newWAV(w io.Writer) (Encoder, error) {
	return &wavEncoder{sink: newSink(w)}, nil
}

// start writes the header.
func (e *wavEncoder) start() error {
	if e.ww != nil {
		return nil
	}
	var ww *audio.WAVWriter
	var err error
	if e.ws != nil {
		ww, err = audio.NewWAVWriter(e.ws, SampleRate)
	} else {
		ww, err = audio.NewStreamingWAVWriter(e.w, SampleRate)
	}
	if err != nil {
		return e.fail(err)
	}
	e.ww = ww
	return nil
}

func (e *wavEncoder) Write(pcm []int16) error {
	if err := e.check(); err != nil {
		return err
	}
	if err := e.start(); err != nil {
		return err
	}
	if err := e.ww.WritePCM(pcm); err != nil {
		return e.fail(err)
	}
	return nil
}

func (e *wavEncoder) Close() error {
	if e.closed {
		return e.err
	}
	err := e.check()
	e.closed = true
	if err != nil {
		return err
	}
	if err := e.start(); err != nil {
		return err
	}
	if err := e.ww.Close(); err != nil {
		return e.fail(err)
	}
	return nil
}

// pcmEncoder writes bare little-endian samples.
type pcmEncoder struct {
	sink
	buf []byte
}

func newPCM(w io.Writer) (Encoder, error) {
	return &pcmEncoder{sink: sink{w: w}}, nil
}

func (e *pcmEncoder) Write(pcm []int16) error {
	if err := e.check(); err != nil {
		return err
	}
	e.buf = audio.PCMToBytes(e.buf[:0], pcm)
	return e.write(e.buf)
}

func (e *pcmEncoder) Close() error {
	if e.closed {
		return e.err
	}
	e.closed = true
	return e.err
}

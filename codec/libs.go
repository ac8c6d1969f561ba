package codec

import (
	"io"
	"time"

	"github.com/parley-voice/parley/codec/aac"
	"github.com/parley-voice/parley/codec/flac"
	"github.com/parley-voice/parley/codec/lame"
	"github.com/parley-voice/parley/codec/opusenc"
)

// Encoder settings; doc.go says why these.
const (
	mp3Bitrate     = 64 // kbit/s, CBR
	mp3Quality     = 3
	opusBitrate    = 32000
	opusComplexity = 5
	opusPageDelay  = 200 * time.Millisecond
	flacLevel      = 5
	aacBitrate     = 64000
)

func newMP3(w io.Writer) (Encoder, error) {
	s := newSink(w)
	enc, err := lame.NewEncoder(lame.Config{SampleRate: SampleRate, Bitrate: mp3Bitrate, Quality: mp3Quality, InfoTag: s.ws != nil})
	if err != nil {
		return nil, err
	}
	return &libEncoder{sink: s, lib: enc, header: func() (int64, []byte, error) {
		tag, err := enc.InfoTag()
		return 0, tag, err
	}}, nil
}

func newOpus(w io.Writer) (Encoder, error) {
	enc, err := opusenc.NewEncoder(opusenc.Config{
		SampleRate:   SampleRate,
		Bitrate:      opusBitrate,
		Application:  opusenc.Audio,
		Speech:       true,
		Complexity:   opusComplexity,
		MaxPageDelay: opusPageDelay,
	})
	if err != nil {
		return nil, err
	}
	// Ogg Opus carries its exact length as it goes; nothing to rewrite.
	return &libEncoder{sink: sink{w: w}, lib: enc}, nil
}

func newFLAC(w io.Writer) (Encoder, error) {
	enc, err := flac.NewEncoder(flac.Config{SampleRate: SampleRate, Level: flacLevel})
	if err != nil {
		return nil, err
	}
	return &libEncoder{sink: newSink(w), lib: enc, header: func() (int64, []byte, error) {
		return flac.StreamInfoOffset, enc.StreamInfo(), nil
	}}, nil
}

func newAAC(w io.Writer) (Encoder, error) {
	enc, err := aac.NewEncoder(aac.Config{SampleRate: SampleRate, Bitrate: aacBitrate})
	if err != nil {
		return nil, err
	}
	// ADTS has no header to rewrite.
	return &libEncoder{sink: sink{w: w}, lib: enc}, nil
}

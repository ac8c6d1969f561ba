package voice

import (
	"context"
	"fmt"
	"math"
	"math/cmplx"
	"time"

	"github.com/parley-voice/parley/audio"
)

// Analysis is what Analyze measures in reference audio: the figures Match
// turns into voice parameters, and brightness for the API's echo.
type Analysis struct {
	// MedianF0, F0P10 and F0P90 are the median, 10th and 90th percentiles
	// of the fundamental frequency over voiced frames, in Hz.
	MedianF0, F0P10, F0P90 float64
	// VoicedFraction is the share of non-silent frames that are voiced.
	VoicedFraction float64
	// SpeechRate is syllable nuclei per second of speech, pauses longer
	// than 300 ms excluded (audio.SpeechRate).
	SpeechRate float64
	// Brightness is the spectral centroid of the long-term average
	// spectrum, in Hz, up to 8 kHz (or the recording's Nyquist frequency if
	// lower). It rises with the formants and the strength of the upper
	// harmonics, so it tells a bright voice from a dark one at the same
	// pitch, but only between recordings of the same bandwidth.
	Brightness float64
	// Duration is the length of the whole recording; Speech the time that
	// is not silence within it.
	Duration, Speech time.Duration
}

// F0Spread is the pitch movement: the 10th to 90th percentile of F0 in
// semitones, 0 when unknown.
func (a Analysis) F0Spread() float64 {
	if !(a.F0P10 > 0 && a.F0P90 >= a.F0P10) || math.IsInf(a.F0P90, 1) {
		return 0
	}
	return 12 * math.Log2(a.F0P90/a.F0P10)
}

// Analysis limits. Below MinSpeech the percentiles and the syllable count
// rest on too few frames to be worth matching. Engine voices measure 0.3
// to 0.85 voiced, whispering and noise about 0, hence MinVoicedFraction.
const (
	MinSpeech         = time.Second
	MinVoicedFraction = 0.1
	// silenceFloorDB and silenceRangeDB are audio.AnalyzePitch's gate, so
	// that Speech counts the frames the pitch tracker looked at.
	silenceFloorDB = -55
	silenceRangeDB = 40
	levelFrameMS   = 10
)

// Reference audio limits. A minute of speech is plenty to measure a voice,
// and its analysis costs a fraction of a second; a longer recording costs
// more without telling more. Below 8 kHz speech loses the harmonics the
// analysis measures, and above 48 kHz a rate only costs more.
const (
	MaxReference     = 60 * time.Second
	MinReferenceRate = 8000
	MaxReferenceRate = 48000
)

// ReferenceLimits are the reference audio limits for a WAV reader, which
// applies them before decoding: a file beyond them is refused from its
// header. maxBytes bounds the data chunk as well.
func ReferenceLimits(maxBytes int64) audio.WAVLimits {
	return audio.WAVLimits{MaxBytes: maxBytes, MaxDuration: MaxReference, MinRate: MinReferenceRate, MaxRate: MaxReferenceRate}
}

// Analyze measures reference audio: its pitch (audio.AnalyzePitch), its
// speaking rate (audio.SpeechRate) and its brightness. It returns an error
// wrapping ErrSampleRate or ErrTooLong for audio outside the reference
// limits (MinReferenceRate to MaxReferenceRate, at most MaxReference
// long), and ErrSilent, ErrTooShort or ErrUnvoiced when the audio cannot
// describe a voice: no sound above -55 dBFS, less than MinSpeech of sound,
// or fewer than MinVoicedFraction of the sounding frames voiced. With one
// of these errors, the Analysis holds what was measured before the
// failure: the durations, and for ErrUnvoiced the pitch figures. When ctx
// ends, Analyze stops within milliseconds of work and returns ctx's
// error.
func Analyze(ctx context.Context, pcm []int16, sampleRate int) (Analysis, error) {
	if sampleRate < MinReferenceRate || sampleRate > MaxReferenceRate {
		return Analysis{}, fmt.Errorf("%w: %d Hz, not %d to %d", ErrSampleRate, sampleRate, MinReferenceRate, MaxReferenceRate)
	}
	if d := audio.Duration(len(pcm), sampleRate); d > MaxReference {
		return Analysis{Duration: d}, fmt.Errorf("%w: %.1f s, at most %.0f", ErrTooLong, d.Seconds(), MaxReference.Seconds())
	}
	return analyze(ctx, pcm, sampleRate)
}

// levelCheckEvery is how many 10 ms frames analyze measures between looks
// at its context: ten seconds of audio, well under a millisecond of work.
const levelCheckEvery = 1000

// analyze is Analyze without the reference limits, for the speech that
// MatchText synthesises itself.
func analyze(ctx context.Context, pcm []int16, sampleRate int) (Analysis, error) {
	if err := ctx.Err(); err != nil {
		return Analysis{}, err
	}
	a := Analysis{Duration: audio.Duration(len(pcm), sampleRate)}
	frame := sampleRate * levelFrameMS / 1000
	levels := make([]float64, len(pcm)/frame)
	loudest := math.Inf(-1)
	for i := range levels {
		if i%levelCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return Analysis{}, err
			}
		}
		levels[i] = audio.RMSdBFS(pcm[i*frame : (i+1)*frame])
		loudest = max(loudest, levels[i])
	}
	switch {
	case len(levels) == 0:
		return a, fmt.Errorf("%w: %.3f s of audio, need at least %.0f s of speech", ErrTooShort, a.Duration.Seconds(), MinSpeech.Seconds())
	case math.IsInf(loudest, -1):
		return a, fmt.Errorf("%w: all %d samples are zero", ErrSilent, len(pcm))
	case loudest < silenceFloorDB:
		return a, fmt.Errorf("%w: loudest 10 ms at %.0f dBFS, below %d", ErrSilent, loudest, silenceFloorDB)
	}
	gate := max(silenceFloorDB, loudest-silenceRangeDB)
	speech := 0
	for _, l := range levels {
		if l >= gate {
			speech++
		}
	}
	a.Speech = time.Duration(speech) * levelFrameMS * time.Millisecond
	if a.Speech < MinSpeech {
		return a, fmt.Errorf("%w: %.2f s of speech, need at least %.0f s", ErrTooShort, a.Speech.Seconds(), MinSpeech.Seconds())
	}

	ps, err := audio.AnalyzePitchContext(ctx, pcm, sampleRate)
	if err != nil {
		return Analysis{}, err
	}
	a.MedianF0, a.F0P10, a.F0P90, a.VoicedFraction = ps.MedianHz, ps.P10Hz, ps.P90Hz, ps.VoicedFraction
	if a.VoicedFraction < MinVoicedFraction || a.MedianF0 <= 0 {
		return a, fmt.Errorf("%w: %.0f%% of the sound is voiced, need %.0f%%", ErrUnvoiced, 100*a.VoicedFraction, 100*MinVoicedFraction)
	}
	// SpeechRate runs over 10 ms levels, a few milliseconds for a minute.
	if err := ctx.Err(); err != nil {
		return Analysis{}, err
	}
	a.SpeechRate = audio.SpeechRate(pcm, sampleRate)
	if a.Brightness, err = brightness(ctx, pcm, sampleRate); err != nil {
		return Analysis{}, err
	}
	return a, nil
}

// brightnessMaxHz caps the band brightness measures, so that recordings
// at any rate from 16 kHz up measure the same band.
const brightnessMaxHz = 8000

// brightness is the spectral centroid, up to brightnessMaxHz, of the
// recording's long-term average spectrum (Hann-windowed frames of about
// 20–40 ms, a power of two in samples). Loud frames weigh most, so
// silence and noise between words hardly count.
//
// It stops with ctx's error when ctx ends.
func brightness(ctx context.Context, pcm []int16, sampleRate int) (float64, error) {
	size := 1
	for size < sampleRate/50 {
		size <<= 1
	}
	window := make([]float64, size)
	for i := range window {
		window[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(size))
	}
	buf := make([]complex128, size)
	binHz := float64(sampleRate) / float64(size)
	top := min(size/2, int(brightnessMaxHz/binHz))
	var power, moment float64
	for f := 0; (f+1)*size <= len(pcm); f++ {
		// A frame is 20–40 ms: look every 5–10 s of audio.
		if f%256 == 0 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		for i, v := range pcm[f*size : (f+1)*size] {
			buf[i] = complex(float64(v)*window[i], 0)
		}
		fft(buf)
		for k := 1; k <= top; k++ {
			p := real(buf[k])*real(buf[k]) + imag(buf[k])*imag(buf[k])
			power += p
			moment += p * float64(k) * binHz
		}
	}
	if power == 0 {
		return 0, nil
	}
	return moment / power, nil
}

// fft transforms x in place (iterative radix-2; len(x) a power of two).
func fft(x []complex128) {
	n := len(x)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j |= bit
		if i < j {
			x[i], x[j] = x[j], x[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		step := cmplx.Exp(complex(0, -2*math.Pi/float64(size)))
		for start := 0; start < n; start += size {
			w := complex(1, 0)
			for k := range size / 2 {
				a, b := x[start+k], x[start+k+size/2]*w
				x[start+k], x[start+k+size/2] = a+b, a-b
				w *= step
			}
		}
	}
}

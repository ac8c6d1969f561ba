package audio

import (
	"fmt"
	"math"
	"time"
)

// JoinerConfig configures a Joiner. The zero value gives the defaults.
type JoinerConfig struct {
	// SampleRate of the audio; default 24000.
	SampleRate int
	// Fade is the length of the raised-cosine fade at each segment edge;
	// default 5 ms. It is also all the audio a Joiner holds back.
	Fade time.Duration
	// MaxGap, if positive, caps the silence at a join: leading silence of
	// a segment is dropped once the silence that ended the previous segment
	// plus what was kept of this one reach MaxGap. Zero keeps all silence.
	MaxGap time.Duration
	// SilenceDBFS is the level (relative to full scale) below which a
	// sample counts as silence for MaxGap; default -50.
	SilenceDBFS float64
}

func (c JoinerConfig) withDefaults() JoinerConfig {
	if c.SampleRate == 0 {
		c.SampleRate = 24000
	}
	if c.Fade == 0 {
		c.Fade = 5 * time.Millisecond
	}
	if c.SilenceDBFS == 0 {
		c.SilenceDBFS = -50
	}
	return c
}

// Validate reports a configuration a Joiner cannot use.
func (c JoinerConfig) Validate() error {
	switch {
	case c.SampleRate < 0:
		return fmt.Errorf("audio: joiner sample rate %d", c.SampleRate)
	case c.Fade < 0 || c.Fade > time.Second:
		return fmt.Errorf("audio: joiner fade %v outside [0, 1s]", c.Fade)
	case c.MaxGap < 0:
		return fmt.Errorf("audio: joiner max gap %v is negative", c.MaxGap)
	case c.SilenceDBFS > 0:
		return fmt.Errorf("audio: joiner silence level %g dBFS is above full scale", c.SilenceDBFS)
	}
	return nil
}

// Joiner joins successive segments of one stream so that the joins do not
// click: every segment fades in over its first Fade and out over its last,
// so the signal passes through zero at each join whatever level the engine
// stopped or started at. Optionally it shortens long silences at joins.
//
// It is built for streaming: Write passes audio through as it arrives and
// holds back only the last Fade of the segment, which it cannot fade out
// until it knows the segment has ended. Silence is trimmed only at the start
// of a segment (the end of the previous one has already been sent), so a
// segment that ends in a long silence still sends it; the next segment's
// leading silence is then dropped entirely.
//
// Use: Write the pieces of a segment, then End it; repeat for each segment.
// A Joiner is not safe for concurrent use.
type Joiner struct {
	fade      []float64 // raised-cosine gains, rising
	maxGap    int       // samples; 0 disables trimming
	threshold int       // silence level in sample units

	pos     int  // samples of the current segment faded in so far, up to len(fade)
	leading bool // still in the current segment's leading silence
	silent  int  // silent samples at the end of what has been kept
	held    []int16
	// kept and dropped count the current segment's leading silence passed
	// on and cut; see Lead.
	kept, dropped int
}

// NewJoiner returns a Joiner for cfg, with defaults for its zero fields.
func NewJoiner(cfg JoinerConfig) (*Joiner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	n := int(cfg.Fade.Seconds() * float64(cfg.SampleRate))
	j := &Joiner{
		fade:      make([]float64, n),
		maxGap:    int(cfg.MaxGap.Seconds() * float64(cfg.SampleRate)),
		threshold: int(32768 * math.Pow(10, cfg.SilenceDBFS/20)),
		held:      make([]int16, 0, n),
	}
	for i := range j.fade {
		j.fade[i] = fadeGain(i, n)
	}
	j.Reset()
	return j, nil
}

// Reset forgets the stream, dropping any held audio.
func (j *Joiner) Reset() {
	j.held = j.held[:0]
	j.pos, j.silent = 0, 0
	j.leading = true
	j.kept, j.dropped = 0, 0
}

// Lead says what the current segment's leading silence became: its first
// kept samples were passed on and the dropped ones after them cut, so a
// sample i of the segment's input comes out at i below kept, at kept up to
// kept+dropped, and at i-dropped from there on. done is false while the
// segment is still in its leading silence, when more may be dropped.
func (j *Joiner) Lead() (kept, dropped int, done bool) { return j.kept, j.dropped, !j.leading }

// Holdback is the most audio, in samples, a Joiner keeps between calls.
func (j *Joiner) Holdback() int { return len(j.fade) }

// Write appends to dst the part of pcm (the next piece of the current
// segment) that can be sent now and returns the extended slice. It does not
// modify pcm.
func (j *Joiner) Write(dst, pcm []int16) []int16 {
	if j.leading && j.maxGap > 0 {
		n := 0
		for n < len(pcm) && !j.loud(pcm[n]) {
			n++
		}
		// Leading silence tops the gap up to maxGap; the rest is dropped.
		keep := min(n, max(0, j.maxGap-j.silent))
		dst = j.write(dst, pcm[:keep])
		if j.dropped == 0 {
			j.kept += keep
		}
		j.dropped += n - keep
		pcm = pcm[n:]
		if len(pcm) == 0 {
			return dst
		}
	}
	j.leading = false
	return j.write(dst, pcm)
}

// End fades out the held tail of the current segment, appends it to dst,
// and starts a new segment.
func (j *Joiner) End(dst []int16) []int16 {
	FadeOut(j.held, len(j.held))
	dst = append(dst, j.held...)
	j.held = j.held[:0]
	j.pos = 0
	j.leading = true
	j.kept, j.dropped = 0, 0
	return dst
}

// write passes pcm on, holding back the last Holdback samples of the
// segment.
func (j *Joiner) write(dst, pcm []int16) []int16 {
	if len(pcm) == 0 {
		return dst
	}
	j.trackSilence(pcm)
	hold := len(j.fade)
	total := len(j.held) + len(pcm)
	if total <= hold {
		j.held = j.appendFaded(j.held, pcm)
		return dst
	}
	out := total - hold
	if out <= len(j.held) {
		dst = append(dst, j.held[:out]...)
		kept := copy(j.held, j.held[out:])
		j.held = j.appendFaded(j.held[:kept], pcm)
		return dst
	}
	dst = append(dst, j.held...)
	split := out - len(j.held)
	dst = j.appendFaded(dst, pcm[:split])
	j.held = j.appendFaded(j.held[:0], pcm[split:])
	return dst
}

func (j *Joiner) loud(v int16) bool {
	return int(v) > j.threshold || int(v) < -j.threshold
}

// trackSilence updates the count of silent samples at the end of the
// audio sent or held, which carries over into the next segment's gap.
func (j *Joiner) trackSilence(pcm []int16) {
	for i := len(pcm) - 1; i >= 0; i-- {
		if j.loud(pcm[i]) {
			j.silent = len(pcm) - 1 - i
			return
		}
	}
	j.silent += len(pcm)
}

// appendFaded appends pcm to dst, applying the fade-in to the samples that
// fall within the first Fade of the segment.
func (j *Joiner) appendFaded(dst, pcm []int16) []int16 {
	start := len(dst)
	dst = append(dst, pcm...)
	for i := start; i < len(dst) && j.pos < len(j.fade); i++ {
		dst[i] = roundClamp(float64(dst[i]) * j.fade[j.pos])
		j.pos++
	}
	return dst
}

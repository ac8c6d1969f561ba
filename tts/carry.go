package tts

import (
	"math"
	"time"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/protocol"
)

// Carry is the audio state that crosses from one part of speech to the
// next within a generation whose text has pauses or joined phrases (SSML,
// pronunciation dictionaries): the quiet after the last sound, held back
// until it is known whether a pause replaces it, and the silence owed to
// the next speech.
//
// An engine ends every synthesis with its own quiet tail and starts with a
// quiet lead (up to 80 ms; see engine.Config.LeadGap). A <break> of d
// must measure d from the end of the sound before it to the start of the
// sound after it, so the tail before a break and the lead after it are
// cut to at most Pad each (faded, so nothing clicks), and the rest of d is
// digital silence: d exactly, in samples at 24 kHz. Sound is what
// audio.TrimSilence finds at SilenceDBFS: 10 ms frames above that level,
// in runs of two or more (an isolated click in a tail is not sound),
// refined to the first and last sample above it. A phrase joined inside a
// sentence (a change of prosody or language) is cut the same way with no
// pause, so that it does not stop for the engines' utterance ends. Where
// neither happens, the quiet is sent as the engine made it: the audio is
// what the engine would have made anyway, the quiet after a sound held
// back only until the next sound or the next part (a synthesis's quiet
// lead goes as it comes, so the first audio is no later).
//
// The zero Carry is ready. A Carry is not safe for concurrent use: one
// generation's segments use it in order, and SpeakPrepared takes it over
// while it runs.
type Carry struct {
	buf []int16 // everything not yet sent
	// scan is where the frames of the current speech not yet classified
	// start in buf; cand is the start of a loud frame whose predecessor
	// was quiet, waiting for its successor to say whether it is sound (-1
	// for none); prevLoud is the last classified frame's loudness.
	scan, cand int
	prevLoud   bool
	speaking   bool // some sound of the current speech has been sent
	pending    int  // silence owed before the next sound
	trimLead   bool // the next speech's quiet lead goes (but what pending allows)
	// settle, when not nil, learns where the current part's audio starts:
	// the first time the Carry sends some of it, it is called with where
	// the part's first sample falls relative to what is being sent
	// (negative when its start was cut). partBase is that sample's index
	// in buf.
	settle   func(offset int)
	partBase int
}

// timePart starts (with settle) or stops (nil) following the current
// part's place in the output: call it after startSpeech.
func (c *Carry) timePart(settle func(offset int)) {
	c.settle, c.partBase = settle, len(c.buf)
}

// emitBuf sends buf[from:to], settling the part's place first if this is
// its first audio.
func (c *Carry) emitBuf(from, to int, emit func([]int16) error) error {
	if c.settle != nil && to > c.partBase {
		settle := c.settle
		c.settle = nil
		settle(c.partBase - from)
	}
	return emit(c.buf[from:to])
}

const (
	// Pad is the most of an engine's quiet tail or lead kept at a pause
	// or a tight join: enough for a fade, short enough not to matter.
	Pad = 5 * time.Millisecond
	// SilenceDBFS is the level below which audio is quiet, as
	// audio.TrimSilence measures it.
	SilenceDBFS = -40.0
	// maxHeld bounds the quiet held back: beyond it, the oldest is sent.
	maxHeld = 2 * time.Second
	// silenceChunk is the longest chunk of silence sent at once (80 ms,
	// like the engines' chunks).
	silenceChunk = protocol.SampleRate * 80 / 1000
	frameLen     = protocol.SampleRate / 100 // audio.TrimSilence's frame
)

var (
	padSamples  = samplesOf(Pad)
	maxHeldSize = samplesOf(maxHeld)
	// loudAmp is the amplitude of SilenceDBFS, and loudPower a frame's
	// mean square at it.
	loudAmp   = 32768 * math.Pow(10, SilenceDBFS/20)
	loudPower = loudAmp * loudAmp
)

func samplesOf(d time.Duration) int { return int(d * protocol.SampleRate / time.Second) }

func loudSample(v int16) bool { return math.Abs(float64(v)) > loudAmp }

func loudFrame(f []int16) bool {
	var sum float64
	for _, v := range f {
		sum += float64(v) * float64(v)
	}
	return len(f) > 0 && sum/float64(len(f)) > loudPower
}

// startSpeech prepares for the next engine output. tight cuts the held
// quiet and the coming lead as a pause does, leaving Pad of each;
// otherwise the held quiet is the pause between the two as the engine
// made it, and goes now.
func (c *Carry) startSpeech(tight bool, emit func([]int16) error) error {
	if tight {
		c.cut()
		c.pending += padSamples
		c.trimLead = true
	} else if !c.trimLead && len(c.buf) > 0 {
		if err := emit(c.buf); err != nil {
			return err
		}
		c.buf = c.buf[:0]
	}
	c.scan, c.cand, c.prevLoud, c.speaking = len(c.buf), -1, false, false
	return nil
}

// write takes the next samples of engine output.
func (c *Carry) write(pcm []int16, emit func([]int16) error) error {
	c.buf = append(c.buf, pcm...)
	for len(c.buf)-c.scan >= frameLen {
		if err := c.frame(c.scan, c.scan+frameLen, emit); err != nil {
			return err
		}
	}
	return c.bound(emit)
}

// endSpeech classifies the last, short frame of the current speech.
func (c *Carry) endSpeech(emit func([]int16) error) error {
	if c.scan < len(c.buf) {
		if err := c.frame(c.scan, len(c.buf), emit); err != nil {
			return err
		}
	}
	c.cand, c.prevLoud = -1, false
	return nil
}

// frame classifies buf[a:b] and sends what is known to be sound.
func (c *Carry) frame(a, b int, emit func([]int16) error) error {
	loud := loudFrame(c.buf[a:b])
	c.scan = b
	switch {
	case loud && c.prevLoud:
		// Sound: this frame and, if it waited, the one before.
		first := a
		if c.cand >= 0 {
			first = c.cand
		}
		c.cand, c.prevLoud = -1, true
		return c.sound(first, b, emit)
	case loud:
		c.cand = a
	default:
		c.cand = -1 // a lone loud frame is a click, not sound
		if !c.speaking && !c.trimLead {
			// A quiet lead that nothing will cut goes as it comes, so
			// that the first audio is as early as without a Carry.
			c.prevLoud = false
			err := c.emitBuf(0, b, emit)
			c.drop(b)
			return err
		}
	}
	c.prevLoud = loud
	return nil
}

// sound sends buf up to the last loud sample of the sound frames
// buf[a:b], keeping the quiet after it held.
func (c *Carry) sound(a, b int, emit func([]int16) error) error {
	last := b - 1
	for last > a && !loudSample(c.buf[last]) {
		last--
	}
	from := 0
	if !c.speaking {
		c.speaking = true
		onset := a
		for onset < last && !loudSample(c.buf[onset]) {
			onset++
		}
		if c.trimLead {
			// Of the quiet lead, keep what the silence owed allows (up to
			// Pad), faded in, after the rest of the silence.
			keep := min(onset, c.pending)
			if err := silence(c.pending-keep, emit); err != nil {
				return err
			}
			from = onset - keep
			audio.FadeIn(c.buf[from:onset], keep)
			c.pending, c.trimLead = 0, false
		}
	}
	if err := c.emitBuf(from, last+1, emit); err != nil {
		return err
	}
	c.drop(last + 1)
	return nil
}

// drop forgets buf[:n], which has been sent or cut.
func (c *Carry) drop(n int) {
	c.buf = c.buf[:copy(c.buf, c.buf[n:])]
	c.partBase -= n
	c.scan -= n
	if c.cand >= 0 {
		c.cand -= n
	}
}

// bound sends the oldest held quiet beyond maxHeld: a pause that long is
// the text's own, and no break would shorten it.
func (c *Carry) bound(emit func([]int16) error) error {
	n := min(len(c.buf)-maxHeldSize, c.scan)
	if c.cand >= 0 {
		n = min(n, c.cand)
	}
	if n <= 0 || (c.trimLead && !c.speaking) {
		// A quiet lead to be cut is dropped, not sent, when it is cut.
		if n > 0 {
			c.drop(n)
		}
		return nil
	}
	if err := c.emitBuf(0, n, emit); err != nil {
		return err
	}
	c.drop(n)
	return nil
}

// cut keeps at most Pad of the held quiet, faded out, for the next send.
func (c *Carry) cut() {
	keep := min(len(c.buf), padSamples)
	c.buf = c.buf[:keep]
	audio.FadeOut(c.buf, keep)
	c.scan, c.cand = len(c.buf), -1
}

// pause owes n samples of silence, measured from the end of the sound
// before to the start of the sound after.
func (c *Carry) pause(n int, emit func([]int16) error) error {
	c.cut()
	keep := min(len(c.buf), n)
	if keep > 0 {
		if err := emit(c.buf[:keep]); err != nil {
			return err
		}
	}
	c.buf = c.buf[:0]
	c.scan, c.cand = 0, -1
	rest := n - keep
	// Pad of it waits for the next speech, which may keep that much of its
	// own quiet lead; the rest can go now, so a listener hears the pause
	// as it happens.
	reserve := min(rest, padSamples)
	if err := silence(rest-reserve, emit); err != nil {
		return err
	}
	c.pending += reserve
	c.trimLead = true
	return nil
}

// raw sends pcm as it is, after everything held and owed: a silent part,
// whose quiet is its content.
func (c *Carry) raw(pcm []int16, emit func([]int16) error) error {
	if err := c.Flush(emit); err != nil {
		return err
	}
	return emit(pcm)
}

// Flush sends what is held and owed: the end of a generation.
func (c *Carry) Flush(emit func([]int16) error) error {
	if len(c.buf) > 0 && !(c.trimLead && !c.speaking) {
		if err := c.emitBuf(0, len(c.buf), emit); err != nil {
			return err
		}
	}
	c.buf = c.buf[:0]
	c.scan, c.cand = 0, -1
	err := silence(c.pending, emit)
	c.pending, c.trimLead = 0, false
	return err
}

// silence emits n samples of digital silence in chunks of at most 80 ms.
func silence(n int, emit func([]int16) error) error {
	for n > 0 {
		k := min(n, silenceChunk)
		if err := emit(make([]int16, k)); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

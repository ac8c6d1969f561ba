//go:build cgo

package espeak

import (
	"context"
	"fmt"
	"runtime"
	"runtime/cgo"
	"sync/atomic"
)

// queueCap bounds the requests waiting for the worker. Callers beyond it
// wait in Synthesize, bounded by their context.
const queueCap = 64

// Job states. Exactly one party moves a job out of queued: the worker by
// claiming it, or the caller by abandoning it when its context ends first.
const (
	queued int32 = iota
	claimed
	abandoned
)

// job is one Synthesize call. The caller owns it until it is sent to the
// worker; from then on err and recovered belong to the worker until done
// is closed.
type job struct {
	ctx  context.Context
	text string
	req  request
	emit func([]int16) error
	w    *worker
	// phonemize makes the job read text as phonemes into clauses instead
	// of speaking it.
	phonemize bool
	clauses   []Clause
	// onWords, when not nil, takes the words that start in each chunk
	// before the chunk; offsets maps the cleaned text's code points to
	// the caller's bytes, rate is the engine's, and words holds the words
	// of the chunk at hand.
	onWords func([]Word)
	offsets []int
	rate    int
	words   []Word

	state atomic.Int32
	done  chan struct{}

	err       error
	recovered any // a panic from emit, re-raised in the caller
	panicked  bool
}

// deliver hands one chunk to emit and reports whether espeak-ng should go
// on. pcm is nil for callbacks without audio, such as the one that ends
// the text.
func (j *job) deliver(pcm []int16) bool {
	if j.err != nil {
		return false
	}
	if err := j.interrupted(); err != nil {
		j.err = err
		return false
	}
	if len(j.words) > 0 {
		err := j.callWords()
		j.words = j.words[:0]
		if err != nil {
			j.err = err
			return false
		}
	}
	if pcm == nil {
		return true
	}
	if err := j.callEmit(pcm); err != nil {
		j.err = err
		return false
	}
	// Checked again so a cancel from inside emit stops the next chunk.
	if err := j.interrupted(); err != nil {
		j.err = err
		return false
	}
	return true
}

// word notes a WORD event of the chunk at hand.
func (j *job) word(pos, length, ms int) {
	j.words = append(j.words, wordOf(j.offsets, j.rate, pos, length, ms))
}

// callWords is callEmit for onWords.
func (j *job) callWords() (err error) {
	defer func() {
		if r := recover(); r != nil {
			j.recovered, j.panicked = r, true
			err = fmt.Errorf("espeak-ng: words panicked: %v", r)
		}
	}()
	j.onWords(j.words)
	return nil
}

func (j *job) interrupted() error {
	if err := j.ctx.Err(); err != nil {
		return err
	}
	if j.w.stopping.Load() {
		return ErrClosed
	}
	return nil
}

// callEmit keeps a panic in emit from unwinding through espeak-ng's C
// frames; Synthesize re-raises it on the caller's goroutine.
func (j *job) callEmit(pcm []int16) (err error) {
	defer func() {
		if r := recover(); r != nil {
			j.recovered, j.panicked = r, true
			err = fmt.Errorf("espeak-ng: emit panicked: %v", r)
		}
	}()
	return j.emit(pcm)
}

// worker is the one goroutine that calls espeak-ng. It is locked to its OS
// thread, takes jobs from a queue and runs until stop.
type worker struct {
	jobs   chan *job
	queued atomic.Int64 // jobs sent and not yet claimed or abandoned
	// abandoned is set when a synthesis stopped before the end of its
	// text. espeak-ng then still holds text it read ahead, which
	// espeak_Synth clears when it starts but espeak_TextToPhonemes does
	// not: it would read a word of the abandoned text into the next
	// phonemisation's first clause. The worker goroutine alone uses it.
	abandoned bool
	// taken counts the jobs the worker took on, which are all the text
	// espeak-ng reads in this process: tests check that an isolated Pool
	// sends it none.
	taken    atomic.Int64
	stopping atomic.Bool
	quit     chan struct{}
	exited   chan struct{}
}

// startup is what a new worker reports once it is ready to take jobs.
type startup struct {
	rate int
	cat  *catalog
	err  error
}

func newWorker() *worker {
	return &worker{
		jobs:   make(chan *job, queueCap),
		quit:   make(chan struct{}),
		exited: make(chan struct{}),
	}
}

// run is the worker goroutine. It initialises espeak-ng if init is set,
// reports on ready, and then serves jobs until quit is closed.
func (w *worker) run(init bool, ready chan<- startup) {
	defer close(w.exited)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if init {
		rate, cat, err := initialize()
		ready <- startup{rate: rate, cat: cat, err: err}
		if err != nil {
			return
		}
	} else {
		ready <- startup{}
	}
	for {
		select {
		case <-w.quit:
			w.drain()
			return
		case j := <-w.jobs:
			if j.state.CompareAndSwap(queued, claimed) {
				w.queued.Add(-1)
				w.taken.Add(1)
				j.err = w.synthesize(j)
				close(j.done)
			}
		}
	}
}

func (w *worker) synthesize(j *job) error {
	// A request cancelled while it waited is never synthesised.
	if err := j.interrupted(); err != nil {
		return err
	}
	if err := apply(j.req); err != nil {
		return err
	}
	if j.phonemize {
		if w.abandoned {
			if err := synth("", 0, false); err != nil {
				return err
			}
			w.abandoned = false
		}
		var err error
		j.clauses, err = textToPhonemes(j.text, j.interrupted)
		return err
	}
	h := cgo.NewHandle(j)
	defer h.Delete()
	err := synth(j.text, uintptr(h), j.req.phonemes)
	if j.err != nil {
		err = j.err
	}
	w.abandoned = err != nil
	return err
}

// drain fails the jobs still queued when the worker stops.
func (w *worker) drain() {
	for {
		select {
		case j := <-w.jobs:
			if j.state.CompareAndSwap(queued, claimed) {
				w.queued.Add(-1)
				j.err = ErrClosed
				close(j.done)
			}
		default:
			return
		}
	}
}

// stop makes the job in progress abort at its next chunk, fails the queued
// ones and waits for the worker to exit.
func (w *worker) stop() {
	w.stopping.Store(true)
	close(w.quit)
	<-w.exited
}

// do queues j and waits for it. When ctx ends or the worker exits before j
// is claimed, j is abandoned and never synthesised; once claimed, do waits
// for it, which is prompt because the callback checks ctx on every chunk.
func (w *worker) do(j *job) error {
	w.queued.Add(1)
	select {
	case w.jobs <- j:
	case <-j.ctx.Done():
		w.queued.Add(-1)
		return j.ctx.Err()
	case <-w.quit:
		w.queued.Add(-1)
		return ErrClosed
	}
	var gaveUp error
	select {
	case <-j.done:
	case <-j.ctx.Done():
		gaveUp = j.ctx.Err()
	case <-w.exited:
		gaveUp = ErrClosed
	}
	if gaveUp != nil {
		if j.state.CompareAndSwap(queued, abandoned) {
			w.queued.Add(-1)
			return gaveUp
		}
		<-j.done
	}
	if j.panicked {
		panic(j.recovered)
	}
	return j.err
}

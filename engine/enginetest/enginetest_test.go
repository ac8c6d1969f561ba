package enginetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/engine/sched"
	"github.com/parley-voice/parley/protocol"
)

func TestEngineEmitsPCMInChunks(t *testing.T) {
	var e Engine
	var got []int16
	chunks := 0
	due := time.Now().Add(time.Minute)
	ctx := sched.PlayBy(context.Background(), due)
	if err := e.Synthesize(ctx, engine.Segment{Text: "Hello there.", Language: protocol.English}, engine.Voice{Engine: "flite"}, func(pcm []int16) error {
		if len(pcm) > ChunkSamples {
			t.Fatalf("chunk of %d samples", len(pcm))
		}
		got = append(got, pcm...)
		chunks++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := PCM("Hello there.")
	if len(want) != 12*SamplesPerRune || !slices.Equal(got, want) {
		t.Fatalf("emitted %d samples, want PCM's %d", len(got), len(want))
	}
	if chunks != (len(want)+ChunkSamples-1)/ChunkSamples {
		t.Fatalf("%d chunks", chunks)
	}
	calls := e.Calls()
	if len(calls) != 1 || calls[0].Text != "Hello there." || calls[0].Language != protocol.English ||
		calls[0].Voice.Engine != "flite" || !calls[0].Due.Equal(due) || calls[0].Samples != len(want) {
		t.Fatalf("calls %+v", calls)
	}
	if !slices.Equal(e.Audio(), want) {
		t.Fatal("Audio differs from what was emitted")
	}
	if slices.Equal(PCM("Hello there!"), want) {
		t.Fatal("two texts make the same audio")
	}
}

func TestEngineStops(t *testing.T) {
	e := Engine{Pace: time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	stop := errors.New("stop")
	n := 0
	err := e.Synthesize(ctx, engine.Segment{Text: "A long segment of text."}, engine.Voice{}, func(pcm []int16) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || e.Calls()[0].Samples != 2*ChunkSamples {
		t.Fatalf("emit's error: %v after %d samples", err, e.Calls()[0].Samples)
	}
	cancel()
	if err := e.Synthesize(ctx, engine.Segment{Text: "Cancelled."}, engine.Voice{}, func([]int16) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("after cancel: %v", err)
	}
	if len(e.Audio()) != 2*ChunkSamples {
		t.Fatalf("Audio has %d samples, want the 2 chunks emitted", len(e.Audio()))
	}
	f := Engine{FailOn: "boom"}
	chunks := 0
	err = f.Synthesize(context.Background(), engine.Segment{Text: "It goes boom here."}, engine.Voice{}, func([]int16) error { chunks++; return nil })
	if !errors.Is(err, ErrFailed) || chunks != 1 {
		t.Fatalf("FailOn: %v after %d chunks, want ErrFailed after 1", err, chunks)
	}
}

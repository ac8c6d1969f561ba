package server

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/client"
	"github.com/parley-voice/parley/engine/espeak"
	"github.com/parley-voice/parley/engine/piper"
	"github.com/parley-voice/parley/engine/piper/pipertest"
	"github.com/parley-voice/parley/internal/ortenv"
)

// BenchmarkNeuralTTFA compares, in one process and interleaved, the time
// to first audio of a realtime generation spoken by a Piper voice (flush
// to the first audio frame at the client, over loopback WebSocket) with
// the bare model run of the same segment's ids. "fast" is the generated
// amy model (a run of well under a millisecond: the difference is the
// pipeline's fixed cost); "heavy" is a generated model of the same
// interface whose run costs about what a real voice's does for a short
// sentence (150 products of 512×512 matrices).
//
//	go test -run '^$' -bench NeuralTTFA -benchtime 40x ./server
func BenchmarkNeuralTTFA(b *testing.B) {
	for _, tc := range []struct{ name, model string }{{"fast", "en_US-amy-low.onnx"}, {"heavy", "slow.onnx"}} {
		b.Run(tc.name, func(b *testing.B) {
			models := b.TempDir()
			pipertest.Install(b, models, "en_US-amy-low", tc.model, "en_US-amy-low.onnx.json")
			base, key, _ := startNeural(b, models)
			env, err := ortenv.Acquire("")
			if err != nil {
				b.Fatal(err)
			}
			defer env.Release()
			bare, err := piper.Load(filepath.Join(models, "en_US-amy-low.onnx"), piper.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer bare.Close()
			es, err := espeak.Open()
			if err != nil {
				b.Fatal(err)
			}
			defer es.Close()
			const text = "Hello there."
			ids, _, err := bare.Config().Sentences(context.Background(), es, text)
			if err != nil || len(ids) != 1 {
				b.Fatalf("%v, %v", ids, err)
			}
			ctx := context.Background()
			c, err := client.Dial(ctx, client.Config{URL: strings.Replace(base, "http", "ws", 1) + "/v1/realtime",
				APIKey: key, Voice: "piper:en_US-amy-low", Language: "English", BinaryMode: true})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			var bareT, ttfa []time.Duration
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				if _, err := bare.Run(ctx, ids[0], piper.Params{}); err != nil {
					b.Fatal(err)
				}
				bareT = append(bareT, time.Since(start))
				ttfa = append(ttfa, firstAudio(b, c, text))
			}
			b.StopTimer()
			p50 := func(d []time.Duration) float64 {
				s := slices.Clone(d)
				slices.Sort(s)
				return float64(s[len(s)/2].Microseconds()) / 1000
			}
			b.ReportMetric(p50(bareT), "ms-bare-p50")
			b.ReportMetric(p50(ttfa), "ms-ttfa-p50")
			b.ReportMetric(p50(ttfa)/p50(bareT), "ratio-p50")
			b.ReportMetric(p50(ttfa)-p50(bareT), "ms-overhead-p50")
		})
	}
}

// firstAudio speaks text and returns the time from flush to the first
// audio, draining the generation.
func firstAudio(b *testing.B, c *client.Conn, text string) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.SendText(ctx, text); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := c.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	var first time.Duration
	for {
		select {
		case <-ctx.Done():
			b.Fatal(ctx.Err())
		case ev := <-c.Events():
			switch ev.(type) {
			case *client.Audio:
				if first == 0 {
					first = time.Since(start)
				}
			case *client.Done:
				return first
			case *client.ErrorEvent:
				b.Fatalf("%+v", ev)
			}
		}
	}
}

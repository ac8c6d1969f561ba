package agent_test

import (
	"context"
	"slices"
	"testing"
	"time"
)

// BenchmarkVoiceToVoice measures the time from the end of a spoken
// question to the first answer audio, on one node with the local defaults
// (Silero VAD, pocketsphinx, the offline responder, flite slt), by path:
//
//   - browser: /v1/agent, 16 kHz PCM sent in real time, to the first
//     binary audio frame;
//   - phone: the Twilio simulator, 8 kHz μ-law sent in real time, to the
//     first media message.
//
// Each iteration asks "What time is it?" after half a second of silence
// and lets the answer play out. The end of the question is its last
// sample above -30 dBFS, at real time from when its first frame was
// sent. The browser client sends a 20 ms frame when it starts and the
// simulator when it ends (as a microphone can), so the browser's figure
// gains up to 20 ms. It reports the median and the worst, in ms.
//
//	go test -run '^$' -bench VoiceToVoice -benchtime 8x ./agent/
func BenchmarkVoiceToVoice(b *testing.B) {
	base, key := startNode(b, "")
	const question = "What time is it?"
	report := func(b *testing.B, lat []time.Duration) {
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-p50")
		b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "ms-max")
		b.Logf("%d questions: %v", len(lat), lat)
	}

	// One browser session and one call serve every run of the
	// sub-benchmarks.
	a := dialAgent(b, base, key)
	a.wait(10*time.Second, "ready", nil)
	c := registerLine(b, base, key, nil).call(b)

	b.Run("browser", func(b *testing.B) {
		// The microphone goes on after the question, as a page's does:
		// the VAD needs the silence to end the speech.
		pcm := speech(b, question)
		_, last := loud(pcm)
		pcm = append(pcm, silence(2*time.Second)...)
		var lat []time.Duration
		for range b.N {
			a.stream(silence(500 * time.Millisecond))
			sent := time.Now()
			a.stream(pcm)
			end := sent.Add(time.Duration(last) * time.Second / 16000)
			var first time.Time
			turn := 0
			waitFor(b, 20*time.Second, "the answer", func() bool {
				a.mu.Lock()
				defer a.mu.Unlock()
				for n, at := range a.started {
					if at.After(end) {
						first, turn = at, n
						return true
					}
				}
				return false
			})
			lat = append(lat, first.Sub(end))
			a.wait(20*time.Second, "state", func(m map[string]any) bool {
				return m["state"] == "listening" && int(m["turn"].(float64)) >= turn
			})
		}
		report(b, lat)
	})
	a.hangUp()

	b.Run("phone", func(b *testing.B) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(b.N)*time.Minute)
		defer cancel()
		pcm := phoneSpeech(b, question)
		_, last := loud(pcm)
		var lat []time.Duration
		for range b.N {
			if _, err := c.Speak(ctx, phoneSilence(500*time.Millisecond)); err != nil {
				b.Fatal(err)
			}
			spoken, err := c.Speak(ctx, pcm)
			if err != nil {
				b.Fatal(err)
			}
			end := sampleTime(spoken, last)
			answerPlayed(b, c, end, 20*time.Second)
			first, _ := firstMedia(c, end)
			lat = append(lat, first.Sub(end))
		}
		report(b, lat)
	})
}

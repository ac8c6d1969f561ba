package turn

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

const (
	question = "what is the weather"
	seg1     = "The weather today is sunny." // 27 characters, 1350 ms of audio
	seg2     = " Tomorrow it will rain."     // 23 characters, 1150 ms
	answer   = seg1 + seg2
)

// askAndAnswer is turn 1: a spoken question whose two-segment answer is
// wholly received (2500 ms of audio, all in at 2300 ms) and has started
// playing.
func askAndAnswer() []step {
	return []step{
		{0, speechStart(), []Action{sc(Listening, UserSpeaking, 1), StartRecognition{1}}, UserSpeaking, 1},
		{900, speechEnd(), []Action{sc(UserSpeaking, Thinking, 1), FinishRecognition{Turn: 1}}, Thinking, 1},
		{1300, final(question), []Action{line(1, question, true), AddUser{1, question}, StartResponse{1, question}}, Thinking, 1},
		{1500, delta(1, "The weather"), nil, Thinking, 1},
		{1600, queued(1, seg1), nil, Thinking, 1},
		{1700, delta(1, " today is sunny. Tomorrow it will rain."), nil, Thinking, 1},
		{1800, queued(1, seg2), nil, Thinking, 1},
		{1900, llmDone(1, answer), nil, Thinking, 1},
		{2000, audio(1, 1350), []Action{sc(Thinking, Speaking, 1)}, Speaking, 1},
		{2100, segDone(1), nil, Speaking, 1},
		{2200, audio(1, 1150), nil, Speaking, 1},
		{2300, segDone(1), nil, Speaking, 1},
		{2400, played(1, 200), []Action{Metrics{Turn: 1, SpeechEndToTranscript: ms(400), TranscriptToFirstToken: ms(200),
			FirstTokenToFirstAudio: ms(500), FirstAudioToPlayed: ms(400), SpeechEndToPlayed: ms(1500)}}, Speaking, 1},
		// 720 of seg1's 1350 ms is 14 of its characters, "The weather to",
		// cut back to a whole word.
		{2900, played(1, 720), nil, Speaking, 1},
	}
}

func TestScenarios(t *testing.T) {
	heard := "The weather"
	interrupt := []Action{StopPlayback{1}, CancelResponse{1, ReasonInterrupted}, Interrupted{1, heard}, AddAssistant{1, heard}}
	complete := []Action{ResponseComplete{1, answer}, AddAssistant{1, answer}}
	tests := []struct {
		name  string
		steps []step
	}{
		{"answer played to its end", append(askAndAnswer(),
			step{4000, played(1, 2449), nil, Speaking, 1},
			step{4050, played(1, 2450), append(complete, sc(Speaking, Listening, 1)), Listening, 1},
			step{4100, played(1, 2500), nil, Listening, 1},
			step{9000, tick(), nil, Listening, 1},
			step{10000, speechStart(), []Action{sc(Listening, UserSpeaking, 2), StartRecognition{2}}, UserSpeaking, 2},
		)},
		{"playback reports going back are ignored", append(askAndAnswer(),
			step{3000, played(1, 100), nil, Speaking, 1},
			step{4050, played(1, 2460), append(complete, sc(Speaking, Listening, 1)), Listening, 1},
		)},
		{"partials shown once each, finals only after speech_end", []step{
			{0, speechStart(), []Action{sc(Listening, UserSpeaking, 1), StartRecognition{1}}, UserSpeaking, 1},
			{100, partial("hello"), []Action{line(1, "hello", false)}, UserSpeaking, 1},
			{200, partial(" hello "), nil, UserSpeaking, 1},
			{300, final("hello"), nil, UserSpeaking, 1},
			{400, partial("hello there"), []Action{line(1, "hello there", false)}, UserSpeaking, 1},
			{900, speechEnd(), []Action{sc(UserSpeaking, Thinking, 1), FinishRecognition{Turn: 1}}, Thinking, 1},
			{950, partial("hello there you"), nil, Thinking, 1},
			{1200, final("hello there"), []Action{line(1, "hello there", true), AddUser{1, "hello there"}, StartResponse{1, "hello there"}}, Thinking, 1},
			{1300, final("again"), nil, Thinking, 1},
		}},
		{"nothing recognised returns to listening", []step{
			{0, speechStart(), []Action{sc(Listening, UserSpeaking, 1), StartRecognition{1}}, UserSpeaking, 1},
			{500, speechEnd(), []Action{sc(UserSpeaking, Thinking, 1), FinishRecognition{Turn: 1}}, Thinking, 1},
			{700, final("  "), []Action{line(1, "", true), sc(Thinking, Listening, 1)}, Listening, 1},
			{800, llmDone(1, "stale"), nil, Listening, 1},
			{2000, speechStart(), []Action{sc(Listening, UserSpeaking, 2), StartRecognition{2}}, UserSpeaking, 2},
		}},
		{"empty answer returns to listening", []step{
			{0, speechStart(), []Action{sc(Listening, UserSpeaking, 1), StartRecognition{1}}, UserSpeaking, 1},
			{500, speechEnd(), []Action{sc(UserSpeaking, Thinking, 1), FinishRecognition{Turn: 1}}, Thinking, 1},
			{700, final("hi"), []Action{line(1, "hi", true), AddUser{1, "hi"}, StartResponse{1, "hi"}}, Thinking, 1},
			{900, llmDone(1, ""), []Action{ResponseComplete{1, ""}, Metrics{Turn: 1, SpeechEndToTranscript: ms(200)}, sc(Thinking, Listening, 1)}, Listening, 1},
		}},
		{"answer whose TTS gave no audio", []step{
			{0, typed("hi"), []Action{sc(Listening, Thinking, 1), line(1, "hi", true), AddUser{1, "hi"}, StartResponse{1, "hi"}}, Thinking, 1},
			{100, delta(1, "Hello."), nil, Thinking, 1},
			{100, queued(1, "Hello."), nil, Thinking, 1},
			{200, llmDone(1, "Hello."), nil, Thinking, 1},
			{300, segDone(1), []Action{ResponseComplete{1, "Hello."}, AddAssistant{1, "Hello."},
				Metrics{Turn: 1, TranscriptToFirstToken: ms(100)}, sc(Thinking, Listening, 1)}, Listening, 1},
		}},
		{"answer text from the deltas when LLMDone has none", []step{
			{0, typed("hi"), []Action{sc(Listening, Thinking, 1), line(1, "hi", true), AddUser{1, "hi"}, StartResponse{1, "hi"}}, Thinking, 1},
			{100, delta(1, "Hel"), nil, Thinking, 1},
			{150, delta(1, "lo."), nil, Thinking, 1},
			{200, llmDone(1, ""), []Action{ResponseComplete{1, "Hello."}, AddAssistant{1, "Hello."},
				Metrics{Turn: 1, TranscriptToFirstToken: ms(100)}, sc(Thinking, Listening, 1)}, Listening, 1},
		}},
		{"typed text while listening", []step{
			{0, typed("   "), nil, Listening, 0},
			{10, typed(" hello "), []Action{sc(Listening, Thinking, 1), line(1, "hello", true), AddUser{1, "hello"}, StartResponse{1, "hello"}}, Thinking, 1},
		}},
		{"speech_start while the user speaks is ignored", []step{
			{0, speechStart(), []Action{sc(Listening, UserSpeaking, 1), StartRecognition{1}}, UserSpeaking, 1},
			{300, speechStart(), nil, UserSpeaking, 1},
			{600, speechEnd(), []Action{sc(UserSpeaking, Thinking, 1), FinishRecognition{Turn: 1}}, Thinking, 1},
			{700, speechEnd(), nil, Thinking, 1},
		}},
		{"typed text while the user speaks joins the turn", []step{
			{0, speechStart(), []Action{sc(Listening, UserSpeaking, 1), StartRecognition{1}}, UserSpeaking, 1},
			{100, partial("look"), []Action{line(1, "look", false)}, UserSpeaking, 1},
			{200, typed("at this"), []Action{line(2, "at this", true)}, UserSpeaking, 1},
			{600, speechEnd(), []Action{sc(UserSpeaking, Thinking, 1), FinishRecognition{Turn: 1}}, Thinking, 1},
			{800, final("look"), []Action{line(1, "look", true), AddUser{1, "look"}, AddUser{2, "at this"}, StartResponse{2, "look at this"}}, Thinking, 2},
		}},
		{"user resumes within the window: one turn, joined", []step{
			{0, speechStart(), []Action{sc(Listening, UserSpeaking, 1), StartRecognition{1}}, UserSpeaking, 1},
			{900, speechEnd(), []Action{sc(UserSpeaking, Thinking, 1), FinishRecognition{Turn: 1}}, Thinking, 1},
			{1300, final(question), []Action{line(1, question, true), AddUser{1, question}, StartResponse{1, question}}, Thinking, 1},
			{1500, delta(1, "It"), nil, Thinking, 1},
			{1900, speechStart(), []Action{CancelResponse{1, ReasonResumed},
				Metrics{Turn: 1, SpeechEndToTranscript: ms(400), TranscriptToFirstToken: ms(200), Interrupted: true},
				sc(Thinking, UserSpeaking, 2), StartRecognition{2}}, UserSpeaking, 2},
			{2000, partial("in paris"), []Action{EmitTranscript{2, question + " in paris", false, 1}}, UserSpeaking, 2},
			{2050, delta(1, " is"), nil, UserSpeaking, 2},
			{2060, queued(1, "It is."), nil, UserSpeaking, 2},
			{2700, speechEnd(), []Action{sc(UserSpeaking, Thinking, 2), FinishRecognition{Turn: 2}}, Thinking, 2},
			{2710, llmDone(1, "It is."), nil, Thinking, 2},
			{3000, final("in Paris"), []Action{EmitTranscript{2, question + " in Paris", true, 1}, AddUser{2, "in Paris"},
				StartResponse{2, question + " in Paris"}}, Thinking, 2},
			{3100, audio(1, 500), nil, Thinking, 2},
		}},
		{"user resumes within the window before the transcript", []step{
			{0, speechStart(), []Action{sc(Listening, UserSpeaking, 1), StartRecognition{1}}, UserSpeaking, 1},
			{900, speechEnd(), []Action{sc(UserSpeaking, Thinking, 1), FinishRecognition{Turn: 1}}, Thinking, 1},
			{1500, speechStart(), []Action{sc(Thinking, UserSpeaking, 2), StartRecognition{2}}, UserSpeaking, 2},
			{1600, final("hello there"), []Action{EmitTranscript{2, "hello there", false, 1}, AddUser{1, "hello there"}}, UserSpeaking, 2},
			{1700, partial("how are you"), []Action{EmitTranscript{2, "hello there how are you", false, 1}}, UserSpeaking, 2},
			{2500, speechEnd(), []Action{sc(UserSpeaking, Thinking, 2), FinishRecognition{Turn: 2}}, Thinking, 2},
			{2800, final("how are you"), []Action{EmitTranscript{2, "hello there how are you", true, 1}, AddUser{2, "how are you"},
				StartResponse{2, "hello there how are you"}}, Thinking, 2},
		}},
		{"user resumes but nothing is recognised: the first text is answered again", []step{
			{0, speechStart(), []Action{sc(Listening, UserSpeaking, 1), StartRecognition{1}}, UserSpeaking, 1},
			{900, speechEnd(), []Action{sc(UserSpeaking, Thinking, 1), FinishRecognition{Turn: 1}}, Thinking, 1},
			{1300, final(question), []Action{line(1, question, true), AddUser{1, question}, StartResponse{1, question}}, Thinking, 1},
			{1800, speechStart(), []Action{CancelResponse{1, ReasonResumed}, Metrics{Turn: 1, SpeechEndToTranscript: ms(400), Interrupted: true},
				sc(Thinking, UserSpeaking, 2), StartRecognition{2}}, UserSpeaking, 2},
			{2100, speechEnd(), []Action{sc(UserSpeaking, Thinking, 2), FinishRecognition{Turn: 2}}, Thinking, 2},
			{2300, final(""), []Action{EmitTranscript{2, question, true, 1}, StartResponse{2, question}}, Thinking, 2},
		}},
		{"user speaks again after the window: a new line, answered together", []step{
			{0, speechStart(), []Action{sc(Listening, UserSpeaking, 1), StartRecognition{1}}, UserSpeaking, 1},
			{900, speechEnd(), []Action{sc(UserSpeaking, Thinking, 1), FinishRecognition{Turn: 1}}, Thinking, 1},
			{1300, final(question), []Action{line(1, question, true), AddUser{1, question}, StartResponse{1, question}}, Thinking, 1},
			{1901, speechStart(), []Action{CancelResponse{1, ReasonSuperseded}, Metrics{Turn: 1, SpeechEndToTranscript: ms(400), Interrupted: true},
				sc(Thinking, UserSpeaking, 2), StartRecognition{2}}, UserSpeaking, 2},
			{2000, partial("and tomorrow"), []Action{line(2, "and tomorrow", false)}, UserSpeaking, 2},
			{2500, speechEnd(), []Action{sc(UserSpeaking, Thinking, 2), FinishRecognition{Turn: 2}}, Thinking, 2},
			{2800, final("and tomorrow"), []Action{line(2, "and tomorrow", true), AddUser{2, "and tomorrow"},
				StartResponse{2, question + " and tomorrow"}}, Thinking, 2},
		}},
		{"typed text while thinking supersedes the answer", []step{
			{0, typed("hi"), []Action{sc(Listening, Thinking, 1), line(1, "hi", true), AddUser{1, "hi"}, StartResponse{1, "hi"}}, Thinking, 1},
			{100, typed("there"), []Action{CancelResponse{1, ReasonSuperseded}, Metrics{Turn: 1, Interrupted: true},
				line(2, "there", true), AddUser{2, "there"}, StartResponse{2, "hi there"}}, Thinking, 2},
			{200, speechStart(), []Action{CancelResponse{2, ReasonSuperseded}, Metrics{Turn: 2, Interrupted: true},
				sc(Thinking, UserSpeaking, 3), StartRecognition{3}}, UserSpeaking, 3},
		}},
		{"barge-in confirmed by the timer", append(askAndAnswer(),
			step{3000, speechStart(), []Action{StartRecognition{2}}, Speaking, 1},
			step{3100, partial("wait"), nil, Speaking, 1},
			step{3649, tick(), nil, Speaking, 1},
			step{3650, tick(), append(slices.Clone(interrupt), sc(Speaking, UserSpeaking, 2), line(2, "wait", false)), UserSpeaking, 2},
			step{3700, played(1, 1000), nil, UserSpeaking, 2},
			step{3710, delta(1, "more"), nil, UserSpeaking, 2},
			step{3720, audio(1, 100), nil, UserSpeaking, 2},
			step{4000, speechEnd(), []Action{sc(UserSpeaking, Thinking, 2), FinishRecognition{Turn: 2}}, Thinking, 2},
			step{4300, final("wait a moment"), []Action{line(2, "wait a moment", true), AddUser{2, "wait a moment"}, StartResponse{2, "wait a moment"}}, Thinking, 2},
			step{4400, played(1, 2500), nil, Thinking, 2},
		)},
		{"barge-in confirmed by speech_end", append(askAndAnswer(),
			step{3000, speechStart(), []Action{StartRecognition{2}}, Speaking, 1},
			step{3250, speechEnd(), append(slices.Clone(interrupt), sc(Speaking, UserSpeaking, 2), sc(UserSpeaking, Thinking, 2), FinishRecognition{Turn: 2}), Thinking, 2},
		)},
		{"echo while speaking is ignored", append(askAndAnswer(),
			step{3000, speechStart(), []Action{StartRecognition{2}}, Speaking, 1},
			step{3100, partial("the weather"), nil, Speaking, 1},
			step{3249, speechEnd(), []Action{FinishRecognition{Turn: 2, Discard: true}}, Speaking, 1},
			step{3700, tick(), nil, Speaking, 1},
			step{3800, final("the weather"), nil, Speaking, 1},
			step{4050, played(1, 2460), append(complete, sc(Speaking, Listening, 1)), Listening, 1},
			step{5000, speechStart(), []Action{sc(Listening, UserSpeaking, 3), StartRecognition{3}}, UserSpeaking, 3},
		)},
		{"echo's late transcript does not take the next one's place", append(askAndAnswer(),
			step{3000, speechStart(), []Action{StartRecognition{2}}, Speaking, 1},
			step{3100, speechEnd(), []Action{FinishRecognition{Turn: 2, Discard: true}}, Speaking, 1},
			step{4050, played(1, 2460), append(complete, sc(Speaking, Listening, 1)), Listening, 1},
			step{5000, speechStart(), []Action{sc(Listening, UserSpeaking, 3), StartRecognition{3}}, UserSpeaking, 3},
			step{5500, speechEnd(), []Action{sc(UserSpeaking, Thinking, 3), FinishRecognition{Turn: 3}}, Thinking, 3},
			step{5600, final("the weather"), nil, Thinking, 3},
			step{5700, final("thanks"), []Action{line(3, "thanks", true), AddUser{3, "thanks"}, StartResponse{3, "thanks"}}, Thinking, 3},
		)},
		{"answer ends while a barge-in is pending", append(askAndAnswer(),
			step{4000, speechStart(), []Action{StartRecognition{2}}, Speaking, 1},
			step{4100, partial("yes"), nil, Speaking, 1},
			step{4200, played(1, 2460), append(complete, sc(Speaking, UserSpeaking, 2), line(2, "yes", false)), UserSpeaking, 2},
			step{4700, tick(), nil, UserSpeaking, 2},
			step{4800, speechEnd(), []Action{sc(UserSpeaking, Thinking, 2), FinishRecognition{Turn: 2}}, Thinking, 2},
		)},
		{"typed text while speaking interrupts at once", append(askAndAnswer(),
			step{3000, typed("stop"), append(slices.Clone(interrupt), sc(Speaking, Thinking, 2), line(2, "stop", true),
				AddUser{2, "stop"}, StartResponse{2, "stop"}), Thinking, 2},
			step{3100, played(1, 900), nil, Thinking, 2},
		)},
		{"typed text while a barge-in is pending", append(askAndAnswer(),
			step{3000, speechStart(), []Action{StartRecognition{2}}, Speaking, 1},
			step{3100, partial("hold"), nil, Speaking, 1},
			step{3200, typed("stop"), append(slices.Clone(interrupt), sc(Speaking, UserSpeaking, 2), line(2, "hold", false), line(3, "stop", true)), UserSpeaking, 2},
			step{3700, tick(), nil, UserSpeaking, 2},
			step{3800, speechEnd(), []Action{sc(UserSpeaking, Thinking, 2), FinishRecognition{Turn: 2}}, Thinking, 2},
			step{4000, final("hold on"), []Action{line(2, "hold on", true), AddUser{2, "hold on"}, AddUser{3, "stop"}, StartResponse{3, "hold on stop"}}, Thinking, 3},
		)},
		{"page never reports: answer assumed played after the grace", append(askAndAnswer()[:12],
			// All audio was in at 2300 ms: 2300 + 2500 + 2000.
			step{6799, tick(), nil, Speaking, 1},
			step{6800, tick(), append(slices.Clone(complete), Metrics{Turn: 1, SpeechEndToTranscript: ms(400), TranscriptToFirstToken: ms(200),
				FirstTokenToFirstAudio: ms(500)}, sc(Speaking, Listening, 1)), Listening, 1},
		)},
		{"page stops reporting: grace runs from the last progress", append(askAndAnswer(),
			step{3000, played(1, 720), nil, Speaking, 1},
			step{5000, played(1, 700), nil, Speaking, 1},
			// Last progress at 2900 ms with 1780 ms left: 2900 + 1780 + 2000.
			step{6679, tick(), nil, Speaking, 1},
			step{6680, tick(), append(slices.Clone(complete), sc(Speaking, Listening, 1)), Listening, 1},
		)},
		{"grace runs from the last audio when it comes late", []step{
			{0, typed("hi"), []Action{sc(Listening, Thinking, 1), line(1, "hi", true), AddUser{1, "hi"}, StartResponse{1, "hi"}}, Thinking, 1},
			{100, delta(1, "Hello."), nil, Thinking, 1},
			{100, queued(1, "Hello."), nil, Thinking, 1},
			{200, audio(1, 300), []Action{sc(Thinking, Speaking, 1)}, Speaking, 1},
			{300, llmDone(1, "Hello."), nil, Speaking, 1},
			{4000, tick(), nil, Speaking, 1},
			{5000, segDone(1), nil, Speaking, 1},
			{7299, tick(), nil, Speaking, 1},
			{7300, tick(), []Action{ResponseComplete{1, "Hello."}, AddAssistant{1, "Hello."},
				Metrics{Turn: 1, TranscriptToFirstToken: ms(100), FirstTokenToFirstAudio: ms(100)}, sc(Speaking, Listening, 1)}, Listening, 1},
		}},
		{"interrupted before anything was played", append(askAndAnswer()[:12],
			step{2500, speechStart(), []Action{StartRecognition{2}}, Speaking, 1},
			step{3150, tick(), []Action{StopPlayback{1}, CancelResponse{1, ReasonInterrupted}, Interrupted{1, ""},
				Metrics{Turn: 1, SpeechEndToTranscript: ms(400), TranscriptToFirstToken: ms(200), FirstTokenToFirstAudio: ms(500), Interrupted: true},
				sc(Speaking, UserSpeaking, 2)}, UserSpeaking, 2},
		)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			play(t, New(Config{}), tt.steps)
		})
	}
}

func TestBargeInDuration(t *testing.T) {
	tests := []struct {
		name      string
		cfg       Config
		speech    int // ms between speech_start and speech_end boundaries
		interrupt bool
	}{
		{"noise burst", Config{}, 50, false},
		{"just short", Config{}, 249, false},
		{"just long enough", Config{}, 250, true},
		{"long", Config{}, 2000, true},
		{"longer minimum", Config{BargeInMinSpeech: ms(500)}, 400, false},
		{"longer minimum met", Config{BargeInMinSpeech: ms(500)}, 500, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(tt.cfg)
			play(t, m, askAndAnswer())
			if got := m.SpeechStart(at(3000)); !sameActions(got, []Action{StartRecognition{2}}) {
				t.Fatalf("SpeechStart: %s", showActions(got))
			}
			// The speech_end reaches the machine Hangover after the
			// boundary it carries, with ticks in between.
			end := 3000 + tt.speech
			var acts []Action
			for now := 3000; now < end+400; now += 50 {
				acts = append(acts, m.Tick(at(now))...)
			}
			acts = append(acts, m.SpeechEnd(at(end))...)
			stopped := slices.Contains(acts, Action(StopPlayback{1}))
			discarded := slices.Contains(acts, Action(FinishRecognition{Turn: 2, Discard: true}))
			if stopped != tt.interrupt || discarded == tt.interrupt {
				t.Fatalf("%d ms of speech: interrupted %v, discarded %v, want interrupted %v; actions:\n%s",
					tt.speech, stopped, discarded, tt.interrupt, showActions(acts))
			}
			want := Speaking
			if tt.interrupt {
				want = Thinking
			}
			if m.State() != want {
				t.Fatalf("state %v, want %v", m.State(), want)
			}
		})
	}
}

// TestHoldPlayback: with HoldPlayback, speech over the agent holds its
// playback at once; echo resumes it, a barge-in stops it for good.
func TestHoldPlayback(t *testing.T) {
	heard := "The weather"
	interrupt := []Action{StopPlayback{1}, CancelResponse{1, ReasonInterrupted}, Interrupted{1, heard}, AddAssistant{1, heard}}
	complete := []Action{ResponseComplete{1, answer}, AddAssistant{1, answer}}
	for _, tt := range []struct {
		name  string
		steps []step
	}{
		{"echo: held, then resumed", append(askAndAnswer(),
			step{3000, speechStart(), []Action{StartRecognition{2}, HoldPlayback{1}}, Speaking, 1},
			step{3249, speechEnd(), []Action{FinishRecognition{Turn: 2, Discard: true}, ResumePlayback{1}}, Speaking, 1},
			step{4050, played(1, 2460), append(complete, sc(Speaking, Listening, 1)), Listening, 1},
		)},
		{"barge-in: held, then stopped", append(askAndAnswer(),
			step{3000, speechStart(), []Action{StartRecognition{2}, HoldPlayback{1}}, Speaking, 1},
			step{3649, tick(), nil, Speaking, 1},
			step{3650, tick(), append(slices.Clone(interrupt), sc(Speaking, UserSpeaking, 2)), UserSpeaking, 2},
		)},
		{"speech while listening or thinking holds nothing", []step{
			{0, speechStart(), []Action{sc(Listening, UserSpeaking, 1), StartRecognition{1}}, UserSpeaking, 1},
			{900, speechEnd(), []Action{sc(UserSpeaking, Thinking, 1), FinishRecognition{Turn: 1}}, Thinking, 1},
			{1300, final(question), []Action{line(1, question, true), AddUser{1, question}, StartResponse{1, question}}, Thinking, 1},
			{1800, speechStart(), []Action{CancelResponse{1, ReasonResumed}, Metrics{Turn: 1, SpeechEndToTranscript: ms(400), Interrupted: true},
				sc(Thinking, UserSpeaking, 2), StartRecognition{2}}, UserSpeaking, 2},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			play(t, New(Config{HoldPlayback: true}), tt.steps)
		})
	}
}

// TestMetrics checks each latency against a scripted timeline: speech end
// at 1000 ms, then each stage's event at the times given.
func TestMetrics(t *testing.T) {
	tests := []struct {
		name                                  string
		typed                                 bool
		transcript, token, firstAudio, playAt int // ms; 0: never
		interrupt                             int // ms of a barge-in's speech_end; 0: none
		want                                  Metrics
	}{
		{"spoken, played", false, 1350, 1800, 2050, 2400, 0,
			Metrics{Turn: 1, SpeechEndToTranscript: ms(350), TranscriptToFirstToken: ms(450), FirstTokenToFirstAudio: ms(250),
				FirstAudioToPlayed: ms(350), SpeechEndToPlayed: ms(1400)}},
		{"typed, played", true, 1350, 1500, 1600, 1650, 0,
			Metrics{Turn: 1, TranscriptToFirstToken: ms(150), FirstTokenToFirstAudio: ms(100), FirstAudioToPlayed: ms(50)}},
		{"interrupted before the first token", false, 1200, 0, 0, 0, 1900,
			Metrics{Turn: 1, SpeechEndToTranscript: ms(200), Interrupted: true}},
		{"interrupted before playback", false, 1200, 1300, 1400, 0, 1900,
			Metrics{Turn: 1, SpeechEndToTranscript: ms(200), TranscriptToFirstToken: ms(100), FirstTokenToFirstAudio: ms(100), Interrupted: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(Config{})
			var acts []Action
			do := func(a []Action) { acts = append(acts, a...) }
			if tt.typed {
				do(m.TypedText("hello", at(tt.transcript)))
			} else {
				do(m.SpeechStart(at(0)))
				do(m.SpeechEnd(at(1000)))
				do(m.Final("hello", at(tt.transcript)))
			}
			if tt.token != 0 {
				do(m.LLMDelta(1, "Hi", at(tt.token)))
				do(m.SegmentQueued(1, "Hi there.", at(tt.token)))
			}
			if tt.firstAudio != 0 {
				do(m.SegmentAudio(1, 24000, at(tt.firstAudio)))
			}
			if tt.playAt != 0 {
				do(m.Playback(1, 0, at(tt.playAt-10)))
				do(m.Playback(1, 40, at(tt.playAt)))
				do(m.Playback(1, 80, at(tt.playAt+40)))
			}
			if tt.interrupt != 0 {
				do(m.SpeechStart(at(tt.interrupt - 600)))
				do(m.SpeechEnd(at(tt.interrupt)))
			}
			var got []Metrics
			for _, a := range acts {
				if mt, ok := a.(Metrics); ok {
					got = append(got, mt)
				}
			}
			if len(got) != 1 || got[0] != tt.want {
				t.Fatalf("metrics %+v, want exactly %+v", got, tt.want)
			}
		})
	}
}

func TestSilence(t *testing.T) {
	steps := []step{
		{0, tick(), nil, Listening, 0},
		{1000, tick(), nil, Listening, 0},
		{60000, tick(), nil, Listening, 0},
		{60001, speechEnd(), nil, Listening, 0},
		{60002, partial("hello"), nil, Listening, 0},
		{60003, final("hello"), nil, Listening, 0},
		{60004, delta(1, "hi"), nil, Listening, 0},
		{60005, llmDone(1, "hi"), nil, Listening, 0},
		{60006, queued(1, "hi"), nil, Listening, 0},
		{60007, audio(1, 100), nil, Listening, 0},
		{60008, segDone(1), nil, Listening, 0},
		{60009, played(1, 100), nil, Listening, 0},
		{3600000, tick(), nil, Listening, 0},
	}
	m := New(Config{})
	play(t, m, steps)
	if m.Turn() != 0 {
		t.Fatalf("turn %d after silence, want 0", m.Turn())
	}
}

// TestStaleTurns feeds the events of a cancelled answer after its successor
// has started: none may touch the new answer.
func TestStaleTurns(t *testing.T) {
	steps := []step{
		{0, typed("one"), []Action{sc(Listening, Thinking, 1), line(1, "one", true), AddUser{1, "one"}, StartResponse{1, "one"}}, Thinking, 1},
		{100, delta(1, "First"), nil, Thinking, 1},
		{150, queued(1, "First."), nil, Thinking, 1},
		{200, typed("two"), []Action{CancelResponse{1, ReasonSuperseded}, Metrics{Turn: 1, TranscriptToFirstToken: ms(100), Interrupted: true},
			line(2, "two", true), AddUser{2, "two"}, StartResponse{2, "one two"}}, Thinking, 2},
		{250, audio(1, 500), nil, Thinking, 2},
		{260, llmDone(1, "First."), nil, Thinking, 2},
		{270, segDone(1), nil, Thinking, 2},
		{280, played(1, 500), nil, Thinking, 2},
		{300, delta(2, "Second"), nil, Thinking, 2},
		{310, queued(2, "Second."), nil, Thinking, 2},
		{320, llmDone(2, "Second."), nil, Thinking, 2},
		{400, audio(2, 500), []Action{sc(Thinking, Speaking, 2)}, Speaking, 2},
		{410, segDone(2), nil, Speaking, 2},
		{420, played(1, 500), nil, Speaking, 2},
		{430, played(3, 500), nil, Speaking, 2},
		{500, played(2, 480), []Action{Metrics{Turn: 2, TranscriptToFirstToken: ms(100), FirstTokenToFirstAudio: ms(100), FirstAudioToPlayed: ms(100)},
			ResponseComplete{2, "Second."}, AddAssistant{2, "Second."}, sc(Speaking, Listening, 2)}, Listening, 2},
		{600, played(2, 500), nil, Listening, 2},
		{610, audio(2, 500), nil, Listening, 2},
	}
	play(t, New(Config{}), steps)
}

func TestConfig(t *testing.T) {
	def := Config{}.WithDefaults()
	want := Config{BargeInMinSpeech: DefaultBargeInMinSpeech, ResumeWindow: DefaultResumeWindow, Hangover: DefaultHangover,
		PlaybackTolerance: DefaultPlaybackTolerance, PlaybackGrace: DefaultPlaybackGrace, SampleRate: DefaultSampleRate}
	if def != want {
		t.Fatalf("defaults %+v, want %+v", def, want)
	}
	if neg := (Config{ResumeWindow: -1, SampleRate: -5}).WithDefaults(); neg != want {
		t.Fatalf("negative fields gave %+v, want the defaults", neg)
	}
	tests := []struct {
		cfg Config
		ok  bool
	}{
		{Config{}, true},
		{Config{BargeInMinSpeech: ms(100), Hangover: ms(200), SampleRate: 48000}, true},
		{Config{PlaybackGrace: 2 * maxConfigDuration}, false},
		{Config{SampleRate: 1 << 20}, false},
	}
	for _, tt := range tests {
		if err := tt.cfg.Validate(); (err == nil) != tt.ok {
			t.Errorf("Validate(%+v) = %v, want ok %v", tt.cfg, err, tt.ok)
		}
	}
}

func TestSampleRate(t *testing.T) {
	// At 48 kHz, 48000 samples are one second.
	m := New(Config{SampleRate: 48000})
	steps := []step{
		{0, typed("hi"), []Action{sc(Listening, Thinking, 1), line(1, "hi", true), AddUser{1, "hi"}, StartResponse{1, "hi"}}, Thinking, 1},
		{10, queued(1, "Hello there."), nil, Thinking, 1},
		{10, llmDone(1, "Hello there."), nil, Thinking, 1},
		{20, input{"SegmentAudio(1, 48000)", func(m *Machine, now time.Time) []Action { return m.SegmentAudio(1, 48000, now) }},
			[]Action{sc(Thinking, Speaking, 1)}, Speaking, 1},
		{30, segDone(1), nil, Speaking, 1},
		{900, played(1, 900), []Action{Metrics{Turn: 1, TranscriptToFirstToken: ms(10), FirstTokenToFirstAudio: ms(10), FirstAudioToPlayed: ms(880)}}, Speaking, 1},
		{1000, played(1, 950), []Action{ResponseComplete{1, "Hello there."}, AddAssistant{1, "Hello there."}, sc(Speaking, Listening, 1)}, Listening, 1},
	}
	play(t, m, steps)
}

func TestStrings(t *testing.T) {
	tests := []struct {
		s    fmt.Stringer
		want string
	}{
		{Listening, "listening"}, {UserSpeaking, "user_speaking"}, {Thinking, "thinking"}, {Speaking, "speaking"},
		{State(9), "State(9)"},
		{ReasonInterrupted, "interrupted"}, {ReasonResumed, "resumed"}, {ReasonSuperseded, "superseded"},
		{CancelReason(0), "CancelReason(0)"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

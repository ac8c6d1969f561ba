// Package turn owns the turn-taking logic of the voice agent: who speaks
// when, barge-in, what the user heard of an interrupted answer, and each
// turn's latencies. It is pure: no I/O, goroutines or clock. The session
// feeds a Machine its events (VAD, transcripts, language model, TTS, the
// page's playback reports, a periodic Tick), each with its time, and
// performs the Actions returned, in order. The Machine owns no history
// either: AddUser and AddAssistant tell the session what to append.
//
// # States
//
//	              speech_start
//	+-----------+ -------------------------> +---------------+
//	| listening |                            | user_speaking |
//	+-----------+                            +---------------+
//	  ^      ^                                ^    ^       |
//	  |      |                                |    |       | speech_end
//	  |      |                    barge-in    |    |       v
//	  |      |                    confirmed   |    |  +----------+
//	  |      |                                |    +--| thinking |  speech_start
//	  |      +--------------------------------|-------|          |  cancels the
//	  |        nothing recognised, or an      |       +----------+  answer
//	  |        answer without audio           |            |
//	  |                                       |            | first TTS audio
//	  |                                  +----------+      |
//	  +----------------------------------| speaking |<-----+
//	        answer played to its end     +----------+
//
// Typed text enters like a finished utterance: from listening to
// thinking, and from speaking to thinking as a barge-in.
//
// # Rules
//
//   - Turns. Every utterance and typed text takes the next turn number, and
//     an answer is numbered by the last input it answers, so a number is
//     never reused: events still in flight for a cancelled answer (a
//     language model delta, TTS audio, a playback report) carry its old
//     number and are ignored. Input that gets no answer of its own leaves
//     a gap in the numbers.
//   - Recognition. Every speech_start starts a recognition
//     (StartRecognition) and every speech_end finishes one
//     (FinishRecognition); each finished recognition gets exactly one
//     Final, and Finals are matched to recognitions in order, so a
//     transcript that comes late, after the user has started speaking
//     again, is still put in its place.
//   - Thinking. The answer starts (StartResponse) once the user has
//     stopped speaking and every pending input is transcribed. If none of
//     it holds words the machine returns to listening. Speech that starts
//     while thinking cancels the answer, which has not been heard: within
//     ResumeWindow of the last speech's end the user is taken to be
//     continuing, and the new words join the same transcript line
//     (EmitTranscript.Continues); later, they start a new line. Either way
//     the earlier text stays in the history, unanswered, and the next
//     answer answers all of it (llm.History merges consecutive user
//     messages). If the new speech holds no words, the earlier text is
//     answered again on its own.
//   - Speaking begins with the first TTS audio, not the first playback
//     report, because from the moment audio is sent to the page the
//     user may hear it, and its echo may reach the microphone.
//   - Barge-in. Speech while speaking must last BargeInMinSpeech to
//     interrupt. The Machine knows it has when BargeInMinSpeech+Hangover
//     has passed since the speech started with no speech_end (speech_end
//     comes Hangover after the speech stops), or when a speech_end says
//     so. Then: StopPlayback, CancelResponse, Interrupted with the heard
//     text, AddAssistant with it, and the speech becomes the user's turn.
//     Shorter speech is echo or noise: its recognition is finished with
//     Discard and the answer goes on. With Config.HoldPlayback the
//     speech's start also holds playback at once (HoldPlayback), and
//     echo or noise resumes it (ResumePlayback), so that a transport
//     that cannot be told "stop" by a page (a phone call) still falls
//     silent as soon as the user starts to speak. Recognition runs from the speech's
//     start either way, and its partial transcripts are withheld until
//     the barge-in is confirmed. If the answer ends first, the speech
//     simply becomes the user's turn. Typed text interrupts at once.
//   - Heard text. Of an interrupted answer the history keeps only what
//     was played, by the page's last report, in whole words (HeardText).
//   - End of an answer. It is over when the language model is done, TTS
//     has finished every segment, and the page reports it played to
//     within PlaybackTolerance of its end. A page that stops reporting is
//     assumed to have played it PlaybackGrace after it could have, at real
//     speed, from its last progress or from the last audio's arrival,
//     whichever is later. Then ResponseComplete and AddAssistant with the
//     whole answer.
//   - Metrics. Once per answer: speech end, transcript, first token, first
//     audio and first played, as seen by the Machine, emitted when the
//     first audio is reported played or, failing that, when the answer
//     ends.
package turn

package engine

// Controls says how an engine applies the engine-neutral prosody of a
// Voice and whether it reads IPA: what package tts documents, per engine,
// for SSML and the session's speed and pitch.
type Controls struct {
	// Rate, Pitch and Volume say what each becomes in the engine.
	Rate, Pitch, Volume string
	// PitchApplied is false for engines that ignore Voice.Pitch.
	PitchApplied bool
	// IPA is true for engines that speak a Piece's IPA (where they can:
	// see IPANote); the others speak its Text.
	IPA bool
	// IPANote says how, for the documentation.
	IPANote string
	// Languages says which languages the engine's voices speak.
	Languages string
}

// EngineControls describes each engine, in the order of the
// documentation's tables.
var EngineControls = []struct {
	Engine string
	Controls
}{
	{Flite, Controls{
		Rate: "duration stretch", Pitch: "F0 mean and spread", Volume: "gain",
		PitchApplied: true, Languages: "English; others: espeak-ng",
	}},
	{Espeak, Controls{
		Rate: "words per minute", Pitch: "base pitch", Volume: "amplitude, at most 2x",
		PitchApplied: true, Languages: "all ten",
		IPA: true, IPANote: "IPA as phonemes (English)",
	}},
	{Piper, Controls{
		Rate: "length_scale", Pitch: "not applied", Volume: "gain",
		IPA: true, IPANote: "IPA fed to the model", Languages: "a named voice: its own",
	}},
	{Kokoro, Controls{
		Rate: "speed", Pitch: "not applied", Volume: "gain",
		IPA: true, IPANote: "IPA fed to the model", Languages: "the segment's",
	}},
}

// ControlsOf returns an engine's Controls; an unknown engine reads no IPA
// and applies no pitch.
func ControlsOf(engine string) Controls {
	for _, e := range EngineControls {
		if e.Engine == engine {
			return e.Controls
		}
	}
	return Controls{}
}

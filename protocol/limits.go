package protocol

// Protocol limits that clients can rely on.
const (
	// MaxFrameBytes is the largest client frame the server accepts.
	MaxFrameBytes = 64 << 10
	// MaxBufferChars is the most text (in characters) a generation may hold
	// unspoken in the server's buffer.
	MaxBufferChars = 4096
	// MaxVoiceDescriptionChars bounds config.voice_description.
	MaxVoiceDescriptionChars = 500
	// SampleRate is the only output rate.
	SampleRate = 24000
	// Format is the only output sample format.
	Format = "pcm_s16le"
	// MaxPronunciationDictionaries is how many dictionaries a config or
	// request may name (extension).
	MaxPronunciationDictionaries = 3
	// MaxContexts is how many named contexts a socket may have open at
	// once (extension); the default context does not count.
	MaxContexts = 5
	// MaxContextIDChars bounds a context_id.
	MaxContextIDChars = 128
)

// Bounds of config.speed and config.pitch (extensions).
const (
	MinSpeed = 0.5
	MaxSpeed = 2.0
	MaxPitch = 12.0 // semitones either way
)

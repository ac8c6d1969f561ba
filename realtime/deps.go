package realtime

import (
	"context"

	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/pronounce"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/tts"
	"github.com/parley-voice/parley/voice"
)

// Principal is who a session acts for.
type Principal = auth.Principal

// Authenticator checks API keys. auth.ErrUnauthorized closes the session
// with 4002; any other error with 4005.
type Authenticator interface {
	Authenticate(ctx context.Context, apiKey string) (Principal, error)
}

// VoiceResolver turns a config's voice fields into a voice profile. An
// empty config means the server's default voice. A *protocol.Error (an
// unknown voice, say) is sent to the client as it is; any other error is
// logged and closes the session with 4005 and a generic message.
type VoiceResolver interface {
	ResolveConfig(ctx context.Context, p Principal, cfg protocol.Config) (voice.Profile, error)
}

// Accounting admits generations and charges what they speak.
type Accounting interface {
	// AllowGeneration is called when a generation starts; an error closes
	// the session with 4004.
	AllowGeneration(ctx context.Context, p Principal) error
	// Reserve sets characters of p's monthly quota aside; an
	// auth.ErrQuotaExceeded error closes the session with 4004. A
	// generation reserves each segment before speaking it, and charges it
	// once spoken.
	Reserve(ctx context.Context, p Principal, chars int64) (auth.Hold, error)
	// AcquireConn takes one of p's connection slots; an error closes the
	// session with 4004.
	AcquireConn(ctx context.Context, p Principal) (release func(), err error)
}

// Synthesizer prepares and speaks segments; *tts.Pipeline is the real one.
type Synthesizer interface {
	// Prepare resolves a segment's language, normalises its text and picks
	// its engine voice.
	Prepare(r tts.Request) tts.Segment
	// SpeakPrepared speaks seg into emit, counting seg.Samples. It
	// returns when the segment is spoken, on an error, or when ctx ends.
	SpeakPrepared(ctx context.Context, seg *tts.Segment, emit func(pcm []int16) error) error
}

// ConnLimiter admits connections before they get a session, per client
// address and per server; *limits.Limiter is the real one.
type ConnLimiter interface {
	// AcquireIPConn takes one of the address's connection slots; an error
	// closes the connection with 4004.
	AcquireIPConn(ctx context.Context, ip string) (release func(), err error)
	// AcquireServerSlot takes one of the server's connection slots; an
	// error closes the connection with 4006.
	AcquireServerSlot() (release func(), err error)
}

// Pronunciations compiles the pronunciation dictionaries a config names
// (extension). An error wrapping pronounce.ErrUnknown or
// pronounce.ErrInvalid closes the session with 4003 and its message; any
// other is logged and closes it with 4005.
type Pronunciations interface {
	Lexicon(ctx context.Context, p Principal, ids []string) (*pronounce.Lexicon, error)
}

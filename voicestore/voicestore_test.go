package voicestore

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/plan"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/store"
	"github.com/parley-voice/parley/voice"
)

func setup(t *testing.T) (*Store, auth.Principal, auth.Principal) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	secret, err := voice.LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	principal := func() auth.Principal {
		_, k, err := db.CreateKey(ctx, "k", "free")
		if err != nil {
			t.Fatal(err)
		}
		p, _ := plan.Lookup("free")
		return auth.Principal{KeyID: k.ID, AccountID: k.AccountID, Plan: p}
	}
	return &Store{DB: db, Secret: secret}, principal(), principal()
}

func TestResolve(t *testing.T) {
	ctx := context.Background()
	s, alice, bob := setup(t)
	v, err := s.CreateFromDescription(ctx, alice, "Deep", "a very deep man")
	if err != nil {
		t.Fatal(err)
	}
	designed := voice.Design("a very deep man")
	for _, c := range []struct {
		name string
		p    auth.Principal
		f    Fields
		want voice.Profile
		err  error
	}{
		{"nothing is the default", alice, Fields{}, voice.Default(), nil},
		{"description", alice, Fields{VoiceDescription: "a very deep man"}, designed, nil},
		{"saved id", alice, Fields{Voice: v.ID}, designed, nil},
		{"clone prompt", alice, Fields{VoiceClonePrompt: v.ClonePrompt}, designed, nil},
		{"another account's id", bob, Fields{Voice: v.ID}, voice.Profile{}, ErrUnknownVoice},
		{"another account's prompt", bob, Fields{VoiceClonePrompt: v.ClonePrompt}, voice.Profile{}, ErrInvalidPrompt},
		{"garbage prompt", alice, Fields{VoiceClonePrompt: "vcp1.x.y"}, voice.Profile{}, ErrInvalidPrompt},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.Resolve(ctx, c.p, c.f)
			if !errors.Is(err, c.err) {
				t.Fatalf("err %v, want %v", err, c.err)
			}
			if err == nil && (got.Gender != c.want.Gender || got.Pitch != c.want.Pitch || got.Rate != c.want.Rate || got.VoiceFor(protocol.English) != c.want.VoiceFor(protocol.English)) {
				t.Fatalf("profile %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestSavedVoiceLimitAndDelete(t *testing.T) {
	ctx := context.Background()
	s, alice, bob := setup(t)
	var ids []string
	for i := 0; i < alice.Plan.SavedVoices; i++ {
		v, err := s.CreateFromDescription(ctx, alice, "v", "a woman")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.ID)
	}
	if _, err := s.CreateFromDescription(ctx, alice, "v", "a woman"); !errors.Is(err, ErrVoiceLimit) {
		t.Fatalf("past the limit: %v", err)
	}
	if err := s.Delete(ctx, bob, ids[0]); !errors.Is(err, ErrUnknownVoice) {
		t.Fatalf("bob deletes alice's voice: %v", err)
	}
	if err := s.Delete(ctx, alice, ids[0]); err != nil {
		t.Fatal(err)
	}
	list, err := s.List(ctx, alice)
	if err != nil || len(list) != alice.Plan.SavedVoices-1 {
		t.Fatalf("list after delete: %d, %v", len(list), err)
	}
	for _, bad := range []string{"", "   ", string(make([]rune, MaxNameChars+1))} {
		if _, err := s.CreateFromDescription(ctx, alice, bad, "a man"); !errors.Is(err, ErrInvalid) {
			t.Errorf("name %q: %v", bad, err)
		}
	}
	if _, err := s.CreateFromDescription(ctx, alice, "x", " "); !errors.Is(err, ErrInvalid) {
		t.Errorf("blank description: %v", err)
	}
}

func TestMatchRejectsBadAudio(t *testing.T) {
	s, _, _ := setup(t)
	for _, wav := range [][]byte{nil, []byte("RIFF"), make([]byte, 100)} {
		if _, err := ParseReference(wav, ""); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseReference(%d bytes): %v", len(wav), err)
		}
	}
	silent := Reference{PCM: make([]int16, 3*16000), Rate: 16000}
	if _, err := s.Match(context.Background(), silent, protocol.English); !errors.Is(err, ErrInvalid) {
		t.Errorf("Match(silence): %v", err)
	}
}

// TestReferenceLimits checks that references beyond package voice's limits
// are refused before any analysis, and that an analysis whose context
// ends returns the context's error, not the audio's fault.
func TestReferenceLimits(t *testing.T) {
	tone := func(rate int, d time.Duration) []int16 {
		pcm := make([]int16, int(d.Seconds()*float64(rate)))
		for i := range pcm {
			pcm[i] = int16(8000 * math.Sin(2*math.Pi*150*float64(i)/float64(rate)))
		}
		return pcm
	}
	for _, tt := range []struct {
		name string
		wav  []byte
		text string
		want error
		msg  string
	}{
		{"1 kHz", audio.EncodeWAV(tone(1000, 2*time.Second), 1000), "", ErrInvalid, "1000 Hz"},
		{"96 kHz", audio.EncodeWAV(tone(96000, 2*time.Second), 96000), "", ErrInvalid, "96000 Hz"},
		{"61 s", audio.EncodeWAV(tone(8000, 61*time.Second), 8000), "", ErrTooLarge, "61.0 s of audio"},
		{"text too long", audio.EncodeWAV(tone(16000, 2*time.Second), 16000), strings.Repeat("a", 61), ErrInvalid, "ref_text"},
	} {
		if _, err := ParseReference(tt.wav, tt.text); !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: %v, want %v mentioning %q", tt.name, err, tt.want, tt.msg)
		}
	}
	ref, err := ParseReference(audio.EncodeWAV(tone(16000, 60*time.Second), 16000), strings.Repeat("a", 1800))
	if err != nil || ref.Rate != 16000 || len(ref.PCM) != 60*16000 {
		t.Fatalf("a minute at 16 kHz with 1,800 characters: %d samples at %d, %v", len(ref.PCM), ref.Rate, err)
	}
	s, _, _ := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Match(ctx, ref, protocol.English); !errors.Is(err, context.Canceled) || errors.Is(err, ErrInvalid) {
		t.Fatalf("cancelled match: %v, want context.Canceled", err)
	}
}

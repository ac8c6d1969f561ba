package llm

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// clock is Tuesday 4 March 2025, 15:10.
func clock() time.Time { return time.Date(2025, 3, 4, 15, 10, 0, 0, time.UTC) }

const (
	wantTime     = "It's ten past three in the afternoon."
	wantDate     = "Today is Tuesday, March the fourth, twenty twenty-five."
	wantDay      = "Today is Tuesday."
	wantIdentity = "I'm Parley's built-in offline responder, not a language model."
)

func TestOfflineReply(t *testing.T) {
	tests := []struct {
		in  string
		any []string // the answer is one of these
	}{
		{"What time is it?", []string{wantTime}},
		{"what time is it", []string{wantTime}},
		{"What's the time?", []string{wantTime}},
		{"whats the time", []string{wantTime}},
		{"tell me the time", []string{wantTime}},
		{"do you know what time it is", []string{wantTime}},
		{"time please", []string{wantTime}},
		{"hello what time is it now", []string{wantTime}},
		{"what is the date today", []string{wantDate}},
		{"What's today's date?", []string{wantDate}},
		{"whats the date", []string{wantDate}},
		{"what year is it", []string{wantDate}},
		{"what day is it", []string{wantDay}},
		{"what day is it today", []string{wantDay}},
		{"which day of the week is it", []string{wantDay}},
		{"what's your name", []string{"My name is Parley. " + wantIdentity}},
		{"who are you", []string{"My name is Parley. " + wantIdentity}},
		{"are you a robot", []string{wantIdentity + " I follow a few simple rules and reflect your words back to you."}},
		{"what can you do", []string{wantIdentity + " I can tell you the time, the date or the day of the week, and I'll listen to whatever you want to say. Connect a language model to have a real conversation."}},
		{"help", []string{wantIdentity + " I can tell you the time, the date or the day of the week, and I'll listen to whatever you want to say. Connect a language model to have a real conversation."}},
		{"hello", []string{"Hello! I'm Parley. Ask me the time or the date, or just talk to me.", "Hi there! What's on your mind?", "Hello! How can I help you today?"}},
		{"Good morning, Parley!", []string{"Hello! I'm Parley. Ask me the time or the date, or just talk to me.", "Hi there! What's on your mind?", "Hello! How can I help you today?"}},
		{"thank you", []string{"You're welcome.", "Any time.", "Glad to help."}},
		{"thanks so much", []string{"You're welcome.", "Any time.", "Glad to help."}},
		{"ok bye", []string{"Goodbye! Talk to you soon.", "Bye for now!", "See you later. Take care!"}},
		{"good night", []string{"Goodbye! Talk to you soon.", "Bye for now!", "See you later. Take care!"}},
		{"how are you", []string{"I'm fine, thanks for asking. Well, as fine as a simple program can be. How are you?"}},
		{"okay", []string{"Okay.", "Alright. What else is on your mind?", "I see."}},
		{"hi there, my name is ada lovelace", []string{"Nice to meet you, Ada Lovelace."}},
		{"", []string{"Sorry, I didn't catch that. Could you say it again?"}},
		{"?!", []string{"Sorry, I didn't catch that. Could you say it again?"}},
		{"I am tired", []string{"Why do you say you are tired?", "How long have you been tired?", "How does being tired make you feel?"}},
		{"I'm worried about my job", []string{"Why do you say you are worried about your job?", "How long have you been worried about your job?", "How does being worried about your job make you feel?"}},
		{"i feel sad about my brother", []string{"Why do you feel sad about your brother?", "How long have you felt sad about your brother?", "What makes you feel sad about your brother?"}},
		{"I want a new bike for myself", []string{"Why do you want a new bike for yourself?", "What would it mean to you to get a new bike for yourself?", "Suppose you got a new bike for yourself. What then?"}},
		{"i think you don't like me", []string{"Why do you think I don't like you?", "Do you really think so?", "What makes you think I don't like you?"}},
		{"My brother never listens to me.", []string{"You said your brother never listens to you. Tell me more.", "Why do you say your brother never listens to you?", "How does it feel to say your brother never listens to you?"}},
		{"you are annoying", []string{"You said I am annoying. Tell me more.", "Why do you say I am annoying?", "How does it feel to say I am annoying?"}},
		{"I want you to be quiet", []string{"Why do you want me to be quiet?", "What would it mean to you to get me to be quiet?", "Suppose you got me to be quiet. What then?"}},
		{"I love you", []string{"You said you love me. Tell me more.", "Why do you say you love me?", "How does it feel to say you love me?"}},
	}
	o := NewOffline("", clock)
	for _, tt := range tests {
		got := o.Reply(tt.in)
		if !slices.Contains(tt.any, got) {
			t.Errorf("Reply(%q) = %q, want one of %q", tt.in, got, tt.any)
		}
		if again := o.Reply(tt.in); again != got {
			t.Errorf("Reply(%q) not deterministic: %q then %q", tt.in, got, again)
		}
	}
}

// TestOfflineHonestAboutQuestions: questions it cannot answer get an
// admission, never an invented answer.
func TestOfflineHonestAboutQuestions(t *testing.T) {
	o := NewOffline("", clock)
	for _, q := range []string{"what is the capital of france", "Why is the sky blue?", "can you book me a flight", "tell me about black holes"} {
		if got := o.Reply(q); !strings.Contains(got, "not a language model") {
			t.Errorf("Reply(%q) = %q, want an admission", q, got)
		}
	}
}

func TestOfflineName(t *testing.T) {
	o := NewOffline("Ada", clock)
	if got, want := o.Reply("what is your name"), "My name is Ada. I'm Ada, Parley's built-in offline responder, not a language model."; got != want {
		t.Errorf("name: %q, want %q", got, want)
	}
	if o.Name() != "offline" {
		t.Errorf("Name() = %q", o.Name())
	}
}

// TestOfflineVaries checks the templates really vary across utterances.
func TestOfflineVaries(t *testing.T) {
	o := NewOffline("", clock)
	seen := map[string]bool{}
	for _, s := range []string{"my cat is ill", "my car broke down", "the weather is nice", "my sister visited", "the bus was late", "my tea is cold"} {
		ans := o.Reply(s)
		seen[strings.SplitN(ans, " ", 2)[0]] = true
	}
	if len(seen) < 2 {
		t.Errorf("six statements all got the same template: %v", seen)
	}
}

func TestWords(t *testing.T) {
	tests := map[string]string{
		"What's the time?":     "what is the time",
		"I’m here, you're not": "i am here you are not",
		"WHATS  today's DATE":  "what is today date",
		"don't 'quote' me":     "don't quote me",
		"It's 3:10!":           "it is 3 10",
	}
	for in, want := range tests {
		if got := strings.Join(words(in), " "); got != want {
			t.Errorf("words(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOfflineStream(t *testing.T) {
	o := NewOffline("", clock, WithTokenDelay(0))
	msgs := []Message{
		{Role: RoleSystem, Content: "ignored"},
		{Role: RoleUser, Content: "hello"},
		{Role: RoleAssistant, Content: "Hi!"},
		{Role: RoleUser, Content: "what time is it"},
	}
	var deltas []string
	text, err := o.Stream(t.Context(), msgs, func(d string) error {
		deltas = append(deltas, d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if text != wantTime || strings.Join(deltas, "") != wantTime {
		t.Errorf("text %q, deltas %q; want %q", text, deltas, wantTime)
	}
	if len(deltas) != len(strings.Fields(wantTime)) {
		t.Errorf("%d deltas, want one per word: %q", len(deltas), deltas)
	}
	for _, d := range deltas[1:] {
		if !strings.HasPrefix(d, " ") {
			t.Errorf("delta %q lacks its leading space", d)
		}
	}
}

func TestOfflineStreamPaces(t *testing.T) {
	const delay = 5 * time.Millisecond
	o := NewOffline("", clock, WithTokenDelay(delay))
	start := time.Now()
	text, err := o.Stream(t.Context(), []Message{{Role: RoleUser, Content: "what time is it"}}, nil)
	if err != nil || text != wantTime {
		t.Fatalf("text %q, err %v", text, err)
	}
	if min := time.Duration(len(strings.Fields(wantTime))-1) * delay; time.Since(start) < min {
		t.Errorf("streamed in %v, want at least %v", time.Since(start), min)
	}
}

func TestOfflineStreamStops(t *testing.T) {
	msgs := []Message{{Role: RoleUser, Content: "what time is it"}}
	t.Run("cancel", func(t *testing.T) {
		o := NewOffline("", clock, WithTokenDelay(time.Second))
		ctx, cancel := context.WithCancel(t.Context())
		start := time.Now()
		text, err := o.Stream(ctx, msgs, func(string) error { cancel(); return nil })
		if err != context.Canceled {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if text != "It's" {
			t.Errorf("text = %q, want the first word", text)
		}
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Errorf("returned after %v", d)
		}
	})
	t.Run("callback error", func(t *testing.T) {
		o := NewOffline("", clock, WithTokenDelay(0))
		stop := errors.New("stop")
		n := 0
		text, err := o.Stream(t.Context(), msgs, func(string) error {
			if n++; n == 2 {
				return stop
			}
			return nil
		})
		if err != stop || text != "It's ten" {
			t.Errorf("text %q, err %v", text, err)
		}
	})
	t.Run("no messages", func(t *testing.T) {
		if _, err := NewOffline("", clock).Stream(t.Context(), nil, nil); err != ErrNoMessages {
			t.Errorf("err = %v", err)
		}
	})
}

func TestTokens(t *testing.T) {
	for _, s := range []string{"a", "It's ten past three.", "one  two", " lead"} {
		toks := tokens(s)
		if strings.Join(toks, "") != s {
			t.Errorf("tokens(%q) = %q do not rebuild it", s, toks)
		}
	}
}

package llm

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// turns renders messages compactly: "s:prompt u:hi a:hello".
func turns(msgs []Message) string {
	var parts []string
	for _, m := range msgs {
		parts = append(parts, m.Role[:1]+":"+m.Content)
	}
	return strings.Join(parts, " ")
}

func TestHistory(t *testing.T) {
	type op struct {
		kind string // user, assistant, truncate
		text string
	}
	tests := []struct {
		name string
		cfg  HistoryConfig
		ops  []op
		want string
	}{
		{
			"system prompt first",
			HistoryConfig{System: "prompt"},
			[]op{{"user", "hi"}, {"assistant", "hello"}},
			"s:prompt u:hi a:hello",
		},
		{
			"blank messages ignored, text trimmed",
			HistoryConfig{},
			[]op{{"user", "  hi \n"}, {"assistant", " "}, {"user", ""}},
			"u:hi",
		},
		{
			"same role merged",
			HistoryConfig{},
			[]op{{"user", "hello"}, {"user", "what time is it"}, {"assistant", "It's noon."}, {"assistant", "Anything else?"}},
			"u:hello what time is it a:It's noon. Anything else?",
		},
		{
			"message bound drops oldest",
			HistoryConfig{System: "p", MaxMessages: 4},
			[]op{{"user", "1"}, {"assistant", "2"}, {"user", "3"}, {"assistant", "4"}, {"user", "5"}, {"assistant", "6"}},
			"s:p u:3 a:4 u:5 a:6",
		},
		{
			"never starts with the assistant",
			HistoryConfig{MaxMessages: 3},
			[]op{{"user", "1"}, {"assistant", "2"}, {"user", "3"}, {"assistant", "4"}},
			"u:3 a:4",
		},
		{
			"character bound",
			HistoryConfig{MaxChars: 12},
			[]op{{"user", "aaaa"}, {"assistant", "bbbb"}, {"user", "cccc"}, {"assistant", "dddd"}},
			"u:cccc a:dddd",
		},
		{
			"character bound counts runes",
			HistoryConfig{MaxChars: 6},
			[]op{{"user", "ééé"}, {"assistant", "ççç"}},
			"u:ééé a:ççç",
		},
		{
			"newest message kept even over the budget",
			HistoryConfig{MaxChars: 5},
			[]op{{"user", "hi"}, {"assistant", "a very long answer"}},
			"a:a very long answer",
		},
		{
			"barge-in keeps what was heard",
			HistoryConfig{System: "p"},
			[]op{{"user", "tell me a story"}, {"assistant", "Once upon a time there was a fox who"}, {"truncate", " Once upon a time "}},
			"s:p u:tell me a story a:Once upon a time",
		},
		{
			"barge-in before any audio removes the answer",
			HistoryConfig{},
			[]op{{"user", "hi"}, {"assistant", "Hello there"}, {"truncate", ""}},
			"u:hi",
		},
		{
			"removing an answer merges the users around it",
			HistoryConfig{},
			[]op{{"user", "hi"}, {"assistant", "Hello there"}, {"user", "stop"}, {"truncate", ""}},
			"u:hi stop",
		},
		{
			"truncation reaches the last assistant message past a user one",
			HistoryConfig{},
			[]op{{"user", "a"}, {"assistant", "one two three"}, {"user", "wait"}, {"truncate", "one"}},
			"u:a a:one u:wait",
		},
		{
			"truncation without an answer does nothing",
			HistoryConfig{},
			[]op{{"user", "hi"}, {"truncate", "x"}},
			"u:hi",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHistory(tt.cfg)
			for _, o := range tt.ops {
				switch o.kind {
				case "user":
					h.AddUser(o.text)
				case "assistant":
					h.AddAssistant(o.text)
				case "truncate":
					h.TruncateLastAssistant(o.text)
				}
			}
			if got := turns(h.Messages()); got != tt.want {
				t.Errorf("history = %q, want %q", got, tt.want)
			}
			want := strings.Count(tt.want, ":")
			if tt.cfg.System != "" {
				want--
			}
			if h.Len() != want {
				t.Errorf("Len = %d, want %d", h.Len(), want)
			}
			checkCharCount(t, h)
		})
	}
}

// checkCharCount compares the running character count with a recount.
func checkCharCount(t *testing.T, h *History) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.turns {
		n += utf8.RuneCountInString(m.Content)
	}
	if n != h.chars {
		t.Errorf("running count %d, actual %d", h.chars, n)
	}
}

func TestHistoryTruncateReports(t *testing.T) {
	h := NewHistory(HistoryConfig{})
	if h.TruncateLastAssistant("x") {
		t.Error("truncated an empty history")
	}
	h.AddUser("hi")
	h.AddAssistant("hello")
	if !h.TruncateLastAssistant("hel") {
		t.Error("did not report the truncation")
	}
}

func TestHistoryMessagesIsACopy(t *testing.T) {
	h := NewHistory(HistoryConfig{System: "p"})
	h.AddUser("hi")
	msgs := h.Messages()
	msgs[1].Content = "changed"
	if got := h.Messages()[1].Content; got != "hi" {
		t.Errorf("history changed through the copy: %q", got)
	}
	h.Reset()
	if got := turns(h.Messages()); got != "s:p" {
		t.Errorf("after Reset: %q", got)
	}
}

// TestHistoryConcurrent hammers a History from several goroutines; the
// race detector checks the locking and the end state must still keep the
// history's invariants.
func TestHistoryConcurrent(t *testing.T) {
	h := NewHistory(HistoryConfig{System: "p", MaxMessages: 6, MaxChars: 200})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				switch (g + i) % 4 {
				case 0:
					h.AddUser(fmt.Sprintf("user %d %d", g, i))
				case 1:
					h.AddAssistant(fmt.Sprintf("answer %d %d", g, i))
				case 2:
					h.TruncateLastAssistant(fmt.Sprint(i))
				case 3:
					if msgs := h.Messages(); msgs[0].Role != RoleSystem {
						t.Errorf("first message %+v", msgs[0])
					}
				}
			}
		})
	}
	wg.Wait()
	msgs := h.Messages()[1:]
	if len(msgs) > 6 {
		t.Errorf("%d messages kept, bound is 6", len(msgs))
	}
	for i, m := range msgs {
		if i > 0 && m.Role == msgs[i-1].Role {
			t.Errorf("roles do not alternate: %s", turns(msgs))
		}
	}
	if len(msgs) > 1 && msgs[0].Role != RoleUser {
		t.Errorf("starts with %s", msgs[0].Role)
	}
	checkCharCount(t, h)
}

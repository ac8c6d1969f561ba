package llm

import (
	"strings"
	"sync"
	"unicode/utf8"
)

// Defaults for HistoryConfig.
const (
	DefaultHistoryMessages = 20
	DefaultHistoryChars    = 8000
)

// HistoryConfig bounds a History. Zero or negative limits take the
// defaults.
type HistoryConfig struct {
	// System is the system prompt, sent first and never dropped.
	System string
	// MaxMessages bounds the user and assistant messages kept.
	MaxMessages int
	// MaxChars bounds the characters (runes) of the user and assistant
	// messages kept, so that a long session keeps its prompt small and
	// time to first token low.
	MaxChars int
}

// History is one session's conversation: a system prompt and the turns
// after it, with the oldest turns dropped past the configured bounds. It
// keeps user and assistant messages alternating, as some chat templates
// (Mistral's, Llama 2's) demand: a message added after one with the same
// role is merged into it. It is safe for concurrent use.
type History struct {
	system      string
	maxMessages int
	maxChars    int

	mu    sync.Mutex
	turns []Message
	chars int
}

// NewHistory returns an empty conversation.
func NewHistory(cfg HistoryConfig) *History {
	h := &History{system: cfg.System, maxMessages: cfg.MaxMessages, maxChars: cfg.MaxChars}
	if h.maxMessages <= 0 {
		h.maxMessages = DefaultHistoryMessages
	}
	if h.maxChars <= 0 {
		h.maxChars = DefaultHistoryChars
	}
	return h
}

// AddUser records what the user said. Blank text is ignored.
func (h *History) AddUser(text string) { h.add(RoleUser, text) }

// AddAssistant records the agent's answer. Blank text is ignored.
func (h *History) AddAssistant(text string) { h.add(RoleAssistant, text) }

func (h *History) add(role, text string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := len(h.turns); n > 0 && h.turns[n-1].Role == role {
		h.turns[n-1].Content += " " + text
		h.chars += 1 + utf8.RuneCountInString(text)
	} else {
		h.turns = append(h.turns, Message{Role: role, Content: text})
		h.chars += utf8.RuneCountInString(text)
	}
	h.trim()
}

// TruncateLastAssistant replaces the most recent assistant message with
// heard, the part of it the user actually heard before interrupting, so
// that the model does not believe it said what was never played. An empty
// heard removes the message. It reports whether there was an assistant
// message to truncate.
func (h *History) TruncateLastAssistant(heard string) bool {
	heard = strings.TrimSpace(heard)
	h.mu.Lock()
	defer h.mu.Unlock()
	i := len(h.turns) - 1
	for i >= 0 && h.turns[i].Role != RoleAssistant {
		i--
	}
	if i < 0 {
		return false
	}
	h.chars -= utf8.RuneCountInString(h.turns[i].Content)
	if heard != "" {
		h.turns[i].Content = heard
		h.chars += utf8.RuneCountInString(heard)
	} else {
		h.turns = append(h.turns[:i], h.turns[i+1:]...)
		// Removing it may leave two user messages side by side.
		if i > 0 && i < len(h.turns) && h.turns[i-1].Role == h.turns[i].Role {
			h.turns[i-1].Content += " " + h.turns[i].Content
			h.turns = append(h.turns[:i], h.turns[i+1:]...)
			h.chars++
		}
	}
	h.trim()
	return true
}

// trim drops the oldest turns past the bounds, always keeping the newest
// message, and never leaves an assistant message first: a conversation
// that opens with the model's answer to a forgotten question confuses
// models and breaks strict templates.
func (h *History) trim() {
	drop := 0
	chars := h.chars
	n := len(h.turns)
	for n-drop > 1 && (n-drop > h.maxMessages || chars > h.maxChars) {
		chars -= utf8.RuneCountInString(h.turns[drop].Content)
		drop++
	}
	for n-drop > 1 && h.turns[drop].Role == RoleAssistant {
		chars -= utf8.RuneCountInString(h.turns[drop].Content)
		drop++
	}
	if drop > 0 {
		h.turns = append(h.turns[:0], h.turns[drop:]...)
		h.chars = chars
	}
}

// Messages returns a copy of the conversation to send to a model: the
// system prompt, if any, then the turns.
func (h *History) Messages() []Message {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Message, 0, len(h.turns)+1)
	if h.system != "" {
		out = append(out, Message{Role: RoleSystem, Content: h.system})
	}
	return append(out, h.turns...)
}

// Len returns the number of user and assistant messages kept.
func (h *History) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.turns)
}

// Reset forgets every turn, keeping the system prompt.
func (h *History) Reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.turns = nil
	h.chars = 0
}

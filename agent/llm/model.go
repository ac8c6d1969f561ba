package llm

import "context"

// Roles of a Message, as the chat completions API spells them.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one turn of a conversation.
type Message struct {
	Role    string `json:"role"` // RoleSystem, RoleUser or RoleAssistant
	Content string `json:"content"`
}

// Model answers a conversation, streaming the answer as it is produced so
// that speech can start before the answer is complete.
type Model interface {
	// Stream sends the conversation and calls onDelta with each piece of
	// the answer as it arrives. It returns the full answer: the
	// concatenation of every delta passed to onDelta. If ctx is cancelled
	// it stops promptly and returns ctx.Err() with what was received so
	// far; if onDelta returns an error, Stream stops and returns it.
	Stream(ctx context.Context, msgs []Message, onDelta func(delta string) error) (string, error)
	// Name identifies the model in logs, metrics and the agent page.
	Name() string
}

// validateMessages rejects conversations no server would accept, before a
// request is spent on them.
func validateMessages(msgs []Message) error {
	if len(msgs) == 0 {
		return ErrNoMessages
	}
	for i, m := range msgs {
		switch m.Role {
		case RoleSystem, RoleUser, RoleAssistant:
		default:
			return &MessageError{Index: i, Role: m.Role}
		}
	}
	return nil
}

package llm

import (
	"context"
	"hash/fnv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DefaultTokenDelay is the offline responder's pause between words: about
// the pace of a fast hosted model, so the speech path downstream sees the
// same streaming it will see with a real one.
const DefaultTokenDelay = 20 * time.Millisecond

// maxEcho is the longest utterance the responder reflects back word for
// word; repeating a long ramble sounds mechanical even for ELIZA.
const maxEcho = 20

// Offline is Parley's built-in responder for when no language model is
// configured. It is not a language model and says so: it tells the time,
// the date and the day, answers greetings, thanks and goodbyes, explains
// what it is, and otherwise reflects the user's words back in the manner
// of ELIZA. Its choices are deterministic: the same words get the same
// answer. It is safe for concurrent use.
type Offline struct {
	name  string
	now   func() time.Time
	delay time.Duration
}

// OfflineOption adjusts an Offline responder.
type OfflineOption func(*Offline)

// WithTokenDelay sets the pause between streamed words (DefaultTokenDelay
// otherwise); zero streams as fast as onDelta accepts.
func WithTokenDelay(d time.Duration) OfflineOption {
	return func(o *Offline) { o.delay = max(d, 0) }
}

// NewOffline returns the offline responder. name is what it calls itself
// ("Parley" if empty); now is its clock, in the zone whose time it should
// tell (time.Now if nil).
func NewOffline(name string, now func() time.Time, opts ...OfflineOption) *Offline {
	if strings.TrimSpace(name) == "" {
		name = "Parley"
	}
	if now == nil {
		now = time.Now
	}
	o := &Offline{name: strings.TrimSpace(name), now: now, delay: DefaultTokenDelay}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// Name returns "offline", so logs and the agent page show that no model
// answered.
func (o *Offline) Name() string { return "offline" }

// Stream implements Model: it answers the last user message, word by word.
func (o *Offline) Stream(ctx context.Context, msgs []Message, onDelta func(string) error) (string, error) {
	if err := validateMessages(msgs); err != nil {
		return "", err
	}
	var last string
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == RoleUser {
			last = msgs[i].Content
			break
		}
	}
	var sent strings.Builder
	var timer *time.Timer
	for i, tok := range tokens(o.Reply(last)) {
		if i > 0 && o.delay > 0 {
			if timer == nil {
				timer = time.NewTimer(o.delay)
				defer timer.Stop()
			} else {
				timer.Reset(o.delay)
			}
			select {
			case <-ctx.Done():
				return sent.String(), ctx.Err()
			case <-timer.C:
			}
		}
		if err := ctx.Err(); err != nil {
			return sent.String(), err
		}
		sent.WriteString(tok)
		if onDelta != nil {
			if err := onDelta(tok); err != nil {
				return sent.String(), err
			}
		}
	}
	return sent.String(), nil
}

// tokens splits an answer into words, each after the first carrying its
// leading space, as a model's tokens do.
func tokens(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexByte(s[1:], ' ')
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

// Reply returns the responder's whole answer to one utterance.
func (o *Offline) Reply(text string) string {
	u := newUtterance(text)
	if len(u.words) == 0 {
		return "Sorry, I didn't catch that. Could you say it again?"
	}
	now := o.now()
	switch {
	case asksDate(u):
		return spokenDate(now)
	case asksDay(u):
		return spokenWeekday(now)
	case asksTime(u):
		return spokenTime(now)
	case u.has("your name", "who are you", "what are you called", "what should i call you",
		"what do i call you", "what can i call you", "what do they call you"):
		return "My name is " + o.name + ". " + o.identity()
	case asksIdentity(u):
		return o.identity() + " I follow a few simple rules and reflect your words back to you."
	case asksHelp(u):
		return o.identity() + " I can tell you the time, the date or the day of the week, and I'll listen to whatever you want to say. Connect a language model to have a real conversation."
	case isGoodbye(u):
		return pick(u, "Goodbye! Talk to you soon.", "Bye for now!", "See you later. Take care!")
	case u.has("thank you", "thanks", "thank", "thx", "cheers", "appreciate it"):
		return pick(u, "You're welcome.", "Any time.", "Glad to help.")
	case u.has("how are you", "how are you doing", "how is it going", "how are things",
		"how do you do", "how have you been", "what is up"):
		return "I'm fine, thanks for asking. Well, as fine as a simple program can be. How are you?"
	case u.has("tell me a joke", "know any jokes", "a joke", "something funny"):
		return pick(u,
			"Why did the scarecrow win an award? Because he was outstanding in his field.",
			"I told my computer a joke about the time. It didn't get it, but I always do.",
			"What do you call a fake noodle? An impasta.")
	}
	if rest, ok := stripGreeting(u); ok {
		if len(rest.words) == 0 {
			return pick(u,
				"Hello! I'm "+o.name+". Ask me the time or the date, or just talk to me.",
				"Hi there! What's on your mind?",
				"Hello! How can I help you today?")
		}
		u = rest
	}
	if isAcknowledgement(u) {
		return pick(u, "Okay.", "Alright. What else is on your mind?", "I see.")
	}
	if u.startsWith("my name is") && len(u.words) > 3 {
		return "Nice to meet you, " + titleCase(u.words[3:]) + "."
	}
	if isQuestion(u) {
		return pick(u,
			"I'm sorry, I can't answer that. "+o.identity()+" I only know the time and the date.",
			"That's beyond me, I'm afraid. "+o.identity()+" Try asking me the time or the date.",
			"Good question, but I can't look anything up. "+o.identity())
	}
	return reflect(u)
}

// identity is the responder's honest account of itself.
func (o *Offline) identity() string {
	if o.name == "Parley" {
		return "I'm Parley's built-in offline responder, not a language model."
	}
	return "I'm " + o.name + ", Parley's built-in offline responder, not a language model."
}

// asksDate matches "what is the date (today)", "what's today's date",
// "what year is it", "what day of the month is it".
func asksDate(u utterance) bool {
	if u.has("date") && (len(u.words) <= 2 || u.has("what", "tell", "know", "today", "current", "give", "say", "please")) {
		return true
	}
	return u.has("what is today", "day of the month", "what year", "which year", "what month", "which month")
}

// asksDay matches "what day is it (today)", "which day of the week".
func asksDay(u utterance) bool {
	return u.has("what day", "which day", "day is it", "day is today", "day of the week", "day today")
}

// asksTime matches "what time is it", "what's the time", "tell me the
// time", and the fragments recognisers leave of them ("what time", "time
// is it", "the time please").
func asksTime(u utterance) bool {
	if u.has("what time", "time is it", "time it is", "current time", "what hour", "do you have the time", "time now") {
		return true
	}
	if u.has("the time") && u.has("what", "tell", "know", "got", "give", "say", "check", "now", "please", "is") {
		return true
	}
	return u.has("time") && len(u.words) <= 2
}

var identityWords = []string{
	"robot", "bot", "ai", "a i", "human", "person", "computer", "machine", "program",
	"chatbot", "real", "alive", "chatgpt", "gpt", "model", "intelligent", "conscious",
	"sentient", "artificial",
}

func asksIdentity(u utterance) bool {
	return u.has("what are you", "what is this") || (u.has("are you") && u.has(identityWords...))
}

func asksHelp(u utterance) bool {
	return u.text() == "help" || u.has("help me", "can you help", "help please", "what can you", "what do you do", "what can i ask", "what can i say",
		"what are you capable", "capabilities", "what else can", "what are you able", "how does this work")
}

func isGoodbye(u utterance) bool {
	return u.has("bye", "goodbye", "good bye", "goodnight", "good night", "farewell", "see you",
		"talk to you later", "that is all", "i have to go", "i got to go", "i need to go")
}

var greetings = map[string]bool{
	"hello": true, "hi": true, "hey": true, "hiya": true, "howdy": true, "greetings": true,
	"yo": true, "hallo": true, "hullo": true, "heya": true,
}

// stripGreeting removes a leading greeting ("hello", "hi there", "good
// morning parley") and reports whether there was one.
func stripGreeting(u utterance) (utterance, bool) {
	ws := u.words
	switch {
	case greetings[ws[0]]:
		ws = ws[1:]
	case len(ws) >= 2 && ws[0] == "good" && (ws[1] == "morning" || ws[1] == "afternoon" || ws[1] == "evening" || ws[1] == "day"):
		ws = ws[2:]
	default:
		return u, false
	}
	for len(ws) > 0 && (ws[0] == "there" || ws[0] == "parley" || ws[0] == "everyone") {
		ws = ws[1:]
	}
	return utterance{words: ws, padded: " " + strings.Join(ws, " ") + " "}, true
}

var acknowledgements = map[string]bool{
	"yes": true, "yeah": true, "yep": true, "no": true, "nope": true, "ok": true, "okay": true,
	"sure": true, "alright": true, "right": true, "cool": true, "great": true, "nice": true,
	"fine": true, "good": true, "hmm": true, "uh": true, "um": true, "oh": true, "wow": true,
	"huh": true, "so": true, "well": true,
}

// isAcknowledgement reports whether the utterance is only a short reply
// like "okay" or "yeah sure", which reflecting would make absurd.
func isAcknowledgement(u utterance) bool {
	if len(u.words) > 3 {
		return false
	}
	for _, w := range u.words {
		if !acknowledgements[w] {
			return false
		}
	}
	return true
}

var questionStarts = map[string]bool{
	"what": true, "who": true, "where": true, "when": true, "why": true, "how": true,
	"which": true, "whose": true, "can": true, "could": true, "would": true, "will": true,
	"do": true, "does": true, "did": true, "is": true, "are": true, "was": true,
	"were": true, "should": true, "shall": true, "tell": true, "explain": true,
	"describe": true, "define": true,
}

func isQuestion(u utterance) bool {
	return questionStarts[u.words[0]]
}

// reflect answers a statement ELIZA-style, turning the user's words back
// on them with the pronouns swapped.
func reflect(u utterance) string {
	ws := u.words
	if len(ws) > maxEcho {
		return pick(u, "I see. Please go on.", "Tell me more about that.", "Go on, I'm listening.")
	}
	rest := func(n int) string { return reflectWords(ws, n) }
	switch {
	case (u.startsWith("i feel") && len(ws) > 2) || (u.startsWith("i am feeling") && len(ws) > 3):
		x := rest(2)
		if ws[1] == "am" {
			x = rest(3)
		}
		return pick(u, "Why do you feel "+x+"?", "How long have you felt "+x+"?", "What makes you feel "+x+"?")
	case u.startsWith("i am") && len(ws) > 2:
		x := rest(2)
		return pick(u, "Why do you say you are "+x+"?", "How long have you been "+x+"?", "How does being "+x+" make you feel?")
	case (u.startsWith("i want") || u.startsWith("i need")) && len(ws) > 2:
		x := rest(2)
		return pick(u, "Why do you "+ws[1]+" "+x+"?", "What would it mean to you to get "+x+"?", "Suppose you got "+x+". What then?")
	case u.startsWith("i think") && len(ws) > 2:
		x := rest(2)
		return pick(u, "Why do you think "+x+"?", "Do you really think so?", "What makes you think "+x+"?")
	case u.startsWith("because"):
		return pick(u, "Is that the real reason?", "What other reasons come to mind?", "Does that reason explain anything else?")
	}
	r := rest(0)
	return pick(u, "You said "+r+". Tell me more.", "Why do you say "+r+"?", "How does it feel to say "+r+"?")
}

// pick chooses one of the answers by the utterance, so the same words
// always get the same answer while different ones vary.
func pick(u utterance, answers ...string) string {
	h := fnv.New32a()
	h.Write([]byte(u.text()))
	return answers[h.Sum32()%uint32(len(answers))]
}

// titleCase capitalises each word of a name.
func titleCase(ws []string) string {
	out := make([]string, len(ws))
	for i, w := range ws {
		r, n := utf8.DecodeRuneInString(w)
		out[i] = string(unicode.ToUpper(r)) + w[n:]
	}
	return strings.Join(out, " ")
}

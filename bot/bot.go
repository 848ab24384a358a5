// Package bot is peermatch's platform-free conversation core: the message and
// reply types every front end translates to and from, the handler chain with
// crisis screening first, the intake state machine and the small interfaces
// it needs from the matcher, the crisis screener and the session store.
// It never does network I/O and imports no chat SDK.
package bot

import (
	"context"
	"time"

	"github.com/peermatch/peermatch/data"
)

// Message is one inbound message, already translated from platform types.
type Message struct {
	Platform string      // "telegram", "discord", "console"
	ChatID   string      // where to answer
	UserID   string      // who wrote; hashed before it reaches a log or the store
	Text     string      // typed words, or the ID of a tapped Choice
	Location *data.Point // when the user shared a location
	Locale   string      // Telegram language_code / Discord locale, if known
	Private  bool        // a direct chat, not a group or server channel
	Link     string      // a link to the message or conversation, for moderator alerts
	// Edited marks an earlier message the person changed: it is screened
	// for crisis signals like any other, but not answered otherwise (the
	// conversation has moved on).
	Edited bool
	Sent   time.Time
	// Command is set by a front end whose platform delivers commands as
	// such (a Discord slash command); Text then holds only the person's
	// words (the argument), which are screened like any message. Typed
	// "/find x" may leave it nil: the core reads Text with ParseCommand.
	Command *Command
}

// Reply is one outbound message. Text is plain text: front ends must not
// interpret it as Markdown or HTML, since it may quote directory data.
type Reply struct {
	Text    string
	Choices []Choice    // buttons; a numbered list where a platform has none
	Urgent  bool        // crisis reply: send first, never drop or throttle
	Attach  *Attachment // e.g. an .ics calendar file
	// AskLocation marks the "where?" question, so front ends that can
	// (Telegram) offer a "share my location" button under it.
	AskLocation bool
}

// Choice is one button. ID comes back as Message.Text when tapped and fits
// Telegram's 64-byte callback_data.
type Choice struct{ ID, Label string }

// Attachment is a small file sent with a reply.
type Attachment struct {
	Name     string // file name, e.g. "meeting.ics"
	MIMEType string
	Data     []byte
}

// Handler answers one message. It returns replies in the order they must be
// sent; it never sends them itself. A non-nil error is for logs only: the
// replies are still meant to be sent, and never contain the error text.
type Handler interface {
	Handle(ctx context.Context, m Message) ([]Reply, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, m Message) ([]Reply, error)

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, m Message) ([]Reply, error) { return f(ctx, m) }

// Middleware wraps a handler, e.g. to screen or rate-limit.
type Middleware func(Handler) Handler

// Chain wraps h in mws so that mws[0] sees each message first.
func Chain(h Handler, mws ...Middleware) Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// Adapter is one front end: it reads platform updates, calls the handler and
// delivers the replies until ctx ends.
type Adapter interface {
	Run(ctx context.Context, h Handler) error
}

// Alert tells moderators that someone may be at immediate risk. It carries
// just enough to act (where, and a link) and never the message text.
type Alert struct {
	Platform   string
	ChatID     string
	UserID     string // platform user id, so a moderator can reach the person
	Link       string // link to the conversation, when the platform has one
	Level      data.CrisisLevel
	Categories []string
	At         time.Time
}

// Alerter delivers moderator alerts; front ends implement it.
type Alerter interface {
	Alert(ctx context.Context, a Alert) error
}

// Forgetter erases whatever else a component keeps about a user (reminders,
// offsets...) when the user sends /forget.
type Forgetter interface {
	Forget(ctx context.Context, platform, userID string) error
}

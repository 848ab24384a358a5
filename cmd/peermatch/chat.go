package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/peermatch/peermatch/bot"
	"github.com/peermatch/peermatch/bot/console"
	"github.com/peermatch/peermatch/bot/reminder"
	"github.com/peermatch/peermatch/bot/store"
	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/matcher/calendar"
	"github.com/peermatch/peermatch/matcher/crisis"
)

// runChat is `peermatch chat`: the conversation in this terminal.
func runChat(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("chat", stderr)
	dataPath := fs.String("data", "", "directory source(s) instead of the embedded default (files, folders, \"demo\")")
	locale := fs.String("locale", getenv("LANG"), "your language, e.g. es-MX (default from $LANG)")
	saveDir := fs.String("save-dir", ".", "where calendar files are saved")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	logs, closeLogs, err := chatLogs(getenv, stderr)
	if err != nil {
		return err
	}
	defer closeLogs()
	a, err := newApp(ctx, getenv, logs, *dataPath)
	if err != nil {
		return err
	}
	defer a.Close()
	c, err := newCore(a, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	push := make(chan bot.Reply, 16)
	// Deferred after the stores' Close, so it runs before them: background
	// work has stopped by the time they close.
	defer c.background(ctx, a, getenv, func(ctx context.Context, platform, chatID string, r bot.Reply) error {
		select {
		case push <- r:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})()
	return console.Run(ctx, c.eng, stdin, stdout, console.Options{Locale: posixLocale(*locale), Push: push, SaveDir: *saveDir, Greet: true})
}

// chatLogs is where the chat's log lines go, so that they never print into
// the conversation: the file PEERMATCH_LOG_FILE names (appended to), else
// stderr only when PEERMATCH_LOG_LEVEL asks for logs, else nowhere.
// Problems that stop the program still reach stderr as its error.
func chatLogs(getenv func(string) string, stderr io.Writer) (io.Writer, func(), error) {
	if path := getenv("PEERMATCH_LOG_FILE"); path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("PEERMATCH_LOG_FILE: %w", err)
		}
		return f, func() { f.Close() }, nil
	}
	if getenv("PEERMATCH_LOG_LEVEL") != "" {
		return stderr, func() {}, nil
	}
	return io.Discard, func() {}, nil
}

// core is the conversation engine and the stores it keeps in the state
// directory: sessions and reminders.
type core struct {
	eng       *bot.Engine
	sessions  *store.Store
	reminders *reminder.Store
	log       *slog.Logger
}

// frontEndsFunc builds the platform front ends once the secret that keys
// user ids is known (they log the same hashes as the core), given the
// crisis screen (so that a front end's queues let crisis messages pass); it
// returns the moderator alerter (nil for none) and what /forget must also
// erase.
type frontEndsFunc func(idKey []byte, crisis func(text string) bool) (bot.Alerter, []bot.Forgetter, error)

// newCore builds the conversation core over the app: crisis screening
// first, sessions and reminders persisted in the state directory, both
// keyed by the same secret so a fired reminder finds its conversation.
func newCore(a *app, fronts frontEndsFunc) (*core, error) {
	scr, err := crisis.New()
	if err != nil {
		return nil, err
	}
	sessions, err := store.Open(filepath.Join(a.stateDir, store.FileName))
	if err != nil {
		return nil, err
	}
	key := sessions.IDKey()
	reminders, err := reminder.Open(filepath.Join(a.stateDir, "reminders.db"), reminder.DirectoryNext(a.live.Group),
		reminder.Options{Secret: key, Log: a.log})
	if err != nil {
		sessions.Close()
		return nil, err
	}
	rem := remindersAdapter{reminders}
	forget := []bot.Forgetter{rem}
	var alerts bot.Alerter
	if fronts != nil {
		al, fg, err := fronts(key, func(text string) bool { return scr.Screen(text).Level >= data.LevelConcern })
		if err != nil {
			sessions.Close()
			reminders.Close()
			return nil, err
		}
		alerts, forget = al, append(forget, fg...)
	}
	eng, err := bot.New(bot.Config{
		Matcher:           a.live,
		Crisis:            scr,
		Escalate:          crisis.Escalate,
		CountryFromLocale: crisis.CountryFromLocale,
		CountryFromText:   a.crisisCountry(scr),
		Vocabulary:        a.vocab,
		Sessions:          sessions,
		IDKey:             key,
		Forget:            forget,
		Alerter:           alerts,
		Calendar:          calendar.ICS,
		Reminders:         rem,
		Now:               time.Now,
		Logger:            a.log,
	})
	if err != nil {
		sessions.Close()
		reminders.Close()
		return nil, err
	}
	return &core{eng: eng, sessions: sessions, reminders: reminders, log: a.log}, nil
}

func (c *core) Close() error {
	return errors.Join(c.sessions.Close(), c.reminders.Close())
}

// deliverReminders fires due reminders through send until ctx ends.
func (c *core) deliverReminders(ctx context.Context, send func(ctx context.Context, platform, chatID string, r bot.Reply) error) {
	err := c.reminders.Run(ctx, time.Now, func(r reminder.Reminder) error {
		return send(ctx, r.Platform, r.ChatID, c.eng.ReminderReply(ctx, r.UserKey, r.GroupID, r.Start))
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		c.log.Error("reminders stopped", "err", err.Error())
	}
}

// background starts what a running bot does besides answering: reloading
// a changed directory, erasing expired sessions and firing reminders
// through send. It returns stop, which cancels all of it and waits until
// it has returned, so that the stores and the index can then be closed
// with nothing still using them.
func (c *core) background(ctx context.Context, a *app, getenv func(string) string,
	send func(ctx context.Context, platform, chatID string, r bot.Reply) error) (stop func()) {
	a.pruneIndexes(a.idxPath)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { a.watch(ctx, reloadEvery(getenv)) })
	wg.Go(func() { c.sweep(ctx, 10*time.Minute) })
	wg.Go(func() { c.deliverReminders(ctx, send) })
	return func() {
		cancel()
		wg.Wait()
	}
}

// sweep erases sessions idle past their expiry, every interval.
func (c *core) sweep(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := c.eng.Sweep(ctx); err != nil {
				c.log.Error("session sweep", "err", err.Error())
			} else if n > 0 {
				c.log.Info("expired sessions erased", "count", n)
			}
		}
	}
}

// remindersAdapter lets the conversation set, cancel and forget reminders
// in bot/reminder's store.
type remindersAdapter struct{ s *reminder.Store }

var (
	_ bot.Reminders = remindersAdapter{}
	_ bot.Forgetter = remindersAdapter{}
)

func (r remindersAdapter) Remind(platform, chatID, userID, groupID string, meeting int, now time.Time) (time.Time, error) {
	rem, err := r.s.Add(reminder.Reminder{Platform: platform, ChatID: chatID, UserID: userID, GroupID: groupID, Meeting: meeting}, now)
	return rem.Start, err
}

func (r remindersAdapter) Cancel(platform, chatID, groupID string, meeting int) (bool, error) {
	return r.s.Cancel(platform, chatID, groupID, meeting)
}

func (r remindersAdapter) Forget(_ context.Context, platform, userID string) error {
	_, err := r.s.DeleteUser(platform, userID)
	return err
}

// posixLocale turns "es_MX.UTF-8" into "es-MX".
func posixLocale(s string) string {
	for i, c := range s {
		if c == '.' || c == '@' {
			s = s[:i]
			break
		}
	}
	if s == "C" || s == "POSIX" {
		return ""
	}
	b := []byte(s)
	for i := range b {
		if b[i] == '_' {
			b[i] = '-'
		}
	}
	return string(b)
}

// crisisCountry finds the country a message names for its crisis lines: a
// country's name ("UK", "México"), else a place the person is in ("I'm in
// Toronto and ..."), read the way the intake reads places. The place lookup
// is skipped while the gazetteer is still loading, so a crisis reply never
// waits for it.
func (a *app) crisisCountry(scr *crisis.Screener) func(string) string {
	return func(text string) string {
		if c := scr.CountryFromText(text); c != "" {
			return c
		}
		select {
		case <-a.preloaded:
		default:
			return ""
		}
		if a.live == nil {
			return ""
		}
		return a.live.Understand(text).Country
	}
}

package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/peermatch/peermatch/bot"
	"github.com/peermatch/peermatch/bot/console"
	"github.com/peermatch/peermatch/bot/reminder"
	"github.com/peermatch/peermatch/bot/store"
	"github.com/peermatch/peermatch/matcher/crisis"
)

// runServe is what `peermatch` does: the platform front ends whose tokens
// are set, or the console chat when none is.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if getenv("PEERMATCH_TELEGRAM_TOKEN") != "" || getenv("PEERMATCH_DISCORD_TOKEN") != "" {
		fmt.Fprintln(stderr, "peermatch: the Telegram and Discord front ends are not built yet; starting the console chat")
	}
	return runChat(ctx, args, getenv, stdin, stdout, stderr)
}

// runChat is `peermatch chat`: the conversation in this terminal.
func runChat(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("chat", stderr)
	dataPath := fs.String("data", "", "directory source(s) instead of the embedded default (files, folders, \"demo\")")
	locale := fs.String("locale", getenv("LANG"), "your language, e.g. es-MX (default from $LANG)")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	a, err := newApp(ctx, getenv, stderr, *dataPath)
	if err != nil {
		return err
	}
	defer a.Close()
	eng, closeEng, err := newEngine(a)
	if err != nil {
		return err
	}
	defer closeEng()
	return console.Run(ctx, eng, stdin, stdout, console.Options{Locale: posixLocale(*locale), Prompt: ""})
}

// newEngine builds the conversation core over the app: crisis screening
// first, sessions and reminders persisted in the state directory.
func newEngine(a *app) (*bot.Engine, func(), error) {
	scr, err := crisis.New()
	if err != nil {
		return nil, nil, err
	}
	sessions, err := store.Open(filepath.Join(a.stateDir, store.FileName))
	if err != nil {
		return nil, nil, err
	}
	reminders, err := reminder.Open(filepath.Join(a.stateDir, "reminders.db"), reminder.DirectoryNext(a.dir.Group), reminder.Options{})
	if err != nil {
		sessions.Close()
		return nil, nil, err
	}
	key := sessions.IDKey()
	eng, err := bot.New(bot.Config{
		Matcher:           a.matcher,
		Crisis:            scr,
		Escalate:          crisis.Escalate,
		CountryFromLocale: crisis.CountryFromLocale,
		CountryFromText:   scr.CountryFromText,
		Vocabulary:        a.vocab,
		Sessions:          sessions,
		IDKey:             key,
		Forget:            []bot.Forgetter{forgetReminders{reminders}},
		Now:               time.Now,
		Logger:            a.log,
	})
	if err != nil {
		sessions.Close()
		reminders.Close()
		return nil, nil, err
	}
	return eng, func() { sessions.Close(); reminders.Close() }, nil
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

// forgetReminders lets /forget erase a person's reminders.
type forgetReminders struct{ s *reminder.Store }

func (f forgetReminders) Forget(_ context.Context, platform, userID string) error {
	_, err := f.s.DeleteUser(platform, userID)
	return err
}

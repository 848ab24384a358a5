package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/peermatch/peermatch/bot"
)

// frontEnd is what serve needs of a platform adapter.
type frontEnd interface {
	Run(ctx context.Context, h bot.Handler) error
	Alert(ctx context.Context, a bot.Alert) error
	Send(ctx context.Context, chatID string, r bot.Reply) error
	Close() error
}

// alertRouter sends each moderator alert through the front end of the
// platform it came from; an operator may set up alerts on one platform only.
type alertRouter map[string]frontEnd

var _ bot.Alerter = alertRouter(nil)

func (r alertRouter) Alert(ctx context.Context, a bot.Alert) error {
	fe, ok := r[a.Platform]
	if !ok {
		return fmt.Errorf("no moderator alerts set up for %s", a.Platform)
	}
	return fe.Alert(ctx, a)
}

// runServe is what `peermatch` does: the platform front ends whose tokens
// are set, all in one process, or the console chat when none is.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("peermatch", stderr)
	dataPath := fs.String("data", "", "directory source(s) instead of the embedded default (files, folders, \"demo\")")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	if getenv("PEERMATCH_TELEGRAM_TOKEN") == "" && getenv("PEERMATCH_DISCORD_TOKEN") == "" {
		return runChat(ctx, args, getenv, stdin, stdout, stderr)
	}
	a, err := newApp(ctx, getenv, stderr, *dataPath)
	if err != nil {
		return err
	}
	defer a.Close()
	fronts := map[string]frontEnd{}
	defer func() {
		for _, fe := range fronts {
			fe.Close()
		}
	}()
	c, err := newCore(a, func(key []byte, crisis func(string) bool) (bot.Alerter, []bot.Forgetter, error) {
		return newFrontEnds(a, getenv, key, crisis, fronts)
	})
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Deferred last, so it runs first: background work stops before the
	// stores close.
	defer c.background(ctx, a, getenv, func(ctx context.Context, platform, chatID string, r bot.Reply) error {
		fe, ok := fronts[platform]
		if !ok {
			return fmt.Errorf("reminder for %s, which is not running", platform)
		}
		return fe.Send(ctx, chatID, r)
	})()
	// Run every front end. One front end's trouble is its own: one that
	// stops with an error (a rejected token, a fatal gateway close) is
	// logged and the others keep serving. serve returns when ctx ends and
	// every front end has drained, or when none is left running.
	var wg sync.WaitGroup
	errs := make(chan error, len(fronts))
	for name, fe := range fronts {
		wg.Go(func() {
			err := fe.Run(ctx, c.eng)
			if err == nil && ctx.Err() == nil {
				err = errors.New("stopped without an error")
			}
			if err != nil && !errors.Is(err, context.Canceled) {
				a.log.Error("front end stopped; any other keeps running", "platform", name, "err", err.Error())
				errs <- fmt.Errorf("%s: %w", name, err)
			}
		})
	}
	wg.Wait()
	cancel()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

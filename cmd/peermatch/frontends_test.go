package main

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/peermatch/peermatch/bot/discord"
)

// goroutines returns the stacks of the live goroutines by id.
func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		if id, _, ok := strings.Cut(strings.TrimPrefix(g, "goroutine "), " "); ok {
			out[id] = g
		}
	}
	return out
}

// ours matches stacks that run the program's code or the libraries it
// starts goroutines in; the test's own fakes and net/http's idle
// connections are not the program's to join.
var ours = regexp.MustCompile(`peermatch/peermatch/(bot|cmd|data|index|matcher)|bwmarrin/discordgo|go\.etcd\.io/bbolt|blevesearch|telegram-bot-api`)

// noLeaks fails if goroutines of the program that were not running before
// are still running once run has returned. Goroutines that are ending take
// a moment to go, so it waits up to 2 s for them before failing.
func noLeaks(t *testing.T, before map[string]string) {
	t.Helper()
	var left []string
	for range 40 {
		left = left[:0]
		for id, g := range goroutines() {
			if _, ok := before[id]; !ok && ours.MatchString(g) && !strings.Contains(g, "_test.go") {
				left = append(left, g)
			}
		}
		if len(left) == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("%d goroutines outlived run:\n%s", len(left), strings.Join(left, "\n\n"))
}

// fastDiscord shortens the Discord adapter's reconnect backoff for a test,
// so that an outage of a fraction of a second stands for one of a minute.
func fastDiscord(t *testing.T) {
	tuneDiscord = func(c *discord.Config) { c.ReconnectMin, c.ReconnectMax = 10*time.Millisecond, 50*time.Millisecond }
	t.Cleanup(func() { tuneDiscord = nil })
}

// serveBoth starts run with both front ends against the fakes.
func serveBoth(t *testing.T, tg *fakeTelegram, dc *fakeDiscord, tgToken, dcToken string) (cancel func(), done chan error, logs *syncWriter) {
	t.Helper()
	state := t.TempDir()
	getenv := func(k string) string {
		return map[string]string{"PEERMATCH_STATE": state, "PEERMATCH_LOG_LEVEL": "debug",
			"PEERMATCH_TELEGRAM_TOKEN": tgToken, "PEERMATCH_TELEGRAM_API": tg.srv.URL,
			"PEERMATCH_DISCORD_TOKEN": dcToken, "PEERMATCH_DISCORD_API": dc.srv.URL}[k]
	}
	ctx, cancel := context.WithCancel(context.Background())
	logs = &syncWriter{w: &bytes.Buffer{}}
	done = make(chan error, 1)
	go func() { done <- run(ctx, nil, getenv, strings.NewReader(""), &bytes.Buffer{}, logs) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop within 15 s of cancel")
		}
	})
	return cancel, done, logs
}

// noTokens fails if either bot token reached the logs.
func noTokens(t *testing.T, logs *syncWriter) {
	t.Helper()
	for _, secret := range []string{"TG-token-canary", "DC-token-canary"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("a token reached the logs")
		}
	}
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

// waitUntil polls cond for up to 20 s.
func waitUntil(t *testing.T, what string, logs *syncWriter, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; logs:\n%s", what, logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestDiscordDownAtStartTelegramServes: the bar, scaled. Discord's
// API is down when the process starts; Telegram answers all along; Discord
// connects when its API comes back; nothing outlives run.
func TestDiscordDownAtStartTelegramServes(t *testing.T) {
	before := goroutines()
	fastDiscord(t)
	const tgToken, dcToken = "123456:TG-token-canary", "MTk4NjIy.DC-token-canary.Zx9Qw"
	tg, dc := newFakeTelegram(t, tgToken), newFakeDiscord(t, dcToken)
	dc.set(true, 0)
	cancel, done, logs := serveBoth(t, tg, dc, tgToken, dcToken)
	waitUntil(t, "Telegram's first answer", logs, func() bool { return len(tg.replies()) >= 1 })
	// Discord keeps trying while it is down, and Telegram keeps answering.
	waitUntil(t, "Discord retries", logs, func() bool { _, _, tries := dc.state(); return tries >= 5 })
	tg.push(43, "/start")
	waitUntil(t, "Telegram's answer while Discord is down", logs, func() bool { return len(tg.replies()) >= 2 })
	select {
	case err := <-done:
		t.Fatalf("serve returned while Discord was down: %v", err)
	default:
	}
	if n := len(dc.replies()); n != 0 {
		t.Fatalf("%d Discord replies while it was down", n)
	}
	dc.set(false, 0)
	waitUntil(t, "Discord's answer once it is back", logs, func() bool { return len(dc.replies()) >= 1 })
	tg.push(44, "/start")
	waitUntil(t, "Telegram's answer after", logs, func() bool { return len(tg.replies()) >= 3 })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve after cancel: %v", err)
	}
	done <- nil // for the cleanup
	noLeaks(t, before)
	noTokens(t, logs)
}

// TestDiscordFatalTelegramServes: Discord closes the gateway with a fatal
// code (4004, token rejected). Discord stops, the process does not:
// Telegram keeps answering, and serve reports Discord's error when it ends.
func TestDiscordFatalTelegramServes(t *testing.T) {
	before := goroutines()
	fastDiscord(t)
	const tgToken, dcToken = "123456:TG-token-canary", "MTk4NjIy.DC-token-canary.Zx9Qw"
	tg, dc := newFakeTelegram(t, tgToken), newFakeDiscord(t, dcToken)
	dc.set(false, 4004)
	cancel, done, logs := serveBoth(t, tg, dc, tgToken, dcToken)
	waitUntil(t, "Discord stopping", logs, func() bool {
		return strings.Contains(logs.String(), "front end stopped") && strings.Contains(logs.String(), "4004")
	})
	tg.push(43, "/start")
	waitUntil(t, "Telegram's answers after Discord stopped", logs, func() bool { return len(tg.replies()) >= 2 })
	select {
	case err := <-done:
		t.Fatalf("serve returned with Telegram still running: %v", err)
	default:
	}
	cancel()
	err := <-done
	done <- err
	var ge *discord.GatewayError
	if !errors.As(err, &ge) || ge.Code != 4004 || !strings.Contains(err.Error(), "discord") {
		t.Errorf("serve = %v, want Discord's 4004", err)
	}
	noLeaks(t, before)
	noTokens(t, logs)
}

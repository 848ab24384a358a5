package telegram

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/peermatch/peermatch/bot"
)

// maxWebhookBody caps one update; real ones are a few kilobytes.
const maxWebhookBody = 1 << 20

// serveWebhook receives updates over HTTP. Each request is handled before
// it is answered: Telegram waits for the answer before it sends the next
// update of the same chat (so per-chat order holds), and redelivers on
// anything but 2xx (so an update whose commit failed comes again). It
// never uses the library's ListenForWebhook, which registers on
// http.DefaultServeMux and checks no secret.
func (a *Adapter) serveWebhook(ctx context.Context, h bot.Handler) error {
	ln, err := net.Listen("tcp", a.cfg.WebhookListen)
	if err != nil {
		return fmt.Errorf("telegram: webhook listen: %w", err)
	}
	select {
	case a.listenOn <- ln.Addr().String():
	default:
	}
	secret := a.webhookSecret()
	var draining atomic.Bool
	srv := &http.Server{
		Handler:           a.webhookHandler(ctx, h, secret, &draining),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      a.cfg.HandleTimeout + 15*time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	shutdown := func() {
		draining.Store(true)
		sctx, cancel := context.WithTimeout(context.Background(), a.cfg.DrainTimeout)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}
	if err := a.setWebhook(ctx, secret); err != nil {
		shutdown()
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	select {
	case <-ctx.Done():
		shutdown()
		return nil
	case err := <-errc:
		return fmt.Errorf("telegram: webhook server: %w", err)
	}
}

func (a *Adapter) webhookHandler(ctx context.Context, h bot.Handler, secret string, draining *atomic.Bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			a.log.Debug("webhook request refused: wrong secret token")
			http.Error(w, "forbidden", http.StatusUnauthorized)
			return
		}
		if draining.Load() {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		if a.api.Load() == nil {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxWebhookBody)
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				http.Error(w, "too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		upd, bad := decodeUpdate(raw)
		if bad != nil {
			// Refusing it would make Telegram send it again and again,
			// holding back the updates behind it: skip it instead.
			a.stats.updatesSkipped.Add(1)
			a.log.Warn("webhook update skipped: cannot decode it", "update_id", bad.ID, "id_known", bad.HasID, "reason", bad.Reason)
			w.WriteHeader(http.StatusOK)
			return
		}
		u := &upd
		mu := &a.locks[uint64(chatOf(u))%uint64(len(a.locks))]
		mu.Lock()
		err = a.process(ctx, h, u)
		mu.Unlock()
		if err != nil {
			a.log.Error("could not commit a webhook update; Telegram will redeliver it", "err", a.red.string(err.Error()))
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// setWebhook registers the webhook with its secret_token. The library's
// WebhookConfig has no such field, hence the raw MakeRequest.
func (a *Adapter) setWebhook(ctx context.Context, secret string) error {
	params := tgbotapi.Params{
		"url":                  a.cfg.WebhookURL,
		"secret_token":         secret,
		"allowed_updates":      `["message","edited_message","callback_query"]`,
		"drop_pending_updates": "false",
	}
	for attempt := 1; ; attempt++ {
		_, err := a.request(ctx, a.cfg.RequestTimeout, "setWebhook", func(api *tgbotapi.BotAPI) error {
			_, err := api.MakeRequest("setWebhook", params)
			return err
		})
		if err == nil {
			a.log.Info("webhook registered")
			return nil
		}
		if err.fatal() {
			return errors.Join(ErrTokenRefused, err)
		}
		if !err.temporary() {
			return fmt.Errorf("telegram: setWebhook refused (check WebhookURL): %w", err)
		}
		d := err.RetryAfter
		if d <= 0 {
			d = backoff(a.cfg.RetryBackoff, attempt)
		}
		if !sleep(ctx, d) {
			return ctx.Err()
		}
	}
}

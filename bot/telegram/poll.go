package telegram

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/peermatch/peermatch/bot"
)

// pollBatch is getUpdates' limit (1-100).
const pollBatch = 100

// poll is the long-polling loop. Unlike the library's GetUpdatesChan it
// asks for the next offset only after the updates before it were handled
// and committed, and it persists that offset, so neither a crash nor a
// restart loses an update.
func (a *Adapter) poll(ctx context.Context, h bot.Handler) error {
	offset, err := a.state.offset()
	if err != nil {
		return err
	}
	grace := min(a.cfg.RequestTimeout, 10*time.Second)
	webhookDeleted := false
	for attempt := 0; ; {
		if ctx.Err() != nil {
			return nil
		}
		// Backpressure: while Telegram's rate limits hold many replies
		// back, leave new updates with Telegram (it keeps them 24 h).
		for a.send.pending() > a.cfg.MaxPending {
			t := time.NewTimer(time.Second)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
		}
		var ups []tgbotapi.Update
		_, aerr := a.request(ctx, a.cfg.PollTimeout+grace, "getUpdates", func(api *tgbotapi.BotAPI) error {
			var err error
			ups, err = api.GetUpdates(tgbotapi.UpdateConfig{Offset: offset, Limit: pollBatch,
				Timeout: int(a.cfg.PollTimeout / time.Second), AllowedUpdates: []string{"message", "edited_message", "callback_query"}})
			return err
		})
		if aerr != nil {
			if ctx.Err() != nil {
				return nil
			}
			if aerr.fatal() {
				return errors.Join(ErrTokenRefused, aerr)
			}
			if aerr.Code == http.StatusConflict && !webhookDeleted {
				// A webhook is set (getUpdates is refused while one is).
				webhookDeleted = true
				a.deleteWebhook(ctx)
				continue
			}
			attempt++
			d := aerr.RetryAfter
			if d <= 0 {
				d = backoff(a.cfg.RetryBackoff, attempt)
			}
			a.log.Warn("getUpdates failed, retrying", "code", aerr.Code, "timeout", errors.Is(aerr, errTimeout), "after", d)
			if !sleep(ctx, d) {
				return nil
			}
			continue
		}
		attempt = 0
		if err := a.state.confirmed(offset); err != nil {
			a.log.Warn("state prune failed", "err", err.Error())
		}
		if len(ups) == 0 {
			continue
		}
		if err := a.runBatch(ctx, h, ups); err != nil {
			// Nothing after the failure is confirmed; the batch comes
			// again and what was committed is skipped.
			a.log.Error("could not commit updates; retrying", "err", a.red.string(err.Error()))
			if !sleep(ctx, backoff(a.cfg.RetryBackoff, 1)) {
				return nil
			}
			continue
		}
		next := offset
		for _, u := range ups {
			next = max(next, u.UpdateID+1)
		}
		if err := a.state.setOffset(next); err != nil {
			a.log.Error("could not persist the offset", "err", a.red.string(err.Error()))
		}
		offset = next
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// chatOf is the key that orders an update: its chat.
func chatOf(u *tgbotapi.Update) int64 {
	switch {
	case u.Message != nil && u.Message.Chat != nil:
		return u.Message.Chat.ID
	case u.EditedMessage != nil && u.EditedMessage.Chat != nil:
		return u.EditedMessage.Chat.ID
	case u.CallbackQuery != nil && u.CallbackQuery.Message != nil && u.CallbackQuery.Message.Chat != nil:
		return u.CallbackQuery.Message.Chat.ID
	case u.CallbackQuery != nil && u.CallbackQuery.From != nil:
		return u.CallbackQuery.From.ID
	}
	return 0
}

// runBatch handles a batch: one chat's updates in order, different chats
// in parallel (at most Workers at once). It returns the first error;
// updates of a chat after a failed one are left for the retry.
func (a *Adapter) runBatch(ctx context.Context, h bot.Handler, ups []tgbotapi.Update) error {
	var order []int64
	byChat := map[int64][]*tgbotapi.Update{}
	for i := range ups {
		c := chatOf(&ups[i])
		if _, ok := byChat[c]; !ok {
			order = append(order, c)
		}
		byChat[c] = append(byChat[c], &ups[i])
	}
	sem := make(chan struct{}, a.cfg.Workers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for _, c := range order {
		list := byChat[c]
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			for _, u := range list {
				if err := a.process(ctx, h, u); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

func (a *Adapter) deleteWebhook(ctx context.Context) {
	_, err := a.request(ctx, a.cfg.RequestTimeout, "deleteWebhook", func(api *tgbotapi.BotAPI) error {
		_, err := api.Request(tgbotapi.DeleteWebhookConfig{DropPendingUpdates: false})
		return err
	})
	if err != nil {
		a.log.Warn("deleteWebhook failed", "code", err.Code)
		return
	}
	a.log.Info("a webhook was set; removed it to poll instead")
}

package telegram

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
		// back, read new updates only once a second (Telegram keeps them
		// 24 h). Never stop: a crisis message among them must be read.
		if a.send.pending() > a.cfg.MaxPending {
			if !sleep(ctx, time.Second) {
				return nil
			}
		}
		ups, last, aerr := a.getUpdates(ctx, offset, a.cfg.PollTimeout+grace)
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
		if last < offset {
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
		next := max(offset, last+1)
		if err := a.state.setOffset(next); err != nil {
			a.log.Error("could not persist the offset", "err", a.red.string(err.Error()))
		}
		offset = next
	}
}

// allowedUpdates are the update types the bot asks for.
const allowedUpdates = `["message","edited_message","callback_query"]`

// getUpdates asks for the updates from offset on and decodes each on its
// own: one that cannot be decoded is logged (its id and why, never its
// content), counted and skipped. last is the highest update id in the
// answer, skipped ones included (-1 if none), for the next offset.
func (a *Adapter) getUpdates(ctx context.Context, offset int, timeout time.Duration) (ups []tgbotapi.Update, last int, _ *apiError) {
	const method = "getUpdates"
	last = -1
	if a.api.Load() == nil {
		return nil, last, &apiError{Method: method, msg: "not connected", kind: errNotRunning}
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := &call{ctx: cctx, hc: a.hc, red: a.red}
	form := url.Values{"offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(pollBatch)},
		"timeout": {strconv.Itoa(int(a.cfg.PollTimeout / time.Second))}, "allowed_updates": {allowedUpdates}}
	req, err := http.NewRequest(http.MethodPost, fmt.Sprintf(a.endpoint, a.cfg.Token, method), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, last, a.red.wrap(method, c, a.red.err(err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return nil, last, a.red.wrap(method, c, err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, last, a.red.wrap(method, c, a.red.err(err))
	}
	env, elems, err := decodeAnswer(body)
	if err != nil {
		return nil, last, a.red.wrap(method, c, &redactedError{msg: "undecodable answer: " + err.Error()})
	}
	if !env.OK {
		te := &tgbotapi.Error{Code: env.ErrorCode, Message: env.Description}
		if env.Parameters != nil {
			te.ResponseParameters = *env.Parameters
		}
		return nil, last, a.red.wrap(method, c, te)
	}
	for _, raw := range elems {
		u, bad := decodeUpdate(raw)
		if bad == nil {
			ups = append(ups, u)
			last = max(last, u.UpdateID)
			continue
		}
		if !bad.HasID && last >= 0 {
			// Update ids go up one by one.
			bad.ID, bad.HasID = last+1, true
		}
		a.stats.updatesSkipped.Add(1)
		if bad.HasID {
			last = max(last, bad.ID)
			a.log.Warn("update skipped: cannot decode it", "update_id", bad.ID, "reason", bad.Reason)
		} else {
			a.log.Warn("update skipped: cannot decode it or read its id", "reason", bad.Reason)
		}
	}
	return ups, last, nil
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

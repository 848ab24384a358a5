package telegram

import "sync/atomic"

// Stats counts what the adapter skipped or gave up on, each also logged
// when it happens: an operator (or a test) can see that nothing vanished
// without a reason.
type Stats struct {
	UpdatesSkipped int64 // updates that could not be decoded
	// Replies dropped, by reason.
	DroppedBlocked  int64 // the person blocked the bot (403)
	DroppedGone     int64 // the chat no longer exists or was never reachable (400 chat not found, user deactivated)
	DroppedRejected int64 // another 400: the request itself is wrong and would fail again
	DroppedExpired  int64 // still failing after MaxReplyAge
	Retries         int64 // send attempts that failed and were tried again
	Delivered       int64
}

type stats struct {
	updatesSkipped, droppedBlocked, droppedGone, droppedRejected, droppedExpired, retries, delivered atomic.Int64
}

// Stats returns the counts since New.
func (a *Adapter) Stats() Stats {
	s := &a.stats
	return Stats{UpdatesSkipped: s.updatesSkipped.Load(), DroppedBlocked: s.droppedBlocked.Load(),
		DroppedGone: s.droppedGone.Load(), DroppedRejected: s.droppedRejected.Load(),
		DroppedExpired: s.droppedExpired.Load(), Retries: s.retries.Load(), Delivered: s.delivered.Load()}
}

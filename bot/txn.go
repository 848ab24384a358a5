package bot

import "context"

// Delivery names the platform update a handler call is for, so that its
// effects on the session store can be made idempotent across crashes.
//
// A front end commits "update done" and the replies in its own file, after
// the handler has written the session. A crash between the two redelivers
// the update, and the handler would apply it a second time ("more groups"
// skipping a page). With a Delivery in the context, a store that supports
// it (bot/store) records, in the session's own transaction, which update
// changed the session and what the session was before it; a later call for
// the same update, in another attempt (Run differs), reads that earlier
// session, so the update is applied to the same state again and yields the
// same session and the same replies.
type Delivery struct {
	ID  string // platform and update id, e.g. "telegram:123456"; unique per update
	Run uint64 // this attempt at handling it; another attempt has another Run
}

type deliveryKey struct{}

// WithDelivery returns ctx carrying d.
func WithDelivery(ctx context.Context, d Delivery) context.Context {
	return context.WithValue(ctx, deliveryKey{}, d)
}

// DeliveryFrom returns the Delivery in ctx, if any.
func DeliveryFrom(ctx context.Context) (Delivery, bool) {
	d, ok := ctx.Value(deliveryKey{}).(Delivery)
	return d, ok && d.ID != ""
}

// EarlySend lets the handler hand a crisis reply to the front end before
// it touches the session store (whose disk, or a compaction, may be slow):
// the front end queues it at once, ahead of everything. It reports whether
// the reply was taken; if not, the handler returns it as usual.
type EarlySend func(r Reply) bool

type earlyKey struct{}

// WithEarlySend returns ctx carrying send.
func WithEarlySend(ctx context.Context, send EarlySend) context.Context {
	return context.WithValue(ctx, earlyKey{}, send)
}

// SendEarly offers r to the front end's EarlySend in ctx, if any, and
// reports whether it took it (then the handler must not return r too).
func SendEarly(ctx context.Context, r Reply) bool {
	send, _ := ctx.Value(earlyKey{}).(EarlySend)
	return send != nil && send(r)
}

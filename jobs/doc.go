// Package jobs owns async synthesis: a bounded pool of workers that takes
// queued jobs from the store, has a Runner synthesise each into audio that
// the store keeps with the job (so any node serves it), and delivers the
// result to the job's webhook, signed with a secret derived for the
// submitting key.
//
// Every state change is written to the store before it is acted on, so a job
// acknowledged by Submit survives a crash. Several nodes may run Managers on
// one shared store (PostgreSQL): each claim of a job, and of a webhook to
// send, is a lease held by one node (Config.NodeID) for Config.Lease and
// renewed by that node's heartbeat every Lease/3. Only the claim that ran an
// attempt can record its outcome, so a job succeeds once. A node that stops
// (killed, or cut off from the store) stops renewing; once its leases lapse,
// any node's heartbeat takes its jobs back (they run again, the attempt
// counted) and its webhooks are sent by another node. On a store one process
// uses (SQLite), jobs left running by a crash are queued again at the next
// start, at once.
//
// Webhooks: once per job's end. A job finishes once (succeeded or failed),
// and its webhook carries an idempotency key (IdempotencyKey, made from the
// job id, in the body and the Idempotency-Key header) that is the same on
// every POST.
// It is sent until a receiver accepts it or the attempts run out. A receiver
// may still see it more than once, always with the same key: when the node
// that sent it died or lost the store after the receiver answered and before
// the answer was recorded, or stalled past its lease mid-POST while another
// node sent it too. It never sees a job end twice.
//
// One account cannot crowd out the others: it may have at most
// MaxUnfinishedPerAccount jobs queued or running and AudioCapPerAccount bytes
// of audio stored; a free worker takes the oldest job of the account with the
// fewest running; and its webhooks hold at most DeliveryPerAccount of a
// node's delivery slots. Finished jobs are deleted, audio included, Retention
// after they finish, and their request text as soon as they finish. Webhooks
// reach only public addresses unless AllowPrivateWebhooks: every
// connection's address is checked as it is dialled, after DNS resolution
// (egress.go).
package jobs

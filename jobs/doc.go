// Package jobs owns async synthesis: a bounded pool of workers that takes
// queued jobs from the store, has a Runner synthesise each into an audio file
// under the data directory, and delivers the result to the job's webhook,
// signed with a secret derived for the submitting key.
//
// Every state change is written to the store before it is acted on, so a job
// acknowledged by Submit survives a crash: jobs a crash left running are
// queued again at the next start, and webhooks are sent at least once (a
// receiver tells repeats apart by the X-Parley-Job header). One Manager runs
// per data directory.
//
// One account cannot crowd out the others: it may have at most
// MaxUnfinishedPerAccount jobs queued or running and AudioCapPerAccount bytes
// of audio stored; a free worker takes the oldest job of the account with the
// fewest running; and its webhooks hold at most DeliveryPerAccount of the
// delivery slots. Finished jobs are deleted, audio included, Retention after
// they finish, and their request text as soon as they finish. Webhooks reach
// only public addresses unless AllowPrivateWebhooks: every connection's
// address is checked as it is dialled, after DNS resolution (egress.go).
package jobs

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
package jobs

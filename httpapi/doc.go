// Package httpapi owns Parley's plain HTTP endpoints: health and readiness
// probes, Prometheus metrics, and (section 2 of PROTOCOL.md) batch, SSE and
// OpenAI-compatible synthesis, voices and jobs; and, as extensions, SSML
// and pronunciation dictionaries in speech requests (text_type,
// pronunciation_dictionaries) and the dictionaries' own endpoints,
// /v1/pronunciations (JSON, or W3C PLS 1.0 in and out); and word
// timestamps ("timestamps": true): a batch answer becomes JSON, the file
// in base64 beside its words, and the SSE stream gets timestamps events
// before the chunks they describe (times from the start of the answer,
// spans in code points of the request's text).
//
// The API takes what it uses as small interfaces (deps.go): keys,
// Accounting, a Limiter, the tts Pipeline, the Store it reads and the Jobs
// it queues on. Async jobs are run by a Runner built from the same Deps
// before the jobs.Manager that runs it, which New then takes in Deps.Jobs.
//
// # Tests
//
// The tests come in two layers. The API layer, `go test ./httpapi`, runs
// the endpoints, admission (quota, rate, concurrency), CORS, body limits,
// event streams and their failures, voices and jobs against an API whose
// store is in memory and whose engine is enginetest.Engine: its audio is a
// function of the text, so each test knows the exact bytes an answer must
// carry. It needs no C library (CGO_ENABLED=0 go test ./httpapi passes),
// and takes seconds. The end-to-end layer, `go test -tags e2e ./httpapi`,
// runs a whole node (server.New: the store on disk, the real engines, the
// job manager) for what only it shows: real speech in every format, decoded
// by ffmpeg, OpenAI's Node.js SDK, jobs and webhooks end to end and across
// a restart, reference audio analysis, and engines kept free of stalled
// clients. `make test` runs both. A build tag rather than a package of its
// own keeps one HTTP and SSE client (client_test.go) for both layers.
package httpapi

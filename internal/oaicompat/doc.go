// Package oaicompat owns what Parley's clients of OpenAI-compatible servers
// (chat completions in agent/llm, transcriptions in agent/stt/openai) share:
// reaching an endpoint (base URL, key, HTTP client), and reading the errors
// those servers send into an APIError.
package oaicompat

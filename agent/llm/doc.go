// Package llm owns the language-model side of the voice agent: the Model
// interface the agent streams answers from, a client for OpenAI-compatible
// chat servers (OpenAI, vLLM, llama.cpp server, Ollama's /v1), the built-in
// offline responder used when no model is configured, and the per-session
// conversation History with its barge-in truncation.
//
// The package speaks HTTP with the standard library only and never logs;
// failures come back as errors (see errors.go).
package llm

// Package openai owns the voice agent's client for OpenAI-compatible
// speech-to-text servers: POST {base}/audio/transcriptions with the
// utterance as a 16 kHz mono WAV, as OpenAI's Whisper API, faster-whisper
// servers, whisper.cpp's server and vLLM accept it.
//
// Configuration comes from the environment through ConfigFromEnv:
// OPENAI_BASE_URL and OPENAI_API_KEY, the same server the chat model uses;
// or PARLEY_STT_URL with its own key in PARLEY_STT_API_KEY, for a separate
// transcription server (the OpenAI key is never sent to it); and
// PARLEY_STT_MODEL for the model name (whisper-1 by default).
package openai

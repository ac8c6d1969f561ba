// Package openai owns the voice agent's client for OpenAI-compatible
// speech-to-text servers: POST {base}/audio/transcriptions with the
// utterance as a 16 kHz mono WAV, as OpenAI's Whisper API, faster-whisper
// servers, whisper.cpp's server and vLLM accept it.
//
// Config says which server, key and model to use; the package reads no
// environment variables (`parley serve` maps its flags and the variables
// it documents onto Config).
package openai

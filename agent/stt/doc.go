// Package stt owns speech-to-text for the voice agent: for now the word
// error rate by which recognisers, and the intelligibility of our voices,
// are measured. The pocketsphinx binding lives in stt/pocketsphinx and
// knows nothing of this package.
package stt

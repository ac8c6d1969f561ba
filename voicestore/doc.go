// Package voicestore owns an account's saved voices and the resolution of
// the voice fields of a request (a saved voice id, a signed clone prompt, a
// description, or nothing) into a voice.Profile. It is shared by the
// realtime socket and the HTTP API, so that both accept exactly the same
// voices. Saved voices from reference audio are parameter matches (see
// package voice), not neural clones.
package voicestore

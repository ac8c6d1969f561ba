// Package engine owns the speech-engine contract: the Synthesizer interface,
// engine-neutral voice parameters, the registry of installed engines, and the
// pool that bounds how many syntheses run at once. Engines speak their native
// rate; this package resamples everything to 24 kHz so that callers only ever
// see protocol audio. The cgo bindings live in engine/espeak and engine/flite
// and know nothing of this package.
package engine

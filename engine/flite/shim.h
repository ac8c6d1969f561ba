// The C half of the binding: the only code that touches flite's API.
// Everything crossing to Go is a primitive, an opaque voice index or a
// cgo.Handle carried as an integer.

#ifndef PARLEY_FLITE_SHIM_H
#define PARLEY_FLITE_SHIM_H

#include <stdint.h>

enum {
	PF_SLT = 0,
	PF_RMS = 1,
	PF_AWB = 2,
	PF_KAL16 = 3,
	PF_NVOICES = 4
};

// pf_request carries one synthesis's settings. A value <= 0 leaves the
// voice's own setting in force.
typedef struct {
	float duration_stretch;
	float f0_mean;
	float f0_stddev;
	int min_buffsize;  // samples per streamed chunk, at least
	uintptr_t handle;  // cgo.Handle of the Go request
	int words;         // report each utterance's words before its audio
} pf_request;

// pf_init calls flite_init and registers every voice. Call once, before
// anything else, from one thread.
int pf_init(void);

// pf_probe_rate synthesises a short text without streaming and returns
// the sample rate of the wave, or -1.
int pf_probe_rate(int voice);

// pf_default_pitch stores the voice's target F0 mean and standard deviation
// in Hz and returns 0, or returns -1 if the voice exposes neither.
int pf_default_pitch(int voice, float *mean, float *stddev);

// pf_default_stretch returns the voice's own duration_stretch (1 if unset).
float pf_default_stretch(int voice);

// pf_synth speaks text sentence by sentence, calling back into Go with
// each streamed chunk, and between sentences with no samples so that Go
// can stop it. Returns 0 when done, 1 when Go stopped it, -1 on failure.
int pf_synth(int voice, const char *text, const pf_request *req);

#endif

#ifndef PARLEY_FLAC_SHIM_H
#define PARLEY_FLAC_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <FLAC/stream_encoder.h>

// pf_encoder is a libFLAC stream encoder whose output collects in out
// until the Go side takes it.
typedef struct {
	FLAC__StreamEncoder *enc;
	unsigned char *out;
	size_t len, cap;
	int oom;                  // an append failed; the stream is broken
	int32_t *scratch;         // int16 samples widened for libFLAC
	size_t scratch_cap;
	unsigned char info[34];   // final STREAMINFO body, once finished
	int have_info;
} pf_encoder;

pf_encoder *pf_new(unsigned rate, unsigned level, int *state);
int pf_write(pf_encoder *e, const int16_t *pcm, size_t n);
int pf_finish(pf_encoder *e);
void pf_free(pf_encoder *e);

#endif

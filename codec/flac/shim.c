//go:build cgo

#include <stdlib.h>
#include <string.h>
#include "shim.h"

static FLAC__StreamEncoderWriteStatus on_write(const FLAC__StreamEncoder *enc, const FLAC__byte buf[], size_t bytes, uint32_t samples, uint32_t frame, void *data) {
	pf_encoder *e = data;
	if (e->len + bytes > e->cap) {
		size_t cap = e->cap ? e->cap : 16384;
		while (cap < e->len + bytes) cap *= 2;
		unsigned char *out = realloc(e->out, cap);
		if (out == NULL) {
			e->oom = 1;
			return FLAC__STREAM_ENCODER_WRITE_STATUS_FATAL_ERROR;
		}
		e->out = out;
		e->cap = cap;
	}
	memcpy(e->out + e->len, buf, bytes);
	e->len += bytes;
	return FLAC__STREAM_ENCODER_WRITE_STATUS_OK;
}

static void put_bits(unsigned char *p, unsigned *bit, uint64_t v, unsigned n) {
	while (n--) {
		if ((v >> n) & 1) p[*bit / 8] |= 0x80 >> (*bit % 8);
		(*bit)++;
	}
}

// on_metadata receives the final STREAMINFO when the stream is finished;
// it is serialised as the format specifies so a seeking caller can patch it
// in.
static void on_metadata(const FLAC__StreamEncoder *enc, const FLAC__StreamMetadata *m, void *data) {
	pf_encoder *e = data;
	if (m->type != FLAC__METADATA_TYPE_STREAMINFO) return;
	const FLAC__StreamMetadata_StreamInfo *si = &m->data.stream_info;
	unsigned bit = 0;
	memset(e->info, 0, sizeof e->info);
	put_bits(e->info, &bit, si->min_blocksize, 16);
	put_bits(e->info, &bit, si->max_blocksize, 16);
	put_bits(e->info, &bit, si->min_framesize, 24);
	put_bits(e->info, &bit, si->max_framesize, 24);
	put_bits(e->info, &bit, si->sample_rate, 20);
	put_bits(e->info, &bit, si->channels - 1, 3);
	put_bits(e->info, &bit, si->bits_per_sample - 1, 5);
	put_bits(e->info, &bit, si->total_samples, 36);
	memcpy(e->info + 18, si->md5sum, 16);
	e->have_info = 1;
}

pf_encoder *pf_new(unsigned rate, unsigned level, int *state) {
	pf_encoder *e = calloc(1, sizeof *e);
	if (e == NULL) {
		*state = FLAC__STREAM_ENCODER_MEMORY_ALLOCATION_ERROR;
		return NULL;
	}
	e->enc = FLAC__stream_encoder_new();
	if (e->enc == NULL) {
		free(e);
		*state = FLAC__STREAM_ENCODER_MEMORY_ALLOCATION_ERROR;
		return NULL;
	}
	FLAC__stream_encoder_set_channels(e->enc, 1);
	FLAC__stream_encoder_set_bits_per_sample(e->enc, 16);
	FLAC__stream_encoder_set_sample_rate(e->enc, rate);
	FLAC__stream_encoder_set_compression_level(e->enc, level);
	if (FLAC__stream_encoder_init_stream(e->enc, on_write, NULL, NULL, on_metadata, e) != FLAC__STREAM_ENCODER_INIT_STATUS_OK) {
		*state = FLAC__stream_encoder_get_state(e->enc);
		pf_free(e);
		return NULL;
	}
	*state = FLAC__STREAM_ENCODER_OK;
	return e;
}

// pf_write encodes n samples and returns 0, or the encoder state on
// failure.
int pf_write(pf_encoder *e, const int16_t *pcm, size_t n) {
	if (n > e->scratch_cap) {
		int32_t *s = realloc(e->scratch, n * sizeof *s);
		if (s == NULL) return FLAC__STREAM_ENCODER_MEMORY_ALLOCATION_ERROR;
		e->scratch = s;
		e->scratch_cap = n;
	}
	for (size_t i = 0; i < n; i++) e->scratch[i] = pcm[i];
	if (!FLAC__stream_encoder_process_interleaved(e->enc, e->scratch, n)) return FLAC__stream_encoder_get_state(e->enc);
	return 0;
}

// pf_finish encodes the last partial block and returns 0, or the encoder
// state on failure.
int pf_finish(pf_encoder *e) {
	if (!FLAC__stream_encoder_finish(e->enc)) return FLAC__stream_encoder_get_state(e->enc);
	return e->oom ? FLAC__STREAM_ENCODER_MEMORY_ALLOCATION_ERROR : 0;
}

void pf_free(pf_encoder *e) {
	// FLAC__stream_encoder_delete finishes an unfinished stream first,
	// whose output nobody wants.
	FLAC__stream_encoder_delete(e->enc);
	free(e->out);
	free(e->scratch);
	free(e);
}

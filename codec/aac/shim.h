#ifndef PARLEY_AAC_SHIM_H
#define PARLEY_AAC_SHIM_H

#include <stddef.h>
#include <stdint.h>

struct AVCodecContext;
struct AVFrame;
struct AVPacket;

// pa_encoder is libavcodec's AAC encoder with its frame being filled and
// the ADTS output that collects until the Go side takes it.
typedef struct {
	struct AVCodecContext *ctx;
	struct AVFrame *frame;
	struct AVPacket *pkt;
	int fill;         // samples in frame
	int64_t pts;      // of the next frame, in samples
	int sf_index;     // ADTS sampling frequency index
	unsigned char *out;
	size_t len, cap;
} pa_encoder;

void pa_quiet(void);
pa_encoder *pa_new(int rate, int sf_index, int bitrate, int *err);
int pa_write(pa_encoder *e, const int16_t *pcm, size_t n);
int pa_finish(pa_encoder *e);
int pa_delay(pa_encoder *e);
void pa_free(pa_encoder *e);

#endif

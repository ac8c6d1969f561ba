//go:build cgo

#include <stdlib.h>
#include <string.h>
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/log.h>
#include "shim.h"

void pa_quiet(void) {
	av_log_set_level(AV_LOG_QUIET);
}

void pa_free(pa_encoder *e) {
	avcodec_free_context(&e->ctx);
	av_frame_free(&e->frame);
	av_packet_free(&e->pkt);
	free(e->out);
	free(e);
}

pa_encoder *pa_new(int rate, int sf_index, int bitrate, int *err) {
	const AVCodec *codec = avcodec_find_encoder_by_name("aac");
	if (codec == NULL) {
		*err = AVERROR_ENCODER_NOT_FOUND;
		return NULL;
	}
	pa_encoder *e = calloc(1, sizeof *e);
	if (e == NULL) {
		*err = AVERROR(ENOMEM);
		return NULL;
	}
	e->sf_index = sf_index;
	e->ctx = avcodec_alloc_context3(codec);
	e->frame = av_frame_alloc();
	e->pkt = av_packet_alloc();
	if (e->ctx == NULL || e->frame == NULL || e->pkt == NULL) {
		*err = AVERROR(ENOMEM);
		pa_free(e);
		return NULL;
	}
	e->ctx->sample_fmt = AV_SAMPLE_FMT_FLTP;
	e->ctx->sample_rate = rate;
	e->ctx->time_base = (AVRational){1, rate};
	e->ctx->bit_rate = bitrate;
	e->ctx->profile = FF_PROFILE_AAC_LOW;
	e->ctx->thread_count = 1;
	av_channel_layout_default(&e->ctx->ch_layout, 1);
	if ((*err = avcodec_open2(e->ctx, codec, NULL)) < 0) {
		pa_free(e);
		return NULL;
	}
	e->frame->format = AV_SAMPLE_FMT_FLTP;
	e->frame->sample_rate = rate;
	e->frame->nb_samples = e->ctx->frame_size;
	if ((*err = av_channel_layout_copy(&e->frame->ch_layout, &e->ctx->ch_layout)) < 0 ||
	    (*err = av_frame_get_buffer(e->frame, 0)) < 0) {
		pa_free(e);
		return NULL;
	}
	*err = 0;
	return e;
}

static int append(pa_encoder *e, const unsigned char *p, size_t n) {
	if (e->len + n > e->cap) {
		size_t cap = e->cap ? e->cap : 8192;
		while (cap < e->len + n) cap *= 2;
		unsigned char *out = realloc(e->out, cap);
		if (out == NULL) return AVERROR(ENOMEM);
		e->out = out;
		e->cap = cap;
	}
	memcpy(e->out + e->len, p, n);
	e->len += n;
	return 0;
}

// drain appends every packet the encoder has ready, each behind its ADTS
// header: MPEG-4, AAC-LC, no CRC, one raw data block, mono.
static int drain(pa_encoder *e) {
	for (;;) {
		int err = avcodec_receive_packet(e->ctx, e->pkt);
		if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return 0;
		if (err < 0) return err;
		size_t n = 7 + (size_t)e->pkt->size;
		if (n > 0x1FFF) {
			av_packet_unref(e->pkt);
			return AVERROR(ERANGE);
		}
		unsigned char h[7] = {
			0xFF,
			0xF1,
			(unsigned char)((FF_PROFILE_AAC_LOW << 6) | (e->sf_index << 2)),
			(unsigned char)((1 << 6) | (n >> 11)),
			(unsigned char)(n >> 3),
			(unsigned char)(((n & 7) << 5) | 0x1F),
			0xFC,
		};
		err = append(e, h, sizeof h);
		if (err == 0) err = append(e, e->pkt->data, e->pkt->size);
		av_packet_unref(e->pkt);
		if (err < 0) return err;
	}
}

static int send(pa_encoder *e, AVFrame *f) {
	int err = avcodec_send_frame(e->ctx, f);
	if (err < 0) return err;
	return drain(e);
}

int pa_write(pa_encoder *e, const int16_t *pcm, size_t n) {
	while (n > 0) {
		if (e->fill == 0) {
			// The encoder may still hold the last frame's buffer.
			int err = av_frame_make_writable(e->frame);
			if (err < 0) return err;
		}
		float *dst = (float *)e->frame->data[0] + e->fill;
		size_t k = (size_t)(e->ctx->frame_size - e->fill);
		if (k > n) k = n;
		for (size_t i = 0; i < k; i++) dst[i] = pcm[i] * (1.0f / 32768);
		e->fill += (int)k;
		pcm += k;
		n -= k;
		if (e->fill == e->ctx->frame_size) {
			e->frame->nb_samples = e->fill;
			e->frame->pts = e->pts;
			e->pts += e->fill;
			e->fill = 0;
			int err = send(e, e->frame);
			if (err < 0) return err;
		}
	}
	return 0;
}

int pa_finish(pa_encoder *e) {
	if (e->fill > 0) {
		// The encoder accepts a short last frame.
		e->frame->nb_samples = e->fill;
		e->frame->pts = e->pts;
		e->pts += e->fill;
		e->fill = 0;
		int err = send(e, e->frame);
		if (err < 0) return err;
	}
	return send(e, NULL);
}

int pa_delay(pa_encoder *e) {
	return e->ctx->initial_padding;
}

//go:build cgo

#include <string.h>
#include <flite/flite.h>
#include <flite/cst_cg.h>

#include "shim.h"

cst_voice *register_cmu_us_slt(const char *voxdir);
cst_voice *register_cmu_us_rms(const char *voxdir);
cst_voice *register_cmu_us_awb(const char *voxdir);
cst_voice *register_cmu_us_kal16(const char *voxdir);

// Implemented in Go (callback.go).
extern int pfGoChunk(uintptr_t handle, short *samples, int n);
extern void pfGoWords(uintptr_t handle, int n, int *pos, int *len, float *start, float *end);

static cst_voice *voices[PF_NVOICES];

// plain_f0 holds, for each clustergen voice that predicts F0 with the SPAM
// accent model (rms), a copy of its model database with SPAM switched off.
// SPAM overwrites the F0 track after int_f0_target_mean/stddev have been
// applied, so such a voice ignores both; without it the voice falls back to
// its statistical F0 trees, which honour them. The copy replaces the
// voice's own database at registration, so that pitch moves smoothly from
// the default rather than jumping between two intonation models.
static cst_cg_db plain_f0[PF_NVOICES];

// flite's clustergen vocoder draws its noise excitation from rand(). With
// libc's rand that state is shared by the whole process, so the same text
// came out differently on every call and concurrent calls disturbed each
// other. These definitions take precedence over libc's for every library
// in the process (the executable is searched first) and keep the state per
// thread, which C allows; pf_synth reseeds it so that a synthesis depends
// only on its text, voice and settings.
static __thread uint64_t rand_state = 1;

int rand(void)
{
	rand_state = rand_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (int)(rand_state >> 33);
}

void srand(unsigned int seed)
{
	rand_state = seed;
}

int pf_init(void)
{
	int i;
	const cst_val *v;

	flite_init();
	voices[PF_SLT] = register_cmu_us_slt(NULL);
	voices[PF_RMS] = register_cmu_us_rms(NULL);
	voices[PF_AWB] = register_cmu_us_awb(NULL);
	voices[PF_KAL16] = register_cmu_us_kal16(NULL);
	for (i = 0; i < PF_NVOICES; i++) {
		if (voices[i] == NULL)
			return -1;
		v = feat_val(voices[i]->features, "cg_db");
		if (v != NULL && val_cg_db(v)->spamf0) {
			plain_f0[i] = *val_cg_db(v);
			plain_f0[i].spamf0 = 0;
			// The copy never owns the tables it points at, and the
			// built-in original is never freed either.
			plain_f0[i].freeable = 0;
			// Safe only here: no synthesis is running yet.
			feat_set(voices[i]->features, "cg_db",
				 cg_db_val(&plain_f0[i]));
		}
	}
	return 0;
}

int pf_probe_rate(int voice)
{
	cst_wave *w;
	int rate;

	w = flite_text_to_wave("a.", voices[voice]);
	if (w == NULL)
		return -1;
	rate = w->sample_rate;
	delete_wave(w);
	return rate;
}

int pf_default_pitch(int voice, float *mean, float *stddev)
{
	const cst_features *f = voices[voice]->features;
	const cst_val *v;
	cst_cg_db *db;

	if (feat_present(f, "int_f0_target_mean") &&
	    feat_present(f, "int_f0_target_stddev")) {
		*mean = get_param_float(f, "int_f0_target_mean", 0);
		*stddev = get_param_float(f, "int_f0_target_stddev", 0);
		return 0;
	}
	v = feat_val(f, "cg_db");
	if (v == NULL)
		return -1;
	db = val_cg_db(v);
	*mean = db->f0_mean;
	*stddev = db->f0_stddev;
	return 0;
}

float pf_default_stretch(int voice)
{
	return get_param_float(voices[voice]->features, "duration_stretch", 1.0);
}

// send_words reports the words of an utterance whose durations are known
// (flite predicts them before it makes any sample): for each word, the
// byte span of its token in the text, and the end of the segment before
// its first one and of its last one, in seconds from the utterance's
// start. A word without segments (none is spoken) is left out.
static void send_words(const cst_utterance *u, uintptr_t handle)
{
	const cst_item *w, *ss, *first, *last, *prev, *tok;
	int n = 0, cap = 0, *pos, *len;
	float *start, *end;

	for (w = relation_head(utt_relation(u, "Word")); w; w = item_next(w))
		cap++;
	if (cap == 0)
		return;
	pos = cst_alloc(int, cap);
	len = cst_alloc(int, cap);
	start = cst_alloc(float, cap);
	end = cst_alloc(float, cap);
	for (w = relation_head(utt_relation(u, "Word")); w; w = item_next(w)) {
		ss = item_as(w, "SylStructure");
		tok = item_parent(item_as(w, "Token"));
		if (ss == NULL || tok == NULL || !item_feat_present(tok, "pf_pos"))
			continue;
		first = item_daughter(item_daughter(ss));
		last = item_last_daughter(item_last_daughter(ss));
		if (first == NULL || last == NULL)
			continue;
		prev = item_prev(item_as(first, "Segment"));
		pos[n] = item_feat_int(tok, "pf_pos");
		len[n] = item_feat_int(tok, "pf_len");
		start[n] = prev ? item_feat_float(prev, "end") : 0;
		end[n] = item_feat_float(last, "end");
		n++;
	}
	if (n > 0)
		pfGoWords(handle, n, pos, len, start, end);
	cst_free(pos);
	cst_free(len);
	cst_free(start);
	cst_free(end);
}

static int stream_chunk(const cst_wave *w, int start, int size, int last,
			cst_audio_streaming_info *asi)
{
	cst_features *f;

	(void)last;
	// The first chunk of an utterance: its words go first.
	if (asi->utt != NULL) {
		f = asi->utt->features;
		if (get_param_int(f, "pf_words", 0) && !feat_present(f, "pf_words_sent")) {
			feat_set_int(f, "pf_words_sent", 1);
			send_words(asi->utt, (uintptr_t)asi->userdata);
		}
	}
	return pfGoChunk((uintptr_t)asi->userdata, w->samples + start, size);
}

// flite analyses a whole utterance, and a clustergen voice generates all
// its parameters, before the first sample, in time that grows with the
// speech to come. So an utterance whose cost passes soft_cost ends after
// the next token followed by punctuation, and one whose cost passes
// hard_cost after the next token. flite_ts_to_speech caps only at 500 tokens.
#define soft_cost 200
#define hard_cost 400

// token_cost is a token's length plus one, times four for a token flite
// will read character by character (one with a digit, or without a vowel),
// which takes about four times as long to say. 400 is half a minute of
// prose, or forty seconds of spelled letters or digits; either costs a
// clustergen voice under 0.2 s of CPU before its first sample.
static int token_cost(const char *token)
{
	int digit = 0, vowel = 0;
	const char *c;

	for (c = token; *c; c++) {
		digit = digit || (*c >= '0' && *c <= '9');
		vowel = vowel || strchr("aeiouyAEIOUY", *c) != NULL;
	}
	return ((int)strlen(token) + 1) * (digit || !vowel ? 4 : 1);
}

// speak synthesises one utterance of tokens and frees it. Returns as
// pf_synth does.
static int speak(cst_utterance *u, cst_voice *v, const pf_request *req)
{
	cst_audio_streaming_info *asi;
	int rc;

	// Every per-request setting goes on the utterance: its features are
	// searched before the voice's, which all threads share and nobody may
	// write.
	utt_init(u, v);
	if (req->duration_stretch > 0)
		feat_set_float(u->features, "duration_stretch", req->duration_stretch);
	if (req->f0_mean > 0)
		feat_set_float(u->features, "int_f0_target_mean", req->f0_mean);
	if (req->f0_stddev > 0)
		feat_set_float(u->features, "int_f0_target_stddev", req->f0_stddev);
	if (req->words)
		feat_set_int(u->features, "pf_words", 1);

	asi = new_audio_streaming_info();
	asi->min_buffsize = req->min_buffsize;
	asi->asc = stream_chunk;
	asi->userdata = (void *)req->handle;
	asi->utt = u;
	// The utterance owns asi from here and frees it with itself.
	feat_set(u->features, "streaming_info", audio_streaming_info_val(asi));

	if (utt_synth_tokens(u) == NULL) {
		delete_utterance(u);
		return -1;
	}
	rc = feat_present(u->features, "Interrupted") ? 1 : 0;
	delete_utterance(u);
	return rc;
}

// pf_synth splits text into utterances the way flite_ts_to_speech does,
// with the voice's tokenizer and utterance-break rule, and speaks them in
// turn. flite analyses a whole utterance before its first sample, so this
// bounds the wait for audio, and the cost of a cancellation, by a sentence
// rather than by the whole text.
int pf_synth(int voice, const char *text, const pf_request *req)
{
	cst_voice *v = voices[voice];
	cst_tokenstream *ts;
	cst_breakfunc utt_break = default_utt_break;
	cst_utterance *u = NULL;
	cst_relation *tokens = NULL;
	cst_item *t;
	const char *token;
	int cost = 0, punctuated = 0, rc = 0;

	srand(1);
	ts = ts_open_string(text,
		get_param_string(v->features, "text_whitespace", NULL),
		get_param_string(v->features, "text_singlecharsymbols", NULL),
		get_param_string(v->features, "text_prepunctuation", NULL),
		get_param_string(v->features, "text_postpunctuation", NULL));
	if (ts == NULL)
		return -1;
	if (feat_present(v->features, "utt_break"))
		utt_break = val_breakfunc(feat_val(v->features, "utt_break"));

	while (rc == 0 && !ts_eof(ts)) {
		token = ts_get(ts);
		if (token[0] == '\0')
			continue;
		// utt_break looks at the tokens so far and at this one, which
		// starts the next utterance when it says so.
		if (u != NULL && (utt_break(ts, token, tokens) ||
				  cost >= hard_cost ||
				  (cost >= soft_cost && punctuated))) {
			rc = speak(u, v, req);
			u = NULL;
			// Notice a cancellation before analysing more text.
			if (rc == 0 && pfGoChunk(req->handle, NULL, 0) != CST_AUDIO_STREAM_CONT)
				rc = 1;
		}
		if (u == NULL) {
			u = new_utterance();
			tokens = utt_relation_create(u, "Token");
			cost = 0;
		}
		t = relation_append(tokens, NULL);
		item_set_string(t, "name", token);
		item_set_string(t, "whitespace", ts->whitespace);
		item_set_string(t, "prepunctuation", ts->prepunctuation);
		item_set_string(t, "punc", ts->postpunctuation);
		// Where the token (with its punctuation) is in the text, for the
		// words' spans.
		item_set_int(t, "pf_pos", ts->token_pos);
		item_set_int(t, "pf_len", (int)(strlen(ts->prepunctuation) +
			strlen(token) + strlen(ts->postpunctuation)));
		cost += token_cost(token);
		punctuated = ts->postpunctuation[0] != '\0';
	}
	if (u != NULL) {
		if (rc == 0)
			rc = speak(u, v, req);
		else
			delete_utterance(u);
	}
	ts_close(ts);
	return rc;
}

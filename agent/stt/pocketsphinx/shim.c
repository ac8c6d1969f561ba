#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <err.h>
#include <cmd_ln.h>
#include <feat.h>

#include "shim.h"

/* First error reported on this thread since psg_open began. A decoder is
 * loaded inside one cgo call, so one OS thread sees all its messages. */
static __thread char first_err[256];

static void psg_log(void *user_data, err_lvl_t lvl, const char *fmt, ...)
{
	va_list ap;

	(void)user_data;
	if (lvl < ERR_ERROR || first_err[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(first_err, sizeof first_err, fmt, ap);
	va_end(ap);
}

void psg_init(void)
{
	/* Disabling the log file also stops cmd_ln from dumping the whole
	 * configuration, which it writes to the log file directly. */
	err_set_logfp(NULL);
	err_set_callback(psg_log, NULL);
}

int psg_known(const char *name)
{
	const arg_t *a;

	for (a = ps_args(); a->name != NULL; a++)
		if (strcmp(a->name, name) == 0)
			return 1;
	return 0;
}

ps_decoder_t *psg_open(int argc, char **argv, char *err, int errlen)
{
	cmd_ln_t *config;
	ps_decoder_t *ps = NULL;

	first_err[0] = '\0';
	config = cmd_ln_parse_r(NULL, ps_args(), argc, argv, TRUE);
	if (config != NULL) {
		ps = ps_init(config);
		/* ps_init holds its own reference. */
		cmd_ln_free_r(config);
	}
	if (ps == NULL)
		snprintf(err, errlen, "%s", first_err);
	return ps;
}

const char *psg_hyp(ps_decoder_t *ps)
{
	int32 score = 0;

	return ps_get_hyp(ps, &score);
}

struct psg_cmn_s {
	cmn_type_t type;
	int32 nframe;
	int32 veclen;
	mfcc_t *mean; /* veclen values, then veclen sums */
};

psg_cmn_t *psg_cmn_save(ps_decoder_t *ps)
{
	feat_t *f = ps_get_feat(ps);
	cmn_t *c = f->cmn_struct;
	psg_cmn_t *s;

	if (c == NULL)
		return NULL;
	s = malloc(sizeof *s);
	if (s == NULL)
		return NULL;
	s->mean = malloc(2 * (size_t)c->veclen * sizeof(mfcc_t));
	if (s->mean == NULL) {
		free(s);
		return NULL;
	}
	s->type = f->cmn;
	s->nframe = c->nframe;
	s->veclen = c->veclen;
	memcpy(s->mean, c->cmn_mean, c->veclen * sizeof(mfcc_t));
	memcpy(s->mean + c->veclen, c->sum, c->veclen * sizeof(mfcc_t));
	return s;
}

void psg_cmn_restore(ps_decoder_t *ps, const psg_cmn_t *s)
{
	feat_t *f = ps_get_feat(ps);
	cmn_t *c = f->cmn_struct;

	if (s == NULL || c == NULL || c->veclen != s->veclen)
		return;
	f->cmn = s->type;
	c->nframe = s->nframe;
	memcpy(c->cmn_mean, s->mean, c->veclen * sizeof(mfcc_t));
	memcpy(c->sum, s->mean + c->veclen, c->veclen * sizeof(mfcc_t));
}

void psg_cmn_free(psg_cmn_t *s)
{
	if (s != NULL)
		free(s->mean);
	free(s);
}

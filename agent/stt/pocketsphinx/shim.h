#ifndef PARLEY_PSG_SHIM_H
#define PARLEY_PSG_SHIM_H

#include <pocketsphinx.h>

/* psg_init silences pocketsphinx's logging for the whole process and
 * routes error messages to a per-thread buffer. Call it once. */
void psg_init(void);

/* psg_known reports whether pocketsphinx has a flag called name. */
int psg_known(const char *name);

/* psg_open parses argv (name/value pairs; the strings must outlive the
 * decoder, because sphinxbase keys its table by these very pointers) and
 * loads a decoder. On failure it returns NULL and copies the first error
 * pocketsphinx reported on this thread into err. */
ps_decoder_t *psg_open(int argc, char **argv, char *err, int errlen);

/* psg_cmn is a copy of a decoder's cepstral mean normalisation state. */
typedef struct psg_cmn_s psg_cmn_t;

/* psg_cmn_save copies ps's current CMN state; psg_cmn_restore puts it
 * back. pocketsphinx adapts the cepstral mean from utterance to utterance,
 * so restoring the state saved after loading makes the next utterance
 * decode exactly as on a fresh decoder. */
psg_cmn_t *psg_cmn_save(ps_decoder_t *ps);
void psg_cmn_restore(ps_decoder_t *ps, const psg_cmn_t *saved);
void psg_cmn_free(psg_cmn_t *saved);

/* psg_hyp returns the current hypothesis, or NULL if there is none. */
const char *psg_hyp(ps_decoder_t *ps);

#endif

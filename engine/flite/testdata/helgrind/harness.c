// A C stand-in for the Go side of the flite binding, for running the shim
// under Valgrind's Helgrind, which sees the races that Go's race detector
// cannot (those inside C code). TestHelgrind builds it with ../../shim.c.
//
// It registers the voices once, speaks every job on one thread to get
// reference checksums, then speaks all of them again from THREADS
// threads at once, each thread taking the jobs in a different order, and
// exits 1 if any output differs from the reference.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <flite/cst_audio.h>

#include "shim.h"

#define THREADS 4

struct result {
	uint64_t sum;   // FNV-1a over the samples
	long samples;
};

int pfGoChunk(uintptr_t handle, short *samples, int n)
{
	struct result *r = (struct result *)handle;
	int i;

	for (i = 0; i < n; i++) {
		r->sum ^= (uint16_t)samples[i];
		r->sum *= 1099511628211ULL;
	}
	r->samples += n;
	return CST_AUDIO_STREAM_CONT;
}

struct job {
	int voice;
	const char *text;
	float stretch, f0_mean, f0_stddev;
};

static const struct job jobs[] = {
	{PF_SLT, "The 3rd of May, 1999: Dr. Smith paid $12.50.", 0, 0, 0},
	{PF_RMS, "Hello there. How are you today?", 1.3f, 90, 10},
	{PF_AWB, "It's 10:45 a.m., and the train to Glasgow is late.", 0.8f, 0, 0},
	{PF_KAL16, "Call 555-1234, or e-mail info@example.com.", 0, 120, 20},
};
#define NJOBS (int)(sizeof(jobs) / sizeof(jobs[0]))

static struct result want[NJOBS];

static int speak(int j, struct result *r)
{
	pf_request req = {jobs[j].stretch, jobs[j].f0_mean, jobs[j].f0_stddev, 800, (uintptr_t)r};

	memset(r, 0, sizeof(*r));
	r->sum = 14695981039346656037ULL;
	return pf_synth(jobs[j].voice, jobs[j].text, &req);
}

static void *worker(void *arg)
{
	int t = (int)(intptr_t)arg, i, j;
	struct result r;
	intptr_t bad = 0;

	for (i = 0; i < NJOBS; i++) {
		j = (i + t) % NJOBS;
		if (speak(j, &r) != 0 || r.sum != want[j].sum || r.samples != want[j].samples) {
			fprintf(stderr, "thread %d, job %d: %ld samples, checksum %llx; want %ld, %llx\n", t, j,
				r.samples, (unsigned long long)r.sum, want[j].samples, (unsigned long long)want[j].sum);
			bad = 1;
		}
	}
	return (void *)bad;
}

int main(void)
{
	pthread_t th[THREADS];
	void *bad;
	int i, failed = 0;

	if (pf_init() != 0)
		return 2;
	for (i = 0; i < NJOBS; i++) {
		if (speak(i, &want[i]) != 0 || want[i].samples == 0) {
			fprintf(stderr, "job %d: no audio\n", i);
			return 2;
		}
	}
	for (i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], &bad);
		failed |= bad != NULL;
	}
	printf("%d threads x %d jobs: %s\n", THREADS, NJOBS, failed ? "outputs differ" : "identical to the serial run");
	return failed;
}

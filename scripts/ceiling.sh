#!/usr/bin/env bash
# ceiling.sh: the most concurrent sessions that one engine voice serves at a
# given token rate, found by doubling and then bisecting with `parley bench`.
# Sessions listen (--listen): each answer is played before the next, as in
# a conversation.
#
#   scripts/ceiling.sh URL KEY "VOICE DESCRIPTION" [TOKENS_PER_SEC] [DURATION]
#
# Prints one line per trial and, last, "ceiling N". A trial passes when no
# session failed and at most 10% of generations had a playback underrun.
# Not zero: at 20 tokens/s about 3% of the built-in corpus's generations
# underrun at any load, because the protocol's segmentation speaks a
# one-word first sentence ("Sure!") alone and the next sentence end comes
# more than its audio's length later (BENCHMARKS.md); the budget leaves
# room for that rate's noise over a few dozen generations. Overload shows
# as underruns in most generations, far above it.
set -euo pipefail
url=$1 key=$2 desc=$3 rate=${4:-20} dur=${5:-30s}
bin=${PARLEY:-bin/parley}

# trial N: exit 0 when N sessions pass.
trial() {
	local n=$1 out
	out=$("$bin" bench --url "$url" --key "$key" --voice-description "$desc" \
		--sessions "$n" --tokens-per-sec "$rate" --duration "$dur" --ramp 5s --mode binary --listen --json 2>/dev/null)
	local und failed gens
	und=$(grep -A3 '"underruns"' <<<"$out" | sed -n 's/.*"generations": \([0-9]*\).*/\1/p' | head -1)
	failed=$(grep -A3 '"sessions"' <<<"$out" | sed -n 's/.*"failed": \([0-9]*\).*/\1/p' | head -1)
	gens=$(grep -A2 '"generations": {' <<<"$out" | sed -n 's/.*"completed": \([0-9]*\).*/\1/p' | head -1)
	local p99
	p99=$(grep -A7 '"ttfa_sentence_ms"' <<<"$out" | sed -n 's/.*"p99": \([0-9.]*\).*/\1/p' | head -1)
	printf 'sessions %d: %s generations, %s with underruns, %s sessions failed, TTFA after sentence end p99 %s ms\n' \
		"$n" "${gens:-0}" "${und:-?}" "${failed:-?}" "${p99:-?}" >&2
	[[ ${failed:-1} == 0 && ${gens:-0} -gt 0 && $((${und:-1} * 100)) -le $((gens * 10)) ]]
}

lo=0 hi=${START:-10}
while trial "$hi"; do
	lo=$hi
	hi=$((hi * 2))
	if ((hi > ${MAX:-1000})); then
		echo "ceiling >= $lo (stopped at MAX)"
		exit 0
	fi
done
# lo passes, hi fails: bisect to within 15%.
while ((hi - lo > (lo * 15 / 100 > 1 ? lo * 15 / 100 : 1))); do
	mid=$(((lo + hi) / 2))
	if trial "$mid"; then lo=$mid; else hi=$mid; fi
done
echo "ceiling $lo"

#!/usr/bin/env bash
# Installs what Parley needs on Debian 12 and is missing: system packages
# through apt (as root, or with sudo), Go modules through the module proxy,
# and, with --test, the npm packages of the interop tests. Safe to re-run:
# it does nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build and run: a C compiler and pkg-config for cgo; the engines (espeak-ng,
# flite); the audio encoders (LAME mp3, libopusenc Ogg Opus, libFLAC, FFmpeg's
# libavcodec for AAC); pocketsphinx and its English model (the agent's STT).
PKGS=(gcc pkg-config libespeak-ng-dev espeak-ng-data flite1-dev
	libmp3lame-dev libopusenc-dev libopus-dev libflac-dev libavcodec-dev
	libpocketsphinx-dev pocketsphinx-en-us)
command -v node >/dev/null 2>&1 || PKGS+=(nodejs)
command -v npm >/dev/null 2>&1 || PKGS+=(npm)
# Tests: FFmpeg and sox decode our audio independently; Chromium runs the
# agent page (driven by playwright-core from npm). PostgreSQL, Redis and
# nginx are the real parts of the multi-node tests (internal/testinfra starts
# its own instances on loopback; the packages' own services are not used);
# systemd-analyze checks deploy/parley.service.
TEST_PKGS=(ffmpeg sox chromium postgresql redis-server nginx systemd)

want=("${PKGS[@]}")
test_mode=0
if [[ "${1:-}" == "--test" ]]; then
	test_mode=1
	want+=("${TEST_PKGS[@]}")
fi

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "deps: installing ${missing[*]}" >&2
	SUDO=""
	[[ $(id -u) -eq 0 ]] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v go >/dev/null 2>&1; then
	export PATH="$PATH:/usr/local/go/bin"
fi
go mod download

# npm_ci DIR installs DIR's locked npm packages unless they are current.
npm_ci() {
	if [[ ! -d "$1/node_modules" ]] || [[ "$1/package-lock.json" -nt "$1/node_modules" ]]; then
		(cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
		touch "$1/node_modules"
	fi
}
# Runtime assets from npm: the Silero VAD model and the onnxruntime library.
npm_ci deps/npm
if ((test_mode)); then
	npm_ci tests/node
fi

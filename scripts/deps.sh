#!/usr/bin/env bash
# Installs what Parley needs on Debian 12 and is missing: system packages
# through apt (as root, or with sudo), Go modules through the module proxy,
# and, with --test, the npm packages of the interop tests. Safe to re-run:
# it does nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build and run: C libraries of the engines (cgo), pkg-config, a C compiler.
PKGS=(gcc pkg-config libespeak-ng-dev espeak-ng-data flite1-dev)
# Tests: pocketsphinx recognises our speech (intelligibility tests), sox
# decodes audio independently, Node.js runs the npm interop clients.
TEST_PKGS=(libpocketsphinx-dev pocketsphinx-en-us sox)

want=("${PKGS[@]}")
test_mode=0
if [[ "${1:-}" == "--test" ]]; then
	test_mode=1
	want+=("${TEST_PKGS[@]}")
	command -v node >/dev/null 2>&1 || want+=(nodejs)
	command -v npm >/dev/null 2>&1 || want+=(npm)
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

if ((test_mode)); then
	if [[ ! -d tests/node/node_modules ]] || [[ tests/node/package-lock.json -nt tests/node/node_modules ]]; then
		(cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
	fi
fi

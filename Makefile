# Parley. `make run` installs what is missing and serves with a dev key;
# `make test` runs the whole test suite (what CI runs).
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
BIN := bin/parley
DATA ?= ./data
ADDR ?= :8080
FUZZTIME ?= 10s

.PHONY: run build deps test-deps test test-nocgo vet fuzz bench clean

build:
	$(GO) build -o $(BIN) ./cmd/parley

deps:
	./scripts/deps.sh

test-deps:
	./scripts/deps.sh --test

# The dev key lives in $(DATA)/dev-key (mode 0600) so that re-runs reuse it;
# the store itself keeps only its hash.
run: deps build
	@mkdir -p $(DATA)
	@if [ ! -s $(DATA)/dev-key ]; then \
		$(BIN) keys create --plan scale --name dev --data $(DATA) | tail -n 1 > $(DATA)/dev-key.tmp && \
		chmod 600 $(DATA)/dev-key.tmp && mv $(DATA)/dev-key.tmp $(DATA)/dev-key; fi
	@echo
	@echo "  Parley is starting on $(ADDR)  (Ctrl-C to stop)"
	@echo "  dev API key: $$(cat $(DATA)/dev-key)"
	@echo "  realtime:    ws://localhost$(ADDR)/v1/realtime"
	@echo "  metrics:     http://localhost$(ADDR)/metrics"
	@echo "  voice agent: http://localhost$(ADDR)/agent#key=$$(cat $(DATA)/dev-key)"
	@echo
	$(BIN) serve --addr $(ADDR) --data $(DATA) --log-format text

# realtime and httpapi keep their end-to-end tests (a whole node, the real
# engines) behind the build tag e2e; their default tests use fakes.
E2E := ./realtime ./httpapi

vet:
	$(GO) vet ./...
	$(GO) vet -tags e2e $(E2E)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }

# Short runs of every fuzz target; `make fuzz FUZZTIME=10m` for long ones.
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) ./scripts/fuzz.sh

test: test-deps vet
	$(GO) test -race -count=1 -timeout 20m ./...
	$(GO) test -race -count=1 -timeout 20m -tags e2e $(E2E)
	$(MAKE) test-nocgo
	$(MAKE) fuzz FUZZTIME=$(FUZZTIME)

# The default tests of realtime and httpapi need no C library: built without
# cgo, the engines are stubs, and the tests still pass.
test-nocgo:
	CGO_ENABLED=0 $(GO) test -count=1 $(E2E)

bench:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./...

clean:
	rm -rf bin

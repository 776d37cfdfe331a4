# rr-swift: `make build` builds the tools (release), `make test` installs what is missing,
# builds everything and runs every test.
SHELL := /bin/bash
CC ?= cc
PROGRAMS_DIR ?= .build/programs
SWIFT_FLAGS ?=
DEBIAN_PACKAGES := zlib1g-dev libzstd-dev libseccomp-dev libelf-dev

.PHONY: all build deps programs test bench clean

all: build

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null || \
	  { echo "could not install$$missing (run as root or install them yourself)"; exit 1; }; fi

build: deps
	swift build -c release $(SWIFT_FLAGS)

-include Tests/Programs/Makefile.inc

test: build programs
	swift build --build-tests $(SWIFT_FLAGS)
	swift test --skip-build $(SWIFT_FLAGS)

# Release-build benchmark: native vs record vs replay (and strace -f), medians of RUNS runs.
bench: build programs
	bash Tests/Bench/bench.sh

clean:
	rm -rf .build

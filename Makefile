# rr-swift: `make build` builds the tools (release), `make test` installs what is missing,
# builds everything and runs every test.
SHELL := /bin/bash
CC ?= cc
PROGRAMS_DIR ?= .build/programs
SWIFT_FLAGS ?=
DEBIAN_PACKAGES := zlib1g-dev libzstd-dev libseccomp-dev libelf-dev libzydis-dev libssl-dev

.PHONY: all build deps preload programs test bench clean

all: build

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null || \
	  { echo "could not install$$missing (run as root or install them yourself)"; exit 1; }; fi

build: deps preload
	swift build -c release $(SWIFT_FLAGS)

# The syscall-buffering library injected into recorded programs: plain C that needs nothing but
# libc (see the comment at the top of preload.c for the flags).
PRELOAD_LIBRARY := .build/preload/librrpreload.so
preload: $(PRELOAD_LIBRARY)
$(PRELOAD_LIBRARY): Sources/Preload/preload.c Sources/Preload/syscallbuf.h
	@mkdir -p $(@D)
	$(CC) -O2 -shared -fPIC -Wall -Wextra -mgeneral-regs-only -mno-red-zone -fno-stack-protector -fno-builtin \
	  -fno-tree-loop-distribute-patterns -ftls-model=initial-exec -fvisibility=hidden -o $@ $<

-include Tests/Programs/Makefile.inc

# Every test runs with syscall buffering (the default), then the record/replay tests again
# with it off (rr-launch record -n); run as root (as CI does), the record/replay tests then run
# once more in both modes as an ordinary user, created for it (Tests/Scripts/as-unprivileged-user.sh).
test: build programs
	swift build --build-tests $(SWIFT_FLAGS)
	swift test --skip-build $(SWIFT_FLAGS)
	RR_SWIFT_NO_SYSCALL_BUFFER=1 swift test --skip-build $(SWIFT_FLAGS) --filter IntegrationTests
	bash Tests/Scripts/as-unprivileged-user.sh

# Release-build benchmark: native vs record vs replay (and strace -f), medians of RUNS runs.
bench: build programs
	bash Tests/Bench/bench.sh

clean:
	rm -rf .build

# rr-swift: `make build` builds the tools (release), `make test` installs what is missing,
# builds everything and runs every test.
SHELL := /bin/bash
CC ?= cc
PROGRAMS_DIR ?= .build/programs
SWIFT_FLAGS ?=
# gdb: `rr-launch replay` is a gdb session by default (as in rr).
DEBIAN_PACKAGES := zlib1g-dev libzstd-dev libseccomp-dev libelf-dev libzydis-dev libssl-dev gdb

.PHONY: all build deps preload programs test bench bench-reverse bench-codecs clean fuzz fuzz-build fuzz-seeds

all: build

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null || \
	  { echo "could not install$$missing (run as root or install them yourself)"; exit 1; }; fi

# The tools link the Swift runtime statically: each starts ~4 ms sooner (no symbol lookups
# across libswiftCore, Foundation and the rest), and a recording starts two of them.
RELEASE_FLAGS := --static-swift-stdlib
build: deps preload
	swift build -c release $(RELEASE_FLAGS) $(SWIFT_FLAGS)

# The syscall-buffering library injected into recorded programs: plain C that needs nothing but
# libc (see the comment at the top of preload.c for the flags).
PRELOAD_LIBRARY := .build/preload/librrpreload.so
preload: $(PRELOAD_LIBRARY)
$(PRELOAD_LIBRARY): Sources/Preload/preload.c Sources/Preload/syscallbuf.h Sources/CRRShims/include/output_digest.h
	@mkdir -p $(@D)
	$(CC) -O2 -shared -fPIC -Wall -Wextra -mgeneral-regs-only -mno-red-zone -fno-stack-protector -fno-builtin \
	  -fno-tree-loop-distribute-patterns -ftls-model=initial-exec -fvisibility=hidden -o $@ $<

-include Tests/Programs/Makefile.inc

# Every test runs with syscall buffering (the default), then the record/replay tests again
# with it off (rr-launch record -n); run as root (as CI does), the record/replay tests then run
# once more in both modes as an ordinary user, created for it (Tests/Scripts/as-unprivileged-user.sh).
# The tests' recordings and replays keep their caches under .build, so that they neither start
# from nor fill the user's own (~/.cache/rr-swift; each cache is bounded, RR_SWIFT_CACHE_LIMIT).
TEST_CACHE_HOME := $(CURDIR)/.build/test-cache

test: build programs
	swift build --build-tests $(SWIFT_FLAGS)
	XDG_CACHE_HOME=$(TEST_CACHE_HOME) swift test --skip-build $(SWIFT_FLAGS)
	XDG_CACHE_HOME=$(TEST_CACHE_HOME) RR_SWIFT_NO_SYSCALL_BUFFER=1 swift test --skip-build $(SWIFT_FLAGS) --filter IntegrationTests
	bash Tests/Scripts/as-unprivileged-user.sh

# Release-build benchmark: native vs record vs replay (and strace -f), medians of RUNS runs.
bench: build programs
	bash Tests/Bench/bench.sh

# gdb's reverse-continue in a recording of EVENTS (default a million) traced syscalls, near its
# end and near its start, against the plain replay (issue 13's goal: 2 s and 10 s).
bench-reverse: build
	bash Tests/Bench/reverse_bench.sh

# Block codecs (ratio, MB/s) on the bench workloads' traces, and their effect on record time.
bench-codecs: build
	bash Tests/Bench/codec_bench.sh

# Fuzzing: libFuzzer targets over the trace stream reader and the message decoder
# (Sources/RRFuzzTargets), built with -sanitize=fuzzer,address in their own build path so normal
# builds are unaffected. Each runs FUZZ_SECONDS from the checked-in seeds (Tests/FuzzCorpus/TARGET)
# plus what earlier runs kept (.build/fuzz/corpus/TARGET); a crash, timeout or an allocation over
# its malloc limit stops it with the input in .build/fuzz/artifacts/TARGET. Fix the code, then
# check the (small) input into Tests/FuzzCorpus/TARGET, which `make test` replays without libFuzzer.
# Malloc limits: a 4 KiB input is a zstd block of at most 4 KiB, which can stand for at most
# 128 MiB (Zstandard.maximumExpansion); one message decodes to a few copies of its bytes.
FUZZ_TARGETS := rr-fuzz-stream rr-fuzz-events
FUZZ_SECONDS ?= 60
FUZZ_BUILD := .build/fuzz
FUZZ_MAX_LEN ?= 4096
FUZZ_MALLOC_MB_rr-fuzz-stream := 160
FUZZ_MALLOC_MB_rr-fuzz-events := 4
FUZZ_OPTIONS ?= -max_len=$(FUZZ_MAX_LEN) -rss_limit_mb=2048 -timeout=10 -print_final_stats=1

fuzz-build: deps
	@for target in $(FUZZ_TARGETS); do \
	  swift build -c release --build-path $(FUZZ_BUILD) --product $$target \
	    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DRR_LIBFUZZER $(SWIFT_FLAGS) || exit 1; done

fuzz: fuzz-build
	@$(MAKE) --no-print-directory $(addprefix fuzz-run-,$(FUZZ_TARGETS))

fuzz-run-%:
	@mkdir -p $(FUZZ_BUILD)/corpus/$* $(FUZZ_BUILD)/artifacts/$*
	@echo "== $*: $(FUZZ_SECONDS) s (log: $(FUZZ_BUILD)/$*.log)"
	@SWIFT_BACKTRACE=enable=no $(FUZZ_BUILD)/release/$* -max_total_time=$(FUZZ_SECONDS) $(FUZZ_OPTIONS) \
	  -malloc_limit_mb=$(FUZZ_MALLOC_MB_$*) -artifact_prefix=$(FUZZ_BUILD)/artifacts/$*/ \
	  $(FUZZ_BUILD)/corpus/$* Tests/FuzzCorpus/$* > $(FUZZ_BUILD)/$*.log 2>&1; status=$$?; \
	grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::|^Done' $(FUZZ_BUILD)/$*.log; \
	if [ $$status -ne 0 ]; then tail -40 $(FUZZ_BUILD)/$*.log; echo "$*: finding, see $(FUZZ_BUILD)/artifacts/$*"; exit 1; fi

# Writes the seed corpus again from fresh recordings (a clean environment keeps the recorded
# argv/envp small and free of anything private). Check the result before committing it.
FUZZ_SEED_DIR := .build/fuzz-seeds
fuzz-seeds: build programs
	rm -rf $(FUZZ_SEED_DIR) && mkdir -p $(FUZZ_SEED_DIR)/cache
	seed_env="env -i PATH=/usr/bin:/bin HOME=/tmp RR_SWIFT_NO_BUILD=1 RR_SWIFT_BLOCK_CACHE=$(CURDIR)/$(FUZZ_SEED_DIR)/cache"; \
	$$seed_env bin/rr-launch record -o $(FUZZ_SEED_DIR)/true.rrt -- /bin/true && \
	$$seed_env bin/rr-launch record --compression zstd -o $(FUZZ_SEED_DIR)/fork_wait.rrt -- $(PROGRAMS_DIR)/fork_wait >/dev/null && \
	$$seed_env bin/rr-launch record -n -o $(FUZZ_SEED_DIR)/true-n.rrt -- /bin/true
	rm -rf Tests/FuzzCorpus/rr-fuzz-stream/valid-* Tests/FuzzCorpus/rr-fuzz-stream/truncated-* Tests/FuzzCorpus/rr-fuzz-events/valid-*
	.build/release/rr-fuzz-stream --make-seeds Tests/FuzzCorpus $(FUZZ_SEED_DIR)/true.rrt $(FUZZ_SEED_DIR)/fork_wait.rrt $(FUZZ_SEED_DIR)/true-n.rrt

clean:
	rm -rf .build

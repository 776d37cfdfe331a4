#!/usr/bin/env bash
# make bench: wall time of native runs vs record vs replay (and strace -f as a peer), medians of
# RUNS runs, measured in this one run on release builds. Prints ratios to native, trace size and
# trace bytes per second of native run time, and the trace's compression ratio.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
launcher="$root/bin/rr-launch"
runs=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export RR_SWIFT_CONFIGURATION=release RR_SWIFT_NO_BUILD=1 RR_SWIFT_TRACE_DIR="$work/traces"

# Inputs the workloads use, generated here.
head -c 50000000 /dev/urandom > "$work/big.bin"
mkdir -p "$work/mk"
for i in $(seq 1 20); do printf 'int f%d(int x){return x*%d+1;}\n' "$i" "$i" > "$work/mk/f$i.c"; done
{ printf '#include <stdio.h>\n'; for i in $(seq 1 20); do printf 'int f%d(int);\n' "$i"; done
  printf 'int main(void){int s=0;\n'; for i in $(seq 1 20); do printf 's+=f%d(%d);\n' "$i" "$i"; done
  printf 'printf("%%d\\n",s);return 0;}\n'; } > "$work/mk/main.c"
printf 'OBJS=$(patsubst %%.c,%%.o,$(wildcard *.c))\nprog: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n%%.o: %%.c\n\t$(CC) -O1 -c $< -o $@\n' > "$work/mk/Makefile"
cat > "$work/imports.py" <<'PY'
import json, re, os, sys, collections, itertools, functools, datetime, decimal, fractions, hashlib
import random, string, textwrap, csv, io, pathlib, tempfile, shutil, struct
d = tempfile.mkdtemp()
for i in range(50):
    pathlib.Path(d, "f%d.txt" % i).write_text(json.dumps({"i": i, "h": hashlib.sha256(str(i).encode()).hexdigest()}))
print(sum(len(p.read_text()) for p in pathlib.Path(d).iterdir()))
shutil.rmtree(d)
PY

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# time_it NAME PREP COMMAND...: median wall time in ms over $runs runs; PREP runs before each.
time_it() {
    local prep=$1; shift
    for _ in $(seq 1 "$runs"); do
        eval "$prep"
        local start; start=$(now)
        "$@" >/dev/null 2>&1
        echo $(( ($(now) - start) / 1000000 ))
    done | median
}

bench_number=0
printf '%-34s %9s %9s %9s %9s %7s %7s %7s %10s %8s\n' workload native_ms record_ms replay_ms strace_ms rec_x rep_x strace_x trace_MB/s deflate
bench() {
    local name=$1 prep=$2 dir=$3; shift 3
    cd "$dir" || return
    bench_number=$((bench_number + 1))
    local native record replay strace_ms trace="$work/bench-$bench_number.rrt"
    native=$(time_it "$prep" "$@")
    record=$(time_it "$prep" "$launcher" record -o "$trace" -- "$@")
    replay=$(time_it ":" "$launcher" replay "$trace")
    strace_ms=$(time_it "$prep" strace -f -o /dev/null "$@")
    local info stored raw
    info=$("$root/.build/release/rr-inspect" traceinfo "$trace")
    stored=$(echo "$info" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stored_bytes"])')
    raw=$(echo "$info" | python3 -c 'import json,sys; print(json.load(sys.stdin)["raw_bytes"])')
    awk -v n="$name" -v a="$native" -v r="$record" -v p="$replay" -v s="$strace_ms" -v st="$stored" -v rw="$raw" 'BEGIN {
        if (a < 1) a = 1
        printf "%-34s %9d %9d %9d %9d %7.1f %7.1f %7.1f %10.1f %7.1fx\n", n, a, r, p, s, r/a, p/a, s/a, st/1e6/(a/1000), rw/st }'
    cd "$work" || return
}

bench "sha256sum 50MB" ":" "$work" sha256sum "$work/big.bin"
bench "python3 -c pass" ":" "$work" /usr/bin/python3 -c pass
bench "python3 20 imports + file I/O" ":" "$work" /usr/bin/python3 "$work/imports.py"
bench "sh -c 'seq|sort -rn|head'" ":" "$work" sh -c 'seq 1 200000 | sort -rn | head -5'
bench "make -j2 (20 files)" "rm -f $work/mk/*.o $work/mk/prog" "$work/mk" make -j2
echo "ratios are wall time relative to the native run; trace_MB/s is trace bytes per second of native run time; deflate is raw/stored bytes"

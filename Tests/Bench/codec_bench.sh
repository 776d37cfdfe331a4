#!/usr/bin/env bash
# make bench-codecs: how each candidate block codec does on the data the bench workloads put into
# their traces, and what the codec choice does to the wall time of recording.
#  1. Records each workload once (release build) and runs codec_measure.c over the trace: ratio,
#     compress and decompress MB/s of every candidate on the trace's own blocks.
#  2. Times native runs and `record --compression C` of the workloads whose traces are large
#     (sha256sum of 50 MB of random bytes and of 50 MB of shared libraries, sort of 200 MB of
#     base64 text), medians of RUNS runs (default 3) taken in turns.
# Prints markdown tables; protocol/README.md section 6.3.1 holds the numbers of one run.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
launcher="$root/bin/rr-launch"
runs=${RUNS:-3}
work=$(mktemp -d)
cpdir=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$work" "$cpdir"' EXIT
export RR_SWIFT_CONFIGURATION=release RR_SWIFT_NO_BUILD=1 RR_SWIFT_TRACE_DIR="$work/traces" LC_ALL=C
python=/usr/bin/python3

cc -O2 -Wall -o "$work/codec_measure" "$root/Tests/Bench/codec_measure.c" -lz -lzstd \
    || { echo "bench-codecs: cannot build codec_measure" >&2; exit 1; }
source "$root/Tests/Bench/inputs.sh"
# Compressible data read as fast as random bytes: 50 MB of this machine's shared libraries. Here a
# codec slower than the recording's data rate shows, which random bytes (stored by zstd at any
# level) and sort (slow itself) hide.
find /usr/lib/x86_64-linux-gnu -name '*.so*' -type f -size +100k -print0 2>/dev/null | sort -z | xargs -0 cat 2>/dev/null \
    | head -c 50000000 > "$work/libs.bin"

# record_trace NAME DIR COMMAND...: records COMMAND in DIR into $work/NAME.rrt.
record_trace() {
    local name=$1 dir=$2; shift 2
    (cd "$dir" && "$launcher" record -o "$work/$name.rrt" -- "$@" >/dev/null 2>"$work/stderr") \
        || { echo "bench-codecs: recording $name failed:" >&2; tail -n 3 "$work/stderr" >&2; exit 1; }
}
echo "bench-codecs: recording the workloads ..." >&2
record_trace sha256sum "$work" sha256sum "$work/big.bin"
record_trace sha256sum-libs "$work" sha256sum "$work/libs.bin"
record_trace sort "$work" sort "$work/sort.txt" -o "$work/sort.out"
record_trace python3 "$work" "$python" "$work/imports.py"
record_trace cp "$work" cp -a "$cpdir/cp-src" "$cpdir/cp-dst"
record_trace make "$work/mk" make -j2

echo "bench-codecs: compressing each trace's blocks with each codec ..." >&2
"$work/codec_measure" "sha256sum 50 MB random" "$work/sha256sum.rrt" "sha256sum 50 MB of libraries" "$work/sha256sum-libs.rrt" \
    "sort $sort_mb MB base64" "$work/sort.rrt" \
    "python3 20 imports + file I/O" "$work/python3.rrt" "cp -a ($cp_files files, $cp_mb MB)" "$work/cp.rrt" \
    "make -j2 (20 files)" "$work/make.rrt" || exit 1
rm -f "$work"/*.rrt

now() { date +%s%N; }
# run_ms COMMAND...: one run's wall time in ms, or ERR (with the failure's stderr on ours).
run_ms() {
    local start; start=$(now)
    "$@" >/dev/null 2>"$work/stderr" || { echo "bench-codecs: failed: $*" >&2; tail -n 3 "$work/stderr" >&2; echo ERR; return; }
    echo $(( ($(now) - start) / 1000000 ))
}
# median_of "T1 T2 ...": the median, or ERR if any run failed.
median_of() {
    case " $1 " in *" ERR "*) echo ERR; return ;; esac
    tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
failed=0
# wall_row NAME PREP COMMAND...: native, then record with each codec, and the trace sizes. The
# runs take turns (native, zlib, zstd, native, ...) so that load from elsewhere on the machine
# falls on every column alike; PREP runs untimed before each run.
wall_row() {
    local name=$1 prep=$2; shift 2
    local i codec cells="" native
    declare -A times=() sizes=()
    for ((i = 0; i < runs; i++)); do
        eval "$prep"
        times[native]+="$(run_ms "$@") "
        for codec in zlib zstd; do
            eval "$prep"
            times[$codec]+="$(run_ms "$launcher" record --compression "$codec" -o "$work/t.rrt" -- "$@") "
            sizes[$codec]=$(stat -c %s "$work/t.rrt" 2>/dev/null || echo 0)
            rm -f "$work/t.rrt"
        done
    done
    native=$(median_of "${times[native]}")
    for codec in zlib zstd; do
        local ms; ms=$(median_of "${times[$codec]}")
        if [ "$ms" = ERR ] || [ "$native" = ERR ]; then failed=1; cells+=" ERR |"; continue; fi
        cells+=$(awk -v t="$ms" -v n="$native" -v b="${sizes[$codec]}" \
            'BEGIN { printf " %s ms (%.1fx), %.1f MB |", t, t / (n < 1 ? 1 : n), b / 1e6 }')
    done
    printf '| %-26s | %s ms |%s\n' "$name" "$native" "$cells"
}
echo >&2 "bench-codecs: timing record with each codec ($runs runs each) ..."
echo
echo "| workload | native | record --compression zlib (trace) | record --compression zstd (trace) |"
echo "|---|---:|---:|---:|"
cd "$work" || exit 1
wall_row "sha256sum 50 MB random" ":" sha256sum "$work/big.bin"
wall_row "sha256sum 50 MB libraries" ":" sha256sum "$work/libs.bin"
wall_row "sort $sort_mb MB base64" "rm -f '$work/sort.out'; sync" sort "$work/sort.txt" -o "$work/sort.out"
echo
echo "codec rows: the fastest of 3 passes over the trace's blocks on one core; ratio = raw / stored bytes;"
echo "'+stored' keeps a block's raw bytes when the codec does not shrink it. Wall rows: medians of $runs runs."
exit "$failed"

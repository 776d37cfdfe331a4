#!/usr/bin/env bash
# make bench: wall time of native runs vs record vs replay, with and without syscall buffering
# (record -n), and strace -f as a reference peer; medians of RUNS runs (default 5), all measured
# in this one run on the release build. Prints a markdown table of times, ratios to native, trace
# size and trace bytes per second of native run time, then checks the goal (record <= 2.0x and
# replay <= 1.5x native on every data row, 3x on make and python3 -c pass, each recorded faster
# than strace -f, and the true row within 3x of strace -f true). The goal check is informational; the exit status
# is non-zero only if some run failed (its cell says ERR).
#
# The last three columns are the peak resident memory (ru_maxrss, the largest of the cell's runs)
# of rr-supervisor and rr-trace-writer in the buffered recordings and of rr-replayer in their
# replays, which each tool reports at exit when rr-launch gets RR_SWIFT_PEAK_RSS_FILE.
#
# Environment: RUNS (runs per cell, default 5); BENCH_ROWS: all (the default), async (only the
# asynchronous-event rows), or a comma-separated list of row keys (cp, python, sort, pipeline,
# sha256sum, python-pass, true, make, sigprof, spin, racy, setitimer); BENCH_SORT_MB (size of the sort
# input, default 200); BENCH_ASYNC_TIMEOUT_S (default 60: a longer run of those rows is killed, shown as ">ms"); BENCH_CELL_BUDGET_S (default 150, 0 = off): a cell
# stops taking runs once the next run would push its total past this many seconds, and then shows
# its run count as "ms [k]". Without it the seq|sort|uniq pipeline alone (~73 s per record -n run
# today, ~11 s buffered) would take over 7 minutes and make bench would blow its ~15 minute
# allowance; with it a whole make bench takes about 10 minutes on a 2-core machine.
#
# Rough cost per run on a 2-core machine today: sort 200 MB ~1.5-3 s native, ~10 s record and
# ~5 s replay in each mode, ~6 s strace, so ~3 minutes for its 5 runs (it keeps all 5); cp -a
# under strace ~11 s, so ~1 minute.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
launcher="$root/bin/rr-launch"
runs=${RUNS:-5}
cell_budget=${BENCH_CELL_BUDGET_S:-150}
work=$(mktemp -d)
# cp -a copies within a tmpfs: on this VM's disk the writeback of earlier runs made single runs
# of plain cp vary by 4x, which measured the disk rather than the recorder.
cpdir=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$work" "$cpdir"' EXIT
export RR_SWIFT_CONFIGURATION=release RR_SWIFT_NO_BUILD=1 RR_SWIFT_TRACE_DIR="$work/traces"
# Same collation for every mode and every caller: sort's speed depends on the locale.
export LC_ALL=C
# The system interpreter, not a version-manager shim on PATH (a shell script that would be
# recorded and timed along with Python).
python=/usr/bin/python3
bench_start=$(date +%s)

now() { date +%s%N; }
# median: of the numbers on stdin, one a line (mean of the middle two for an even count).
median() { sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else printf "%d\n", (a[NR/2]+a[NR/2+1])/2}'; }

# record -n (no syscall buffering) is optional so that this script also runs on builds that
# predate it; its columns say n/a there. The help text is captured first because grep -q would
# close the pipe early and, under pipefail, turn a match into a SIGPIPE failure.
help_text=$("$launcher" record --help 2>&1)
if grep -q -- --no-syscall-buffer <<<"$help_text"; then have_n=1; else have_n=0; fi

source "$root/Tests/Bench/inputs.sh"

# time_it PREP COMMAND...: prints "MEDIAN_MS RUNS", the median wall time over up to $runs runs
# (fewer if the cell budget runs out); PREP runs untimed before each run. Prints ERR, and the
# failure's stderr to ours, as soon as a run exits non-zero: a median of failures means nothing.
# With run_timeout set (seconds), a run that takes longer is killed and the cell is "T/O": a
# missed goal, measured, rather than a failure.
run_timeout=0
# peak_file: when set, rr-launch is asked (RR_SWIFT_PEAK_RSS_FILE) to have each tool append its
# peak resident memory there; not set for the native and strace runs.
peak_file=""
time_it() {
    local prep=$1; shift
    local times=() spent=0 ms start rc i limit=()
    [ "$run_timeout" = 0 ] || limit=(timeout -s KILL "$run_timeout")
    for ((i = 0; i < runs; i++)); do
        eval "$prep"
        start=$(now)
        if [ -n "$peak_file" ]; then
            RR_SWIFT_PEAK_RSS_FILE=$peak_file "${limit[@]}" "$@" >/dev/null 2>"$work/stderr"
        else
            "${limit[@]}" "$@" >/dev/null 2>"$work/stderr"
        fi
        rc=$?
        ms=$(( ($(now) - start) / 1000000 ))
        if [ "$run_timeout" != 0 ] && [ "$rc" = 137 ] && [ "$ms" -ge $((run_timeout * 1000)) ]; then
            echo "T/O"
            return
        fi
        if [ "$rc" != 0 ]; then
            echo "bench: exit status $rc from: $*" >&2
            tail -n 3 "$work/stderr" | sed 's/^/bench:   /' >&2
            echo ERR
            return
        fi
        times+=("$ms")
        spent=$((spent + ms))
        if [ "$cell_budget" -gt 0 ] && [ $((spent + ms)) -gt $((cell_budget * 1000)) ]; then break; fi
    done
    echo "$(printf '%s\n' "${times[@]}" | median) ${#times[@]}"
}

failed=0
# cell TIMING: the table cell for a time_it result; "ms [k]" when only k < $runs runs fit.
cell() {
    case "$1" in
        ERR|n/a) echo "$1" ;;
        T/O) echo ">$((run_timeout * 1000))" ;;
        *) set -- $1; if [ "$2" -lt "$runs" ]; then echo "$1 [$2]"; else echo "$1"; fi ;;
    esac
}
# ratio TIMING NATIVE: TIMING's median over native's, or why there is none.
ratio() {
    case "$1" in ERR|n/a) echo "$1"; return ;; esac
    if [ "$1" = T/O ]; then
        awk -v t="$((run_timeout * 1000))" -v a="${2%% *}" 'BEGIN { if (a < 1) a = 1; printf ">%.0f\n", t / a }'
        return
    fi
    [ "$2" != ERR ] || { echo ERR; return; }
    awk -v t="${1%% *}" -v a="${2%% *}" 'BEGIN { if (a < 1) a = 1; printf "%.2f\n", t / a }'
}

# peak_mib FILE TOOL: the largest peak resident memory TOOL reported in FILE, in MiB ("-" if none).
peak_mib() {
    awk -v tool="$2" '$1 == tool && $2 > max { max = $2 } END { if (max) printf "%.1f\n", max / 1024; else print "-" }' "$1" 2>/dev/null || echo -
}

# selected KEY: whether BENCH_ROWS asks for the row KEY.
async_keys=",sigprof,spin,racy,setitimer,"
selected() {
    case "${BENCH_ROWS:-all}" in
        all) return 0 ;;
        async) [[ $async_keys == *",$1,"* ]] ;;
        *) [[ ",${BENCH_ROWS}," == *",$1,"* ]] ;;
    esac
}

declare -A record_x replay_x record_n_x replay_n_x
# Medians in ms per row ("ERR", "T/O", "n/a" kept as they are), for the goal checks against strace -f.
declare -A record_ms replay_ms record_n_ms replay_n_ms strace_ms
bench_number=0
# bench KEY NAME PREP DIR COMMAND...: one table row, if BENCH_ROWS selects KEY. PREP also runs
# before each replay, so a replay that re-creates files (cp -a's destination) finds the same
# state the recording did.
bench() {
    local key=$1 name=$2 prep=$3 dir=$4; shift 4
    selected "$key" || return 0
    cd "$dir" || exit 1
    bench_number=$((bench_number + 1))
    local trace="$work/bench-$bench_number.rrt" trace_n="$work/bench-$bench_number-n.rrt"
    local native record replay record_n=n/a replay_n=n/a strace_t trace_mb=ERR trace_rate=ERR
    local record_peaks="$work/peaks-record" replay_peaks="$work/peaks-replay"
    rm -f "$record_peaks" "$replay_peaks"
    native=$(time_it "$prep" "$@")
    peak_file=$record_peaks
    record=$(time_it "$prep" "$launcher" record -o "$trace" -- "$@")
    replay=ERR
    peak_file=$replay_peaks
    case "$record" in ERR) ;; T/O) replay=n/a ;; *) replay=$(time_it "$prep" "$launcher" replay -a "$trace") ;; esac
    peak_file=""
    if [ "$have_n" = 1 ]; then
        record_n=$(time_it "$prep" "$launcher" record -n -o "$trace_n" -- "$@")
        replay_n=ERR
        case "$record_n" in ERR) ;; T/O) replay_n=n/a ;; *) replay_n=$(time_it "$prep" "$launcher" replay -a "$trace_n") ;; esac
    fi
    strace_t=$(time_it "$prep" strace -f -o /dev/null "$@")
    local t
    for t in "$native" "$record" "$replay" "$record_n" "$replay_n" "$strace_t"; do
        [ "$t" != ERR ] || failed=1
    done
    # Trace size is that of the last buffered recording, as stored on disk (compressed).
    if [ -f "$trace" ] && [ "$native" != ERR ]; then
        local bytes; bytes=$(stat -c %s "$trace")
        trace_mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f\n", b / 1e6 }')
        trace_rate=$(awk -v b="$bytes" -v a="${native%% *}" 'BEGIN { if (a < 1) a = 1; printf "%.1f\n", b / 1e6 / (a / 1000) }')
    fi
    record_ms[$name]=${record%% *} replay_ms[$name]=${replay%% *} strace_ms[$name]=${strace_t%% *}
    record_n_ms[$name]=${record_n%% *} replay_n_ms[$name]=${replay_n%% *}
    record_x[$name]=$(ratio "$record" "$native")
    replay_x[$name]=$(ratio "$replay" "$native")
    record_n_x[$name]=$(ratio "$record_n" "$native")
    replay_n_x[$name]=$(ratio "$replay_n" "$native")
    printf '| %-40s | %9s | %9s | %9s | %11s | %11s | %9s | %8s | %8s | %10s | %10s | %8s | %8s | %10s | %8s | %8s | %8s |\n' \
        "$name" "$(cell "$native")" "$(cell "$record")" "$(cell "$replay")" "$(cell "$record_n")" "$(cell "$replay_n")" \
        "$(cell "$strace_t")" "${record_x[$name]}" "${replay_x[$name]}" "${record_n_x[$name]}" "${replay_n_x[$name]}" \
        "$(ratio "$strace_t" "$native")" "$trace_mb" "$trace_rate" \
        "$(peak_mib "$record_peaks" rr-supervisor)" "$(peak_mib "$record_peaks" rr-trace-writer)" "$(peak_mib "$replay_peaks" rr-replayer)"
    rm -f "$trace" "$trace_n"
    cd "$work" || exit 1
}

printf '| %-40s | %9s | %9s | %9s | %11s | %11s | %9s | %8s | %8s | %10s | %10s | %8s | %8s | %10s | %8s | %8s | %8s |\n' \
    workload "native ms" "record ms" "replay ms" "record -n ms" "replay -n ms" "strace ms" "record x" "replay x" \
    "record -n x" "replay -n x" "strace x" "trace MB" "trace MB/s" "sup MiB" "wri MiB" "rep MiB"
printf '|%s|%s:|%s:|%s:|%s:|%s:|%s:|%s:|%s:|%s:|%s:|%s:|%s:|%s:|%s:|%s:|%s:|\n' "$(printf -- '-%.0s' {1..42})" \
    "$(printf -- '-%.0s' {1..10})" "$(printf -- '-%.0s' {1..10})" "$(printf -- '-%.0s' {1..10})" \
    "$(printf -- '-%.0s' {1..12})" "$(printf -- '-%.0s' {1..12})" "$(printf -- '-%.0s' {1..10})" \
    "$(printf -- '-%.0s' {1..9})" "$(printf -- '-%.0s' {1..9})" "$(printf -- '-%.0s' {1..11})" \
    "$(printf -- '-%.0s' {1..11})" "$(printf -- '-%.0s' {1..9})" "$(printf -- '-%.0s' {1..9})" \
    "$(printf -- '-%.0s' {1..11})" "$(printf -- '-%.0s' {1..9})" "$(printf -- '-%.0s' {1..9})" "$(printf -- '-%.0s' {1..9})"

cp_name="cp -a ($cp_files files, $cp_mb MB)"
python_name="python3 20 imports + file I/O"
# The goal workloads first, so their numbers arrive early.
# cp -a and sort write 56 and 200 MB: sync after removing the last run's output so that every
# run starts with no dirty pages and none pays for the writeback of the one before.
bench cp "$cp_name" "rm -rf '$cpdir/cp-dst'; sync" "$work" cp -a "$cpdir/cp-src" "$cpdir/cp-dst"
bench python "$python_name" ":" "$work" "$python" "$work/imports.py"
# A fresh output file each run: truncating the last run's 200 MB would be timed too.
bench sort "sort $sort_mb MB" "rm -f '$work/sort.out'; sync" "$work" sort "$work/sort.txt" -o "$work/sort.out"
bench pipeline "sh -c 'seq 1 2000000|sort|uniq -c|wc -l'" ":" "$work" sh -c 'seq 1 2000000 | sort | uniq -c | wc -l'
# Cheap extras: raw read throughput, fixed start-up cost, and many short-lived processes.
bench sha256sum "sha256sum 50 MB" ":" "$work" sha256sum "$work/big.bin"
bench python-pass "python3 -c pass" ":" "$work" "$python" -c pass
# The fixed cost: native true is too short to divide by, so its goal is against strace -f true.
true_name="true (fixed cost)"
bench true "$true_name" ":" "$work" true
bench make "make -j2 (20 files)" "rm -f '$work'/mk/*.o '$work/mk/prog'" "$work/mk" make -j2
# Asynchronous events (issue 10): signals landing in user code and preemption of threads that make
# no syscalls. Replay finds each such point with an execution breakpoint and compares state at
# every visit of the address since the thread's previous event, so hot loops replay slowly: a run
# is killed after BENCH_ASYNC_TIMEOUT_S seconds (default 60) and its cell says ">ms".
async_cc() { gcc -O2 -pthread -o "$work/$1" "$root/Tests/Bench/programs/$1.c" || { echo "bench: cannot build $1" >&2; exit 1; }; }
for program in sigprof_cpu spin_lock4 racy_counter4; do async_cc "$program"; done
run_timeout=${BENCH_ASYNC_TIMEOUT_S:-60}
sigprof_name="C CPU loops + 1 kHz ITIMER_PROF"
spin_name="4 threads on a spin lock"
racy_name="4 threads, racy shared counter"
setitimer_name="python3 CPU loop + setitimer 100 Hz"
bench sigprof "$sigprof_name" ":" "$work" "$work/sigprof_cpu" 20
bench spin "$spin_name" ":" "$work" "$work/spin_lock4" 1000000
bench racy "$racy_name" ":" "$work" "$work/racy_counter4" 10000000
bench setitimer "$setitimer_name" ":" "$work" "$python" "$root/Tests/Bench/programs/python_setitimer.py" 3000000
run_timeout=0

echo
echo "median wall time of $runs runs (\"ms [k]\": only k runs fit in the ${cell_budget} s cell budget); x = ratio to native;"
echo "-n = record -n, without syscall buffering; trace MB is the buffered recording on disk, trace MB/s is per second of native run time;"
echo "sup/wri/rep MiB = peak resident memory of rr-supervisor and rr-trace-writer (buffered record) and rr-replayer (its replay), largest of the runs"
# goal LABEL RECORD_X_ARRAY REPLAY_X_ARRAY MAX_RECORD MAX_REPLAY ROW...: PASS/MISS of each row's
# record and replay ratios against the limits.
goal() {
    local label=$1 name verdicts=() max_record=$4 max_replay=$5
    local -n rec=$2 rep=$3
    shift 5
    for name in "$@"; do
        [ -n "${rec[$name]+set}" ] || continue  # a row BENCH_ROWS left out
        local r=${rec[$name]-n/a} p=${rep[$name]-n/a} verdict=MISS
        if awk -v r="$r" -v p="$p" -v mr="$max_record" -v mp="$max_replay" \
            'BEGIN { exit !(r ~ /^[0-9.]+$/ && p ~ /^[0-9.]+$/ && r <= mr && p <= mp) }'; then verdict=PASS; fi
        [[ $r == *[0-9] ]] && r="${r}x"
        [[ $p == *[0-9] ]] && p="${p}x"
        verdicts+=("${name%% (*} $verdict (record $r, replay $p)")
    done
    [ "${#verdicts[@]}" -gt 0 ] || return 0
    local joined; joined=$(printf '%s; ' "${verdicts[@]}")
    echo "goal $label: ${joined%; }"
}
# speed_goal LABEL RECORD_X REPLAY_X RECORD_MS REPLAY_MS: the recording-speed goal on every data row
# (record <= 2.0x and replay <= 1.5x native; make and python3 -c pass <= 3x), each also recorded
# faster than strace -f; the true row: record and replay each within 3x of strace -f true.
speed_goal() {
    local label=$1 name verdicts=() max_record max_replay
    local -n rec=$2 rep=$3 rec_ms=$4 rep_ms=$5
    for name in "$cp_name" "$python_name" "sort $sort_mb MB" "sh -c 'seq 1 2000000|sort|uniq -c|wc -l'" \
        "sha256sum 50 MB" "python3 -c pass" "make -j2 (20 files)" "$true_name"; do
        [ -n "${rec[$name]+set}" ] || continue  # a row BENCH_ROWS left out
        local r=${rec[$name]} p=${rep[$name]} rm=${rec_ms[$name]} pm=${rep_ms[$name]} st=${strace_ms[$name]} verdict=MISS
        if [ "$name" = "$true_name" ]; then
            if awk -v r="$rm" -v p="$pm" -v s="$st" \
                'BEGIN { exit !(r ~ /^[0-9]+$/ && p ~ /^[0-9]+$/ && s ~ /^[0-9]+$/ && r <= 3 * s && p <= 3 * s) }'; then verdict=PASS; fi
            verdicts+=("true $verdict (record $rm ms, replay $pm ms, strace -f $st ms: limit $((3 * ${st//[^0-9]/0})) ms)")
            continue
        fi
        case "$name" in "make -j2 (20 files)"|"python3 -c pass") max_record=3.0 max_replay=3.0 ;; *) max_record=2.0 max_replay=1.5 ;; esac
        if awk -v r="$r" -v p="$p" -v rm="$rm" -v s="$st" -v mr="$max_record" -v mp="$max_replay" \
            'BEGIN { exit !(r ~ /^[0-9.]+$/ && p ~ /^[0-9.]+$/ && r <= mr && p <= mp && rm ~ /^[0-9]+$/ && s ~ /^[0-9]+$/ && rm < s) }'; then verdict=PASS; fi
        local faster=slower; awk -v rm="$rm" -v s="$st" 'BEGIN { exit !(rm ~ /^[0-9]+$/ && s ~ /^[0-9]+$/ && rm < s) }' && faster=faster
        verdicts+=("${name%% (*} $verdict (record ${r}x, replay ${p}x; limits ${max_record}x, ${max_replay}x; record $faster than strace -f)")
    done
    [ "${#verdicts[@]}" -gt 0 ] || return 0
    local joined; joined=$(printf '%s; ' "${verdicts[@]}")
    echo "goal $label: ${joined%; }"
}
speed_goal "recording speed, with syscall buffering" record_x replay_x record_ms replay_ms
async_rows=("$sigprof_name" "$spin_name" "$racy_name" "$setitimer_name")
goal "asynchronous events (record <= 2.0x, replay <= 3.0x native), with syscall buffering" record_x replay_x 2.0 3.0 "${async_rows[@]}"
if [ "$have_n" = 1 ]; then
    speed_goal "recording speed, without syscall buffering (-n)" record_n_x replay_n_x record_n_ms replay_n_ms
    goal "asynchronous events without syscall buffering (-n)" record_n_x replay_n_x 2.0 3.0 "${async_rows[@]}"
else
    echo "goal without syscall buffering (-n): n/a (rr-launch record has no --no-syscall-buffer option)"
fi
echo "bench took $(( $(date +%s) - bench_start )) s"
exit "$failed"

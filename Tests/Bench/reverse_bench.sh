#!/usr/bin/env bash
# make bench-reverse: how long gdb's reverse-continue takes in a recording of EVENTS traced
# syscalls (default 1000000; recorded with -n, one event each), to a watchpoint hit near the end
# and then to one near the start, against the plain replay of the same trace measured in this run
# (release build). Issue 13's goal: within 2 s near the end and within 10 s near the start.
# Informational: the exit status is non-zero only if a step failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
launcher="$root/bin/rr-launch"
events=${EVENTS:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export RR_SWIFT_CONFIGURATION=release RR_SWIFT_NO_BUILD=1
cc -O1 -g -o "$work/loop" "$root/Tests/Bench/programs/reverse_target_loop.c" || exit 1
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { print b - a }'; }
start=$(now)
"$launcher" record -n -o "$work/loop.rrt" -- "$work/loop" "$events" > /dev/null || exit 1
recorded=$(since "$start")
start=$(now)
"$launcher" replay -a "$work/loop.rrt" > /dev/null || exit 1
replayed=$(since "$start")
# gdb's python times each reverse-continue.
cat > "$work/session.gdb" <<GDB
set pagination off
set confirm off
break finish_line
continue
watch progress
python import time; t = time.time()
reverse-continue
python print("near-end %.2f" % (time.time() - t)); t = time.time()
reverse-continue
python print("near-start %.2f" % (time.time() - t))
print progress
delete
continue
GDB
"$launcher" replay --gdb "$work/loop.rrt" -- -nx -batch -x "$work/session.gdb" "$work/loop" > "$work/gdb.out" 2>&1 || { cat "$work/gdb.out"; exit 1; }
near_end=$(sed -n 's/^near-end //p' "$work/gdb.out")
near_start=$(sed -n 's/^near-start //p' "$work/gdb.out")
# Going back stops before the writing instruction: the value there is the one before the write.
grep -q 'Old value = 10' "$work/gdb.out" && grep -q '^\$1 = 0$' "$work/gdb.out" \
    || { echo "reverse-continue did not reach the write near the start:"; cat "$work/gdb.out"; exit 1; }
verdict() { awk -v t="$1" -v goal="$2" 'BEGIN { print (t <= goal ? "PASS" : "MISS") }'; }
echo "| events | record s | replay s | reverse-continue near end s | near start s |"
echo "| --- | --- | --- | --- | --- |"
printf "| %s | %.2f | %.2f | %s (%s, goal 2) | %s (%s, goal 10) |\n" "$events" "$recorded" "$replayed" \
    "$near_end" "$(verdict "$near_end" 2)" "$near_start" "$(verdict "$near_start" 10)"

#!/usr/bin/env bash
# Records a program reading 1 GiB of random bytes (which the trace must carry), then replays the
# trace from a pipe and prints the replayer's peak RSS in KiB on the last line.
set -euo pipefail
launcher=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -c 1073741824 /dev/urandom > "$work/random.bin"
"$launcher" record -o "$work/big.rrt" -- sha256sum "$work/random.bin" > "$work/recorded.txt"
rm "$work/random.bin"
trace_bytes=$(stat -c %s "$work/big.rrt")
cat "$work/big.rrt" | /usr/bin/time -f "%M" -o "$work/rss" "$launcher" replay -a - > "$work/replayed.txt"
cmp "$work/recorded.txt" "$work/replayed.txt"
echo "trace bytes $trace_bytes"
cat "$work/rss"

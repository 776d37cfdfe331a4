#!/usr/bin/env bash
# Records into a 3 MiB tmpfs that fills up, then checks that the recording fails with a clear
# message, leaves no recorded process behind, and that the trace is readable up to its last
# complete block. Needs root (mount).
set -uo pipefail
launcher=$1
mnt=$(mktemp -d)
log=$(mktemp)
pidfile=$(mktemp)
mount -t tmpfs -o size=3m tmpfs "$mnt" || { echo "cannot mount tmpfs"; exit 1; }
trap 'umount "$mnt"; rmdir "$mnt"; rm -f "$log" "$pidfile"' EXIT
"$launcher" record -o "$mnt/full.rrt" -- sh -c "echo \$\$ > $pidfile; exec head -c 50000000 /dev/urandom" > /dev/null 2> "$log"
echo "record status $?"
grep -v '^/' "$log" | grep -v '^ ' || true
sleep 0.3
if kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo "tracee left running"; fi
"$launcher" replay -a --partial "$mnt/full.rrt" > /dev/null 2> "$log"
echo "replay status $?"
cat "$log"

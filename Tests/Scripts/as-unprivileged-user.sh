#!/usr/bin/env bash
# Runs the record/replay integration tests again as an ordinary user, without capabilities, in
# both syscall-buffer modes: CI runs as root, and everything must work without privileges (the
# paper's premise). Creates the user (rrtest, or $RR_SWIFT_TEST_USER) when missing and stages a
# copy of the built tools and tests it can reach, wherever the checkout is. Run by `make test`
# after the tests as root; as an ordinary user already, it has nothing to add. RR_SWIFT_TEST_FILTER
# picks fewer tests (while working on one).
set -euo pipefail
cd "$(dirname "$0")/../.."
user=${RR_SWIFT_TEST_USER:-rrtest}
if [ "$(id -u)" != 0 ]; then
    echo "as-unprivileged-user: already running as uid $(id -u); the tests above were the unprivileged run"
    exit 0
fi
id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
home=$(getent passwd "$user" | cut -d: -f6)

stage=$(mktemp -d /tmp/rr-swift-as-user.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/.build/release" "$stage/.build/debug"
cp -a bin Tests protocol "$stage/"  # protocol/examples: the independent trace reader
cp -a .build/preload .build/programs "$stage/.build/"
cp -a .build/release/rr-supervisor .build/release/rr-trace-writer .build/release/rr-replayer .build/release/rr-inspect "$stage/.build/release/"
cp -a .build/debug/rr-swiftPackageTests.xctest "$stage/.build/debug/"
chown -R "$user:" "$stage"
chmod 755 "$stage"

# A clean environment, as a login would give: nothing of root's (HOME, caches, tool paths) leaks in.
run_as_user() {
    echo "== integration tests as $user (uid $(id -u "$user"))${1:+, $1}"
    runuser -u "$user" -- env -i HOME="$home" USER="$user" LOGNAME="$user" PATH=/opt/swift/usr/bin:/usr/local/bin:/usr/bin:/bin \
        TMPDIR=/tmp RR_SWIFT_TEST_ROOT="$stage" ${1:+"$1"} \
        "$stage/.build/debug/rr-swiftPackageTests.xctest" --testing-library swift-testing --filter "${RR_SWIFT_TEST_FILTER:-IntegrationTests}"
}
# Two users replay their own traces at the same time, each with their own caches, and each can
# replay the other's trace once it is readable.
two_users_replay_at_once() {
    echo "== root and $user replay at the same time"
    local traces="$stage/two-users" launcher="$stage/bin/rr-launch"
    mkdir -p "$traces" && chown "$user:" "$traces"
    local as_user=(runuser -u "$user" -- env -i HOME="$home" PATH=/usr/bin:/bin RR_SWIFT_NO_BUILD=1)
    RR_SWIFT_NO_BUILD=1 "$launcher" record -o "$traces/root.rrt" -- ls -l /usr/bin > "$traces/root.out"
    "${as_user[@]}" "$launcher" record -o "$traces/user.rrt" -- ls -l /usr/lib > "$traces/user.out"
    chmod 644 "$traces/root.rrt"
    RR_SWIFT_NO_BUILD=1 "$launcher" replay -a "$traces/root.rrt" > "$traces/root.replayed" & local root_replay=$!
    "${as_user[@]}" "$launcher" replay -a "$traces/user.rrt" > "$traces/user.replayed" & local user_replay=$!
    "${as_user[@]}" "$launcher" replay -a "$traces/root.rrt" > "$traces/root.by-user"
    wait "$root_replay" && wait "$user_replay"
    cmp "$traces/root.out" "$traces/root.replayed" && cmp "$traces/user.out" "$traces/user.replayed" \
        && cmp "$traces/root.out" "$traces/root.by-user" && echo "two users replayed at once: ok"
}

run_as_user
run_as_user RR_SWIFT_NO_SYSCALL_BUFFER=1
two_users_replay_at_once

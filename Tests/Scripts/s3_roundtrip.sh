#!/usr/bin/env bash
# Records a program straight into an S3 bucket (a moto server on loopback, started here) and
# replays it straight from the bucket, through the AWS CLI. Prints "s3 round trip ok" on success.
set -euo pipefail
launcher=$1
program=$2
work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$port" >"$work/server.log" 2>&1 &
server_pid=$!
endpoint="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
    curl -s -o /dev/null "$endpoint" && break
    sleep 0.1
done
aws --endpoint-url "$endpoint" s3 mb s3://traces >/dev/null
"$launcher" record -o - -- "$program" 2>"$work/recorded.txt" | aws --endpoint-url "$endpoint" s3 cp - s3://traces/run.rrt
aws --endpoint-url "$endpoint" s3 ls s3://traces/run.rrt >/dev/null
aws --endpoint-url "$endpoint" s3 cp s3://traces/run.rrt - | "$launcher" replay -a - >"$work/replayed.txt"
cmp "$work/recorded.txt" "$work/replayed.txt"
[ -s "$work/replayed.txt" ]
echo "s3 round trip ok"

#!/usr/bin/env bash
# Publishes examples/python-layer to a local FC service, with no cloud account: builds the
# action and fc-local, starts fc-local on a free loopback port, runs the action exactly as
# GitHub would (INPUT_* variables, GITHUB_OUTPUT), prints the outputs and stops the service.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --bins
work=$(mktemp -d)
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# fc-local's demo keys are its defaults; a real run gets them from repository secrets.
target/debug/fc-local >"$work/fc-local.out" 2>"$work/fc-local.log" &
server_pid=$!
for _ in $(seq 50); do
    grep -q 'listening on' "$work/fc-local.out" 2>/dev/null && break
    sleep 0.1
done
endpoint=$(sed -n 's/^fc-local listening on //p' "$work/fc-local.out")
[ -n "$endpoint" ] || { echo "fc-local did not start:" >&2; cat "$work/fc-local.log" >&2; exit 1; }
echo "Local FC service at $endpoint"
echo

env "INPUT_LAYER-NAME=quickstart-python" \
    "INPUT_CODE=examples/python-layer" \
    "INPUT_COMPATIBLE-RUNTIMES=python3.10, python3.9" \
    "INPUT_DESCRIPTION=Sample layer from the quick start" \
    "INPUT_LICENSE=MIT" \
    "INPUT_ENDPOINT=$endpoint" \
    "ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI-fc-local" \
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET=fc-local-secret" \
    "GITHUB_OUTPUT=$work/github_output" \
    target/debug/fc-layer-action

echo
echo "GITHUB_OUTPUT now holds:"
cat "$work/github_output"

#!/usr/bin/env bash
# Stop the dockerd that tests/act/setup.sh started, and nothing else.
#
# setup.sh starts dockerd with --pidfile in its state dir only when no daemon
# answered, so that file exists only for a daemon we own. A daemon that was
# already running (a system service, or another session's) is left alone.
# The images stay in /var/lib/docker for the next setup.sh run.
set -euo pipefail

STATE_DIR="${FC_DOCKER_STATE_DIR:-${TMPDIR:-/tmp}/fc-layer-action-docker}"
PID_FILE="$STATE_DIR/dockerd.pid"
STOP_WAIT_SECS=30

say() { printf '[teardown] %s\n' "$*"; }

if [ ! -s "$PID_FILE" ]; then
  say "dockerd was not started by setup.sh: nothing to do"
  exit 0
fi
pid="$(cat "$PID_FILE")"
# Guard against a stale file whose PID now belongs to another process.
if ! [ "$pid" -gt 0 ] 2>/dev/null || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ]; then
  say "dockerd (pid $pid) is no longer running"
  rm -f "$PID_FILE"
  exit 0
fi

start=$SECONDS
# act's job containers run `tail -f /dev/null`, which ignores SIGTERM, so a
# daemon shutdown would wait out each one's 10 s stop timeout; they are
# throwaway, so kill them outright first.
{ docker ps -q | xargs -r docker kill; } >/dev/null 2>&1 || true
# SIGTERM lets dockerd stop its containers and its managed containerd cleanly.
kill -TERM "$pid"
while [ -e "/proc/$pid" ] && [ $((SECONDS - start)) -lt "$STOP_WAIT_SECS" ]; do
  sleep 0.5
done
if [ -e "/proc/$pid" ]; then
  say "dockerd (pid $pid) ignored SIGTERM for ${STOP_WAIT_SECS}s: killing it"
  kill -KILL "$pid" 2>/dev/null || true
fi
rm -f "$PID_FILE"
say "dockerd (pid $pid) stopped ($((SECONDS - start))s)"

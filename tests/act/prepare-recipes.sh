#!/usr/bin/env bash
# Prepares what the README's recipes need to run offline under act (the recipe-* workflows):
#
# - a job image with the tools a GitHub runner has and the recipes use: Python 3 with pip,
#   Node.js with npm 10 (the first npm with --os/--cpu/--libc) and jq (the custom runtime's
#   tool). It is made from the local debian:bookworm-slim that tests/act/setup.sh built;
#   npm comes from the registry as a tarball packed here, since Debian's own is npm 9.
# - a wheelhouse (pip download) and an npm cache, filled here from the package registries,
#   so that the workflows install with `--no-index --find-links` and `npm ci --offline`:
#   the job containers have no way to the registries (nor the gateway's certificate).
#
# Usage: prepare-recipes.sh CACHE_DIR (under target/, kept between runs). Idempotent: the
# image is rebuilt only when its recipe changes, the caches only when the fixtures do.
set -euo pipefail
cd "$(dirname "$0")/../.."

cache=${1:?usage: prepare-recipes.sh CACHE_DIR}
fixtures=tests/act/fixtures/recipes
IMAGE=fc-act-recipes:bookworm
NPM_VERSION=10.9.9

say() { printf '[recipes] %s\n' "$*"; }
started=$SECONDS
mkdir -p "$cache"
log="$cache/prepare.log"
: >"$log"
# Runs a command with its output in the log; on failure shows the log's end.
run() {
    "$@" >>"$log" 2>&1 && return 0
    local status=$?
    say "failed (exit $status): $*" >&2
    tail -n 30 "$log" | sed 's/^/  | /' >&2
    exit "$status"
}

# --- the job image -------------------------------------------------------------------------
dockerfile=$(
    cat <<EOF
FROM debian:bookworm-slim
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-pip nodejs jq \\
 && rm -rf /var/lib/apt/lists/*
COPY npm.tgz /tmp/npm.tgz
# npm's tarball bundles its dependencies: it installs itself with no registry.
RUN mkdir /tmp/npm && tar -xzf /tmp/npm.tgz -C /tmp/npm \\
 && node /tmp/npm/package/bin/npm-cli.js install --global --offline --no-audit --no-fund /tmp/npm.tgz \\
 && rm -rf /tmp/npm /tmp/npm.tgz /root/.npm \\
 && python3 -m pip --version && node --version && npm --version && jq --version
EOF
)
recipe_hash=$(printf '%s\n%s\n' "$dockerfile" "$NPM_VERSION" | sha256sum | cut -c1-16)
if [ "$(docker image inspect -f '{{index .Config.Labels "fc.recipe"}}' "$IMAGE" 2>/dev/null)" = "$recipe_hash" ]; then
    say "$IMAGE: found"
else
    ctx=$(mktemp -d)
    trap 'rm -rf "$ctx"' EXIT
    printf '%s\nLABEL fc.recipe=%s\n' "$dockerfile" "$recipe_hash" >"$ctx/Dockerfile"
    run npm pack --silent --pack-destination "$ctx" "npm@$NPM_VERSION"
    mv "$ctx/npm-$NPM_VERSION.tgz" "$ctx/npm.tgz"
    run docker build -t "$IMAGE" "$ctx"
    rm -rf "$ctx"
    trap - EXIT
    say "$IMAGE: built ($((SECONDS - started))s)"
fi

# --- the caches ----------------------------------------------------------------------------
# Refilled when a fixture changes; each is written aside and renamed, so an interrupted fill
# never passes for a full one.
fixtures_hash=$(cat "$fixtures/python/requirements.txt" "$fixtures/nodejs/package-lock.json" | sha256sum | cut -c1-16)
if [ "$(cat "$cache/stamp" 2>/dev/null)" = "$fixtures_hash" ]; then
    say "wheelhouse and npm cache: found in $cache"
    exit 0
fi
rm -rf "$cache/wheelhouse" "$cache/npm-cache" "$cache/stamp" "$cache"/*.partial
# The wheels for FC's python3.10: CPython 3.10 on x86_64, glibc 2.28 (manylinux_2_28), and
# manylinux2014 ones, which pip does not count as manylinux_2_28 unless named as well.
run env -u PIP_FIND_LINKS python3 -m pip download --quiet --only-binary=:all: \
    --implementation cp --python-version 3.10 \
    --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
    --dest "$cache/wheelhouse.partial" -r "$fixtures/python/requirements.txt"
mv "$cache/wheelhouse.partial" "$cache/wheelhouse"
# npm fills its cache by installing: linux/x64/glibc picks the packages FC's Node.js runtimes
# need, whatever this machine is. Scripts are not run: only the tarballs are wanted.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$fixtures/nodejs/package.json" "$fixtures/nodejs/package-lock.json" "$scratch/"
run npm ci --prefix "$scratch" --cache "$cache/npm-cache.partial" --omit=dev --os=linux --cpu=x64 --libc=glibc \
    --ignore-scripts --no-audit --no-fund
mv "$cache/npm-cache.partial" "$cache/npm-cache"
printf '%s\n' "$fixtures_hash" >"$cache/stamp"
say "wheelhouse ($(ls "$cache/wheelhouse" | wc -l) wheels) and npm cache filled in $cache ($((SECONDS - started))s)"

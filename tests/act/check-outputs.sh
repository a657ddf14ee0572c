#!/usr/bin/env bash
# Run inside an act job: fails unless the publish step's outputs (ARN, VERSION, CHECKSUM,
# SIZE in the environment) are all set and match what fc-local at FC_ENDPOINT recorded for
# layer $1. The job image is a bare Debian, so the state is fetched with bash's /dev/tcp.
set -euo pipefail
layer=$1
for name in ARN VERSION CHECKSUM SIZE; do
    [ -n "${!name}" ] || { echo "output for $name is empty" >&2; exit 1; }
    echo "$name=${!name}"
done

address=${FC_ENDPOINT#http://}
exec 3<>"/dev/tcp/${address%:*}/${address##*:}"
printf 'GET /_local/state HTTP/1.0\r\nHost: %s\r\n\r\n' "$address" >&3
state=$(cat <&3)

# fc-local writes compact JSON, one version object per published version.
expect() {
    grep -qF -- "$1" <<<"$state" || { echo "the service recorded no $1" >&2; exit 1; }
}
expect "\"layerVersionArn\":\"$ARN\""
expect "\"codeChecksum\":\"$CHECKSUM\""
expect "\"codeSize\":$SIZE,"
expect "\"layerName\":\"$layer\",\"layerVersionArn\":\"$ARN\""
[ "${ARN##*/}" = "$VERSION" ] || { echo "ARN $ARN does not end in version $VERSION" >&2; exit 1; }
echo "outputs match the service's record of $layer"

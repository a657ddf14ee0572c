#!/usr/bin/env bash
# Run inside an act job: fails unless ARNS and VERSIONS (the `layerVersionArns` and
# `versions` outputs, compact JSON objects keyed by region) hold, for each region given
# after the layer name $1, the version fc-local at FC_ENDPOINT recorded under the path
# prefix /REGION, and FIRST_ARN (`layerVersionArn`) is the first region's. The job image is
# a bare Debian, so the JSON is read with bash patterns and the state fetched with /dev/tcp.
set -euo pipefail
layer=$1
shift
echo "layerVersionArns=$ARNS"
echo "versions=$VERSIONS"
address=${FC_ENDPOINT#http://}
first=
for region in "$@"; do
    [[ $ARNS =~ \"$region\":\"([^\"]+)\" ]] || { echo "no ARN for $region" >&2; exit 1; }
    arn=${BASH_REMATCH[1]}
    [[ $VERSIONS =~ \"$region\":([0-9]+) ]] || { echo "no version for $region" >&2; exit 1; }
    version=${BASH_REMATCH[1]}
    [ "${arn##*/}" = "$version" ] || { echo "$region: $arn is not version $version" >&2; exit 1; }
    [[ $arn == acs:fc:$region:* ]] || { echo "$region: $arn names another region" >&2; exit 1; }
    exec 3<>"/dev/tcp/${address%:*}/${address##*:}"
    printf 'GET /%s/_local/state HTTP/1.0\r\nHost: %s\r\n\r\n' "$region" "$address" >&3
    state=$(cat <&3)
    exec 3<&-
    grep -qF -- "\"layerName\":\"$layer\",\"layerVersionArn\":\"$arn\"" <<<"$state" ||
        { echo "$region recorded no $arn" >&2; exit 1; }
    first=${first:-$arn}
done
[ "$FIRST_ARN" = "$first" ] || { echo "layerVersionArn $FIRST_ARN is not the first region's" >&2; exit 1; }
echo "layerVersionArns match the service's record in $*"

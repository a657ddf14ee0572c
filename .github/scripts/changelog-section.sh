#!/usr/bin/env bash
# Prints the section of a Keep a Changelog file for one release, without its heading: the
# notes release.yml gives the GitHub release of a tag.
#
#   changelog-section.sh v1.2.3 [CHANGELOG.md]   # the section `## [1.2.3] - YYYY-MM-DD`
#   changelog-section.sh Unreleased [CHANGELOG.md]
#
# Fails, naming the version and the file, when the section is missing or empty, so that a tag
# pushed before its CHANGELOG entry was written publishes nothing.
set -euo pipefail

if [ "$#" -lt 1 ] || [ "$#" -gt 2 ]; then
    echo "usage: $0 TAG|Unreleased [CHANGELOG.md]" >&2
    exit 2
fi
tag="$1"
changelog="${2:-CHANGELOG.md}"
# The tag v1.2.3 is the section [1.2.3]; Unreleased is itself.
case "$tag" in
    v[0-9]*) version="${tag#v}" ;;
    *) version="$tag" ;;
esac
[ -r "$changelog" ] || { echo "$changelog: cannot read it" >&2; exit 1; }

# The lines after `## [version]` (followed by nothing or ` - date`) up to the next `## `
# heading or the link definitions at the end, blank lines trimmed at both ends.
section="$(awk -v want="$version" '
    /^## / {
        if (found) exit
        name = $0
        if (sub(/^## \[/, "", name) && index(name, "]") > 0) {
            rest = substr(name, index(name, "]") + 1)
            name = substr(name, 1, index(name, "]") - 1)
            if (name == want && (rest == "" || rest ~ /^ - /)) { found = 1; next }
        }
    }
    found && /^\[[^]]+\]: / { exit }
    found { lines[++n] = $0 }
    END {
        first = 1
        while (first <= n && lines[first] ~ /^[[:space:]]*$/) first++
        last = n
        while (last >= first && lines[last] ~ /^[[:space:]]*$/) last--
        for (i = first; i <= last; i++) print lines[i]
    }
' "$changelog")"

if [ -z "$section" ]; then
    echo "$changelog has no notes for $tag: add a section \`## [$version] - YYYY-MM-DD\` with its changes (Keep a Changelog), then tag again" >&2
    exit 1
fi
printf '%s\n' "$section"

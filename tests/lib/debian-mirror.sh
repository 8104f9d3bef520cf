# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Sourced (bash) by apt-private.sh, the helper of every build script that
# downloads Debian packages through an apt configuration of its own
# (tests/kernel, tests/arm, tests/guest and integrations/qemu).
#
#   debian_mirror   print the Debian archive to download from: $DEBIAN_MIRROR,
#                   else the first main-archive URI (its path ends in /debian,
#                   so not -security) of the host's apt sources, deb822
#                   (.sources) or one-line (.list) entries; without one,
#                   a message on standard error and status 1
debian_mirror() {
    if [[ -n "${DEBIAN_MIRROR:-}" ]]; then
        echo "${DEBIAN_MIRROR%/}"
        return 0
    fi
    local u
    for u in $( { grep -hE '^[[:space:]]*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null |
                      sed -E 's/^[[:space:]]*URIs://'
                  grep -hE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list \
                          /etc/apt/sources.list.d/*.list 2>/dev/null |
                      sed -E 's/\[[^]]*\]//; s/^[[:space:]]*deb[[:space:]]+([^[:space:]]+).*/\1/'
                } ); do
        if [[ "$u" =~ ^https?://.*/debian/?$ ]]; then
            echo "${u%/}"
            return 0
        fi
    done
    echo "no Debian archive in the host's apt sources; set DEBIAN_MIRROR" >&2
    return 1
}

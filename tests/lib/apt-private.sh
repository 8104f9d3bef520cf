# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Sourced (bash) by every script that fetches Debian packages for a test
# harness: tests/kernel/build-kernel.sh, tests/arm/build-guest.sh,
# tests/guest/build-guest.sh and integrations/qemu/build-qemu.sh.  Packages
# are downloaded through an apt configuration of our own under a work
# directory, so the system's apt sources and state stay untouched; host
# tools are installed the usual way.
#
#   work_setup NAME DIR           make DIR (refused inside a git work tree),
#                                 set $work (absolute) and $logs (DIR/logs),
#                                 wait for DIR/.lock so that two runs on the
#                                 same DIR take turns; say then prints
#                                 "[NAME +Ns] message"
#   host_need PKG...              apt-get install the missing host packages
#   papt_init DIR ARCH LINE...    write DIR/sources.list from "deb SUITE" and
#                                 "deb-src SUITE" lines, update its lists
#                                 when the lines changed
#   papt DIR ARCH ARGS...         apt-get on that configuration
#   pcache DIR ARCH ARGS...       apt-cache on that configuration
# ARCH is the one Debian architecture the configuration sees (arm64 for a
# guest's packages; "host" for the host's).  The archive is debian_mirror's
# (debian-mirror.sh, next to this file).

# shellcheck source=debian-mirror.sh
. "$(dirname "${BASH_SOURCE[0]}")/debian-mirror.sh"

work_setup() {
    mkdir -p "$2"
    work="$(cd "$2" && pwd)"
    if git -C "$work" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        echo "$1: $work is inside a git work tree; use a directory outside the clone" >&2
        exit 2
    fi
    logs="$work/logs"
    mkdir -p "$logs"
    exec 8>"$work/.lock"
    flock 8
    say_name=$1
    say_t0=$(date +%s)
}
say() { echo "[${say_name:-build} +$(( $(date +%s) - ${say_t0:-$(date +%s)} ))s] $*"; }

host_need() {
    local p missing=()
    for p in "$@"; do
        dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null | grep -qx installed ||
            missing+=("$p")
    done
    ((${#missing[@]} == 0)) && return 0
    echo "apt-get install ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            "${missing[@]}" >/dev/null
}

papt_opts() {
    local d=$1 arch=$2
    [[ $arch == host ]] && arch=$(dpkg --print-architecture)
    printf '%s\n' -o "Dir::Etc::SourceList=$d/sources.list" -o "Dir::Etc::SourceParts=$d/parts" \
        -o "Dir::Etc::Preferences=$d/preferences" -o "Dir::Etc::PreferencesParts=$d/prefs" \
        -o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o "APT::Sandbox::User=root" \
        -o "APT::Architecture=$arch" -o "APT::Architectures=$arch"
}
papt()   { local o; mapfile -t o < <(papt_opts "$1" "$2"); shift 2; apt-get "${o[@]}" "$@"; }
pcache() { local o; mapfile -t o < <(papt_opts "$1" "$2"); shift 2; apt-cache "${o[@]}" "$@"; }

papt_init() {
    local d=$1 arch=$2 uri line kind suite
    shift 2
    uri=$(debian_mirror) || return 1
    mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/parts" "$d/prefs"
    : >"$d/sources.new"
    for line in "$@"; do
        read -r kind suite <<<"$line"
        echo "$kind [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" \
            >>"$d/sources.new"
    done
    if [[ -f "$d/.updated" ]] && cmp -s "$d/sources.new" "$d/sources.list"; then
        rm -f "$d/sources.new"
        return 0
    fi
    mv "$d/sources.new" "$d/sources.list"
    papt "$d" "$arch" update -q >"$d/update.log" 2>&1 || { cat "$d/update.log" >&2; return 1; }
    touch "$d/.updated"
}

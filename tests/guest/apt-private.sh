# SPDX-License-Identifier: MIT
# Sourced by the guest and QEMU build scripts: apt with a configuration of its
# own under $APT_DIR, so that the host's apt setup is never modified.
#
#   apt_private_init "deb arm64 trixie-backports" "deb-src - trixie" ...
#       (re)writes $APT_DIR/sources.list and updates its lists when they changed
#   apt_private ARGS...    apt-get on that configuration
#   apt_private_cache ...  apt-cache on that configuration
#   host_pkgs PKG...       install the missing host packages (host apt)
#
# The archive is debian_mirror's (tests/lib/debian-mirror.sh).

# shellcheck source=../lib/debian-mirror.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/debian-mirror.sh"

apt_private_opts() {
    APT_PRIVATE_OPTS=(-o "Dir::Etc::SourceList=$APT_DIR/sources.list"
        -o "Dir::Etc::SourceParts=$APT_DIR/parts" -o "Dir::Etc::PreferencesParts=$APT_DIR/parts"
        -o "Dir::Etc::Preferences=$APT_DIR/preferences"
        -o "Dir::State::Lists=$APT_DIR/lists" -o "Dir::Cache=$APT_DIR/cache"
        -o "APT::Sandbox::User=root")
    if [ -n "${APT_ARCH:-}" ]; then
        APT_PRIVATE_OPTS+=(-o "APT::Architecture=$APT_ARCH" -o "APT::Architectures=$APT_ARCH")
    fi
}
apt_private() { apt_private_opts; apt-get "${APT_PRIVATE_OPTS[@]}" "$@"; }
apt_private_cache() { apt_private_opts; apt-cache "${APT_PRIVATE_OPTS[@]}" "$@"; }

apt_private_init() {
    local mirror line kind arch suite key=/usr/share/keyrings/debian-archive-keyring.gpg
    mirror=$(debian_mirror) || return 1
    mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$APT_DIR/parts"
    for line in "$@"; do
        read -r kind arch suite <<<"$line"
        if [ "$arch" = - ]; then echo "$kind [signed-by=$key] $mirror $suite main"
        else echo "$kind [signed-by=$key arch=$arch] $mirror $suite main"; fi
    done >"$APT_DIR/sources.list.want"
    if [ -f "$APT_DIR/lists/.ok" ] && cmp -s "$APT_DIR/sources.list.want" "$APT_DIR/sources.list"; then
        rm -f "$APT_DIR/sources.list.want"; return 0
    fi
    mv "$APT_DIR/sources.list.want" "$APT_DIR/sources.list"
    apt_private update -q >"$APT_DIR/update.log" 2>&1 || { cat "$APT_DIR/update.log" >&2; return 1; }
    touch "$APT_DIR/lists/.ok"
}

host_pkgs() {
    local p missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing host packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

#!/usr/bin/env bash
# Build the local base image localhost/pybase:bookworm (Debian bookworm + Python 3.11) without any image registry:
# debootstrap a minimal root filesystem from the Debian mirror apt already uses, then `podman import` it.
# The service images (build-classifier-image.sh, build-tutor-image.sh, ...) build FROM it with
# --build-arg BASE_IMAGE=localhost/pybase:bookworm.
#
# Usage: deploy/containers/build-base-image.sh          (does nothing when the image exists)
#        FORCE=1 deploy/containers/build-base-image.sh  (rebuild it)
# Environment: BASE_IMAGE (default localhost/pybase:bookworm), DEBIAN_SUITE (default bookworm),
#              DEBIAN_MIRROR (default: the mirror of that suite in /etc/apt/sources.list{,.d/}).
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

image="${BASE_IMAGE:-localhost/pybase:bookworm}"
suite="${DEBIAN_SUITE:-bookworm}"
packages="python3,python3-venv,python3-pip,ca-certificates"

require_podman
command -v debootstrap >/dev/null || die "debootstrap is not installed: run 'make system-packages' (as root) first."
[ "$(id -u)" = 0 ] || die "debootstrap and podman import must run as root (sudo $0)."

if [ -z "${FORCE:-}" ] && podman image exists "$image"; then
    say "$image exists (FORCE=1 rebuilds it)."
    exit 0
fi

# The first enabled "deb" source of the suite: deb822 *.sources stanzas, then one-line *.list entries.
debian_mirror() {
    local file
    for file in /etc/apt/sources.list.d/*.sources; do
        [ -f "$file" ] || continue
        awk -v suite="$suite" '
            function flush() {
                if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && enabled != "no" && uris != "") {
                    split(uris, u, " "); print u[1]; found = 1; exit
                }
                types = suites = uris = enabled = ""
            }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            {
                key = tolower($1); sub(/:$/, "", key); value = $0; sub(/^[^:]*:[ \t]*/, "", value)
                if (key == "types") types = value
                else if (key == "suites") suites = value
                else if (key == "uris") uris = value
                else if (key == "enabled") enabled = tolower(value)
            }
            END { if (!found) flush() }
        ' "$file" | head -n 1
    done
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$file" ] || continue
        awk -v suite="$suite" '
            $1 == "deb" {
                i = 2
                if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                if ($(i + 1) == suite) { print $i; exit }
            }
        ' "$file"
    done
}

mirror="${DEBIAN_MIRROR:-$(debian_mirror | head -n 1)}"
[ -n "$mirror" ] || die "no '$suite' Debian source found in /etc/apt/sources.list{,.d/}: set DEBIAN_MIRROR."

rootfs="$(mktemp -d /var/tmp/pybase-rootfs.XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT

say "debootstrap $suite from $mirror (minbase + $packages)"
start=$SECONDS
debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror"

# What an image does not need: downloaded packages, package lists, logs.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log "$rootfs"/dev/*

say "importing $image"
tar --numeric-owner -C "$rootfs" -c . | podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    --message "debootstrap --variant=minbase --include=$packages $suite" \
    - "$image"

say "built $image in $((SECONDS - start)) s ($(podman image inspect --format '{{.Size}}' "$image") bytes)"

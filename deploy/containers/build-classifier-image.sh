#!/usr/bin/env bash
# Build the sentiment classifier image localhost/sentiment-classifier:<tag> with podman, from deploy/sentiment/.
#
# Usage: deploy/containers/build-classifier-image.sh [TAG]      (TAG defaults to "dev")
# Environment:
#   BASE_IMAGE       base of both stages (default localhost/pybase:bookworm, made by build-base-image.sh;
#                    python:3.11-slim works wherever an image registry is reachable)
#   PIP_CA_BUNDLE    CA bundle handed to pip inside the build as the secret "pip-ca" (default: the host pip's
#                    `cert`, from PIP_CERT or `pip config list`; none when pip has none)
#   TORCH_WHEELS     folder holding the torch CPU wheel, handed to the build as the "torch-wheels" context
#                    (default: the host pip's find-links folder when it holds that wheel; else the build
#                    downloads torch from the Dockerfile's TORCH_INDEX_URL)
#   PODMAN_BUILD_ARGS extra arguments for `podman build` (for example --no-cache)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
context="$(cd "$here/../sentiment" && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"
tag="${1:-dev}"
image="localhost/sentiment-classifier:$tag"
base="${BASE_IMAGE:-localhost/pybase:bookworm}"

die() {
    echo "build-classifier-image: $*" >&2
    exit 1
}

command -v podman >/dev/null || die "podman is not installed: run 'make system-packages' (as root) first."
[ -f "$CONTAINERS_CONF" ] || die "CONTAINERS_CONF=$CONTAINERS_CONF does not exist."

# containers.conf raises each container's open-file limit; the host must allow at least as much.
wanted_nofile="$(sed -n 's/.*"nofile=\([0-9]*\):\([0-9]*\)".*/\2/p' "$CONTAINERS_CONF" | head -n 1)"
hard_nofile="$(ulimit -Hn)"
if [ -n "$wanted_nofile" ] && [ "$hard_nofile" != unlimited ] && [ "$hard_nofile" -lt "$wanted_nofile" ]; then
    die "$CONTAINERS_CONF asks for nofile=$wanted_nofile but this shell's hard limit is $hard_nofile: lower default_ulimits there."
fi

if [[ "$base" == localhost/* ]] && ! podman image exists "$base"; then
    die "the base image $base does not exist: run deploy/containers/build-base-image.sh first."
fi

# The torch pin of the image's requirements, so that the Dockerfile's TORCH_VERSION cannot drift from it.
torch_version="$(sed -n 's/^torch==\([^ ;#]*\).*/\1/p' "$context/requirements.txt")"
[ -n "$torch_version" ] || die "no torch==<version> pin in $context/requirements.txt."

host_pip_config() {
    # Values of a key (cert, find-links) in the host pip's configuration, environment first.
    python3 -m pip config list 2>/dev/null | sed -n "s/^[^.]*\.$1='\(.*\)'$/\1/p" || true
}

ca_bundle="${PIP_CA_BUNDLE:-${PIP_CERT:-$(host_pip_config cert | head -n 1)}}"

wheels="${TORCH_WHEELS:-}"
if [ -z "$wheels" ]; then
    for folder in ${PIP_FIND_LINKS:-} $(host_pip_config find-links); do
        folder="${folder#file://}"
        if compgen -G "$folder/torch-$torch_version*.whl" >/dev/null; then
            wheels="$folder"
            break
        fi
    done
fi

args=(
    --format docker
    --tag "$image"
    --build-arg "BASE_IMAGE=$base"
    --build-arg "TORCH_VERSION=$torch_version"
    --file "$context/Dockerfile"
)
if [ -n "$ca_bundle" ]; then
    [ -f "$ca_bundle" ] || die "the CA bundle $ca_bundle does not exist (PIP_CA_BUNDLE / PIP_CERT / pip's cert)."
    args+=(--secret "id=pip-ca,src=$ca_bundle")
    echo "build-classifier-image: pip's CA bundle: $ca_bundle (build secret pip-ca)"
fi
if [ -n "$wheels" ]; then
    compgen -G "$wheels/torch-$torch_version*.whl" >/dev/null || die "no torch-$torch_version wheel in $wheels."
    podman build --help | grep -q -- '--build-context' \
        || die "$(podman --version) has no --build-context (podman >= 4.1 needed to hand $wheels to the build)."
    args+=(--build-context "torch-wheels=$wheels")
    echo "build-classifier-image: torch $torch_version from $wheels"
else
    echo "build-classifier-image: torch $torch_version from the Dockerfile's TORCH_INDEX_URL"
fi

echo "build-classifier-image: building $image on $base"
start=$SECONDS
# shellcheck disable=SC2086 # PODMAN_BUILD_ARGS is a list of words on purpose
podman build "${args[@]}" ${PODMAN_BUILD_ARGS:-} "$context"
size="$(podman image inspect --format '{{.Size}}' "$image")"
echo "build-classifier-image: built $image in $((SECONDS - start)) s, $((size / 1000000)) MB"

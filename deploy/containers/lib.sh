# shellcheck shell=bash
# Shared by the build scripts of this folder (they source it; it does nothing by itself): podman's settings,
# error reporting, and `build_image`, which builds one of the course's service images with podman.
#
# Environment read by build_image:
#   BASE_IMAGE       base of both stages (default localhost/pybase:bookworm, made by build-base-image.sh;
#                    python:3.11-slim works wherever an image registry is reachable)
#   PIP_CA_BUNDLE    CA bundle handed to pip inside the build as the secret "pip-ca" (default: the host pip's
#                    `cert`, from PIP_CERT or `pip config list`; none when pip has none)
#   TORCH_WHEELS     folder holding the torch CPU wheel, handed to the build as the "torch-wheels" context
#                    (default: the host pip's find-links folder when it holds that wheel; else the build
#                    downloads torch from the Dockerfile's TORCH_INDEX_URL)
#   PODMAN_BUILD_ARGS extra arguments for `podman build` (for example --no-cache)

containers_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export CONTAINERS_CONF="$(realpath "${CONTAINERS_CONF:-$containers_dir/containers.conf}")"
script_name="$(basename "$0" .sh)"

die() {
    echo "$script_name: $*" >&2
    exit 1
}

say() {
    echo "$script_name: $*"
}

require_podman() {
    command -v podman >/dev/null || die "podman is not installed: run 'make system-packages' (as root) first."
    [ -f "$CONTAINERS_CONF" ] || die "CONTAINERS_CONF=$CONTAINERS_CONF does not exist."
}

# containers.conf raises each container's open-file limit; the host must allow at least as much.
check_nofile_limit() {
    local wanted hard
    wanted="$(sed -n 's/.*"nofile=\([0-9]*\):\([0-9]*\)".*/\2/p' "$CONTAINERS_CONF" | head -n 1)"
    hard="$(ulimit -Hn)"
    if [ -n "$wanted" ] && [ "$hard" != unlimited ] && [ "$hard" -lt "$wanted" ]; then
        die "$CONTAINERS_CONF asks for nofile=$wanted but this shell's hard limit is $hard:" \
            "lower default_ulimits there."
    fi
}

# Values of a key (cert, find-links) in the host pip's configuration, environment first.
host_pip_config() {
    python3 -m pip config list 2>/dev/null | sed -n "s/^[^.]*\.$1='\(.*\)'$/\1/p" || true
}

# The folder holding the torch wheel of version $1: TORCH_WHEELS, else the first find-links folder that has it.
torch_wheels() {
    local folder
    if [ -n "${TORCH_WHEELS:-}" ]; then
        compgen -G "$TORCH_WHEELS/torch-$1*.whl" >/dev/null || die "no torch-$1 wheel in $TORCH_WHEELS."
        echo "$TORCH_WHEELS"
        return
    fi
    for folder in ${PIP_FIND_LINKS:-} $(host_pip_config find-links); do
        folder="${folder#file://}"
        if compgen -G "$folder/torch-$1*.whl" >/dev/null; then
            echo "$folder"
            return
        fi
    done
}

# Append to the caller's `args` the torch pin of the requirements.txt beside its `dockerfile` (so that the
# Dockerfile's TORCH_VERSION cannot drift from it) and the folder holding that wheel, if any.
torch_args() {
    local requirements torch_version wheels
    requirements="$(dirname "$dockerfile")/requirements.txt"
    torch_version="$(sed -n 's/^torch==\([^ ;#]*\).*/\1/p' "$requirements")"
    [ -n "$torch_version" ] || die "no torch==<version> pin in $requirements."
    args+=(--build-arg "TORCH_VERSION=$torch_version")
    wheels="$(torch_wheels "$torch_version")"
    if [ -n "$wheels" ]; then
        podman build --help | grep -q -- '--build-context' \
            || die "$(podman --version) has no --build-context (podman >= 4.1 needed to hand $wheels to the build)."
        args+=(--build-context "torch-wheels=$wheels")
        say "torch $torch_version from $wheels"
    else
        say "torch $torch_version from the Dockerfile's TORCH_INDEX_URL"
    fi
}

# build_image IMAGE DOCKERFILE CONTEXT [IGNOREFILE]: build IMAGE from DOCKERFILE with podman, in the Docker format
# (which keeps HEALTHCHECK), on BASE_IMAGE; then print the duration and the size. A Dockerfile that declares
# ARG TORCH_VERSION gets the torch pin of the requirements.txt beside it, and the torch wheels folder when there
# is one; a Dockerfile that mounts the secret pip-ca gets the CA bundle.
build_image() {
    local image=$1 dockerfile=$2 context=$3 ignorefile=${4:-}
    local base="${BASE_IMAGE:-localhost/pybase:bookworm}"
    local ca_bundle="" size start args

    require_podman
    check_nofile_limit
    if [[ "$base" == localhost/* ]] && ! podman image exists "$base"; then
        die "the base image $base does not exist: run $containers_dir/build-base-image.sh first."
    fi

    args=(--format docker --tag "$image" --build-arg "BASE_IMAGE=$base" --file "$dockerfile")
    if [ -n "$ignorefile" ]; then
        [ -f "$ignorefile" ] || die "the ignore file $ignorefile does not exist."
        args+=(--ignorefile "$ignorefile")
    fi
    if grep -q 'id=pip-ca' "$dockerfile"; then
        ca_bundle="${PIP_CA_BUNDLE:-${PIP_CERT:-$(host_pip_config cert | head -n 1)}}"
    fi
    if [ -n "$ca_bundle" ]; then
        [ -f "$ca_bundle" ] || die "the CA bundle $ca_bundle does not exist (PIP_CA_BUNDLE / PIP_CERT / pip's cert)."
        args+=(--secret "id=pip-ca,src=$ca_bundle")
        say "pip's CA bundle: $ca_bundle (build secret pip-ca)"
    fi
    if grep -q '^ARG TORCH_VERSION=' "$dockerfile"; then
        torch_args
    fi

    say "building $image on $base"
    start=$SECONDS
    # shellcheck disable=SC2086 # PODMAN_BUILD_ARGS is a list of words on purpose
    podman build "${args[@]}" ${PODMAN_BUILD_ARGS:-} "$context"
    size="$(podman image inspect --format '{{.Size}}' "$image")"
    say "built $image in $((SECONDS - start)) s, $((size / 1000000)) MB"
}

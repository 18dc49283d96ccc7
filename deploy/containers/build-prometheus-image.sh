#!/usr/bin/env bash
# Build the Prometheus image of the tutor's compose stack, localhost/tutor-prometheus:<tag>, with podman, from
# deploy/tutor/monitoring/Containerfile: Debian's `prometheus` package, installed by apt inside the build from the
# base image's Debian mirror (no image registry needed; no pip, so neither a CA bundle nor torch wheels).
#
# Usage: deploy/containers/build-prometheus-image.sh [TAG]      (TAG defaults to "dev")
# Environment: BASE_IMAGE (any Debian bookworm image: debian:bookworm-slim works where a registry is reachable),
#              PODMAN_BUILD_ARGS (see lib.sh).
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

context="$(cd "$containers_dir/../tutor/monitoring" && pwd)"
build_image "localhost/tutor-prometheus:${1:-dev}" "$context/Containerfile" "$context"

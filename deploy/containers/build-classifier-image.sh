#!/usr/bin/env bash
# Build the sentiment classifier image localhost/sentiment-classifier:<tag> with podman, from deploy/sentiment/.
#
# Usage: deploy/containers/build-classifier-image.sh [TAG]      (TAG defaults to "dev")
# Environment: BASE_IMAGE, PIP_CA_BUNDLE, TORCH_WHEELS, PODMAN_BUILD_ARGS (see lib.sh).
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

context="$(cd "$containers_dir/../sentiment" && pwd)"
build_image "localhost/sentiment-classifier:${1:-dev}" "$context/Dockerfile" "$context"

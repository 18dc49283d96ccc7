#!/usr/bin/env bash
# Build the course tutor's image localhost/rag-tutor:<tag> with podman, from deploy/tutor/Dockerfile.
# Its build context is the repository root, narrowed to what the image needs by the allow-list
# deploy/tutor/Dockerfile.dockerignore (the root's .venv/ and _build/ never reach the builder).
#
# Usage: deploy/containers/build-tutor-image.sh [TAG]      (TAG defaults to "dev")
# Environment: BASE_IMAGE, PIP_CA_BUNDLE, TORCH_WHEELS, PODMAN_BUILD_ARGS (see lib.sh).
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

root="$(cd "$containers_dir/../.." && pwd)"
service="$root/deploy/tutor"
build_image "localhost/rag-tutor:${1:-dev}" "$service/Dockerfile" "$root" "$service/Dockerfile.dockerignore"

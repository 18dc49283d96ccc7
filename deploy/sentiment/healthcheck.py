"""Container health probe: ``python -m sentiment.healthcheck`` exits 0 when the local service is ready, else 1."""

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 3


def service_is_ready(port: int, timeout: float = TIMEOUT_SECONDS) -> bool:
    """True when ``GET /ready`` on 127.0.0.1:``port`` answers 200 within ``timeout`` seconds."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def main() -> int:
    port = int(os.environ.get("SENTIMENT_PORT", "8001"))
    return 0 if service_is_ready(port) else 1


if __name__ == "__main__":
    sys.exit(main())

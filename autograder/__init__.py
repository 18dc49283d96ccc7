"""Course tooling: nbgrader configuration, integrity checks and the helpers that test cells use."""

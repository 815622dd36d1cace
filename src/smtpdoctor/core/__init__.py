"""core: the pure vocabulary (no I/O). See docs/architecture.md."""

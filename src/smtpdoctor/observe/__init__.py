"""observe: see docs/architecture.md."""

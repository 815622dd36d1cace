"""net: the only sockets (see docs/architecture.md)."""

"""net: the only sockets (DNS, SMTP, HTTPS). See docs/architecture.md."""

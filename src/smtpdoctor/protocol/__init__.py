"""Sans-I/O parsers over bytes or records: Received, Authentication-Results, DMARC and TLS-RPT reports."""

"""The domain checks by topic (MX, PTR, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, BIMI, DNSSEC, DANE): pure functions from DNS answers to findings."""

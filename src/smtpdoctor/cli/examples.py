"""A worked example for each command's ``--help``: what a newcomer types first, and what comes back."""

from __future__ import annotations

__all__ = ["EXAMPLES"]

EXAMPLES: dict[str, list[str]] = {
    "diagnose": [
        "smtpdoctor diagnose smtp.example.com --port 587 --user me@example.com --password-env SMTP_PASSWORD",
        "   the verdict and the fix first, then the troubleshooting walk; exit 1 if something is wrong",
        "smtpdoctor diagnose smtp.example.com --from me@example.com --to you@example.org --format html -o report.html",
    ],
    "domain": [
        "smtpdoctor domain example.com --ip 192.0.2.25 --dkim-selector s1",
        "smtpdoctor domain --file senders.csv --column domain --format json --summary > audit.jsonl",
    ],
    "spf": ["smtpdoctor spf example.com --ip 192.0.2.25 --sender news@example.com"],
    "blacklist": [
        "smtpdoctor blacklist 192.0.2.25 example.com",
        "smtpdoctor blacklist 192.0.2.0/28        (ends with a total: \"2 of 16 listed, on 3 lists\")",
        "smtpdoctor blacklist --file ips.csv --column ip --format json --summary",
    ],
    "explain": [
        "smtpdoctor explain \"550 5.7.1 Service unavailable; client host [192.0.2.1] blocked using zen.spamhaus.org\"",
        "smtpdoctor explain bounces.mbox",
    ],
    "headers": ["smtpdoctor headers message.eml"],
    "reports": ["smtpdoctor reports ~/dmarc-reports/ --format markdown"],
    "demo": ["smtpdoctor demo          (every lab fault, diagnosed, offline; about a minute)"],
    "lab": [
        "smtpdoctor lab --list",
        "smtpdoctor lab --scenario auth-wrong-password --scenario port-filtered",
        "   then, in another terminal, paste the printed command; Ctrl-C here stops the lab",
    ],
    "serve": ["smtpdoctor serve --port 8025     (then open http://127.0.0.1:8025/)"],
    "watch": [
        "smtpdoctor watch watch.toml --once                   (every target once, then exit: cron, CI)",
        "smtpdoctor watch watch.toml --metrics 127.0.0.1:9469 (runs until stopped)",
    ],
    "history": [
        "smtpdoctor history example.com                       (verdicts, what changed, alerts)",
        "smtpdoctor history blocklist:203.0.113.9 --format json --all",
    ],
    "serve-metrics": [
        "smtpdoctor serve-metrics --listen 127.0.0.1:9469",
        "   then: curl '127.0.0.1:9469/probe?target=example.com&module=domain'",
    ],
}


def epilog(name: str) -> str | None:
    """The example block for ``name``'s help; click keeps a paragraph that starts with \\b unwrapped."""
    lines = EXAMPLES.get(name)
    if not lines:
        return None
    return "\b\nExample:\n" + "\n".join(f"  {line}" for line in lines)

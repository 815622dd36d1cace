"""Long hosts, replies and URLs wrap under their own column, never past the width and never cut."""

from smtpdoctor.core.catalogue import make
from smtpdoctor.core.model import Report, Target, TranscriptLine
from smtpdoctor.report.text import render_text
from smtpdoctor.verdict import decide, order_findings, step_results

HOST = "a-very-long-submission-host-name-for-a-newsletter-platform.eu-central-1.mail.example-provider.com"
REPLY = ("550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus. To request removal "
         "from this list see https://www.spamhaus.org/query/ip/192.0.2.1/lookup-and-removal-instructions")


def _report() -> Report:
    findings = [make("port.wrong-port", host=HOST, port=2526, working_port=587, working_security="STARTTLS",
                     failure="connection refused", working="587 (STARTTLS)")]
    verdict = decide(findings)
    return Report(target=Target(host=HOST, port=2526, security="auto"), verdict=verdict,
                  findings=order_findings(findings, verdict), steps=step_results(findings),
                  transcript=(TranscriptLine(t=0.5, port=587, dir="recv", tls=False, text=REPLY),),
                  timings={"total_s": 1.0}, version="9.9")


def test_nothing_passes_the_width_and_nothing_is_lost():
    for width in (50, 80, 132):
        text = render_text(_report(), verbose=True, width=width)
        assert max(len(line.rstrip()) for line in text.splitlines()) <= width
        joined = "".join(line.strip(" │") for line in text.splitlines())
        assert HOST in joined  # folded, not cut with an ellipsis
        assert "lookup-and-removal-instructions" in joined


def test_a_long_reply_wraps_under_its_text_not_under_the_timestamp():
    text = render_text(_report(), verbose=True, width=60)
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "550 5.7.1" in line)
    column = lines[start].index("550 5.7.1")
    following = lines[start + 1:start + 3]
    assert following and all(line[:column].strip() == "" and line[column:].strip() for line in following)


def test_the_walk_names_findings_by_title():
    text = render_text(_report(), width=100)
    walk = text[text.index("The troubleshooting walk"):]
    assert "port.wrong-port" not in walk and "2. Server connection" in walk
    assert _report().findings[0].title.split()[0] in walk


def test_colour_only_when_asked():
    assert "\x1b[" not in render_text(_report(), width=80)
    assert "\x1b[" in render_text(_report(), width=80, color=True)

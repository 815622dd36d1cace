"""Explaining SMTP replies and bounce messages: the cause, the provider's meaning, and the fix.

Replies are read by the one classifier, :func:`smtpdoctor.judge.reply.classify` (``classify_reply`` here is
the same function); ``explain_text`` and ``explain_message`` explain pasted replies and whole messages; ``explain_inputs`` streams over files,
directories, mbox files, maildirs and stdin.
"""

from __future__ import annotations

from ..judge.reply import classify as classify_reply
from .message import explain_message
from .model import Explained, Explanation, Kind, Recipient
from .reply import explain_text
from .sources import explain_inputs
from .summary import Tally

__all__ = [
    "classify_reply",
    "explain_text",
    "explain_message",
    "explain_inputs",
    "Explanation",
    "Explained",
    "Recipient",
    "Kind",
    "Tally",
]

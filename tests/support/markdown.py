"""Reading Markdown as a renderer would, for tests of what is live in it."""

from __future__ import annotations

__all__ = ["outside_fences"]


def outside_fences(markdown: str) -> str:
    """The Markdown text outside fenced code blocks: inside them every renderer shows text literally
    (``<script>`` in a fence is shown, not run), so only the rest can carry live HTML or links."""
    kept, fence = [], None
    for line in markdown.splitlines():
        if fence is None and line.startswith("```"):
            fence = line[: len(line) - len(line.lstrip("`"))]
        elif fence is not None and line.strip() == fence:
            fence = None
        elif fence is None:
            kept.append(line)
    return "\n".join(kept)

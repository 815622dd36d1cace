"""Tag-value lists (``v=DMARC1; p=reject``), the syntax shared by DKIM (RFC 6376 §3.2), DMARC, MTA-STS,
TLS-RPT and BIMI records. Pure: text in, tags and syntax problems out."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["TagList", "parse_tags"]

_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


@dataclass(frozen=True, slots=True, kw_only=True)
class TagList:
    tags: tuple[tuple[str, str], ...]  # (name lower-cased, value stripped), in record order
    problems: tuple[str, ...] = ()  # syntax problems, each naming the 1-based position of the tag

    def get(self, name: str) -> str | None:
        for key, value in self.tags:
            if key == name:
                return value
        return None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.tags)

    def duplicates(self) -> tuple[str, ...]:
        seen: set[str] = set()
        dup: list[str] = []
        for key in self.names:
            if key in seen and key not in dup:
                dup.append(key)
            seen.add(key)
        return tuple(dup)


def parse_tags(text: str, *, lower_names: bool = True) -> TagList:
    """Split ``text`` at ``;`` into ``name=value`` pairs; an empty trailing element is allowed."""
    tags: list[tuple[str, str]] = []
    problems: list[str] = []
    parts = text.split(";")
    for index, raw in enumerate(parts, start=1):
        part = raw.strip()
        if not part:
            if index != len(parts):
                problems.append(f"empty element at position {index}")
            continue
        if "=" not in part:
            problems.append(f"element {index} {_short(part)!r} is not name=value")
            continue
        name, value = part.split("=", 1)
        name = name.strip()
        if not _TAG_NAME.match(name):
            problems.append(f"element {index} has an invalid tag name {_short(name)!r}")
            continue
        tags.append((name.lower() if lower_names else name, value.strip()))
    return TagList(tags=tuple(tags), problems=tuple(problems))


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

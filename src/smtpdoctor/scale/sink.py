"""Where a bulk run's results go, in input order: JSON Lines on standard output (the same lines the
in-process command prints), or a Parquet file (pyarrow) for the analysts' tools.

The Parquet file has one row per input line: ``index`` (input order), a few flat columns per command for
filtering and grouping, and ``json``, the full JSON Lines object, so nothing is lost. Rows are written in
row groups as they arrive; memory holds at most one group.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable, TextIO

__all__ = ["JsonLinesSink", "ParquetSink", "COLUMNS", "open_sink"]

_ROW_GROUP = 10_000


def _domain(obj: dict) -> dict:
    findings = obj.get("findings") or []
    return {"input": obj.get("input"), "domain": obj.get("domain"), "status": obj.get("status"),
            "errors": [f["id"] for f in findings if f.get("severity") == "error"],
            "warnings": [f["id"] for f in findings if f.get("severity") == "warning"]}


def _blacklist(obj: dict) -> dict:
    return {"input": obj.get("input"), "value": obj.get("value"), "kind": obj.get("kind"),
            "listed": bool(obj.get("listed")),
            "listed_on": [r["zone"] for r in obj.get("results") or [] if r.get("status") == "listed"]}


def _explain(obj: dict) -> dict:
    results = obj.get("results") or []
    return {"input": obj.get("source"), "kind": obj.get("kind"),
            **{plural: [r.get(name) or "" for r in results] for name, plural in _PLURALS}}


_PLURALS = (("recipient", "recipients"), ("reason", "reasons"), ("category", "categories"),
            ("status", "statuses"), ("provider", "providers"))


# command -> (row extractor, its pyarrow column types by name)
COLUMNS: dict[str, tuple[Callable[[dict], dict], dict[str, str]]] = {
    "domain": (_domain, {"input": "string", "domain": "string", "status": "string",
                         "errors": "list<string>", "warnings": "list<string>"}),
    "blacklist": (_blacklist, {"input": "string", "value": "string", "kind": "string", "listed": "bool",
                               "listed_on": "list<string>"}),
    "explain": (_explain, {"input": "string", "kind": "string", "recipients": "list<string>",
                           "reasons": "list<string>", "categories": "list<string>", "statuses": "list<string>",
                           "providers": "list<string>"}),
}


class JsonLinesSink:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.count = 0

    def write(self, lines) -> None:
        for line in lines:
            self.out.write(line + "\n")
        self.count += len(lines)
        self.out.flush()

    def close(self) -> None:
        self.out.flush()


class ParquetSink:
    def __init__(self, path: Path, command: str) -> None:
        import pyarrow as pa

        self._pa = pa
        self.path = path
        self.extract, columns = COLUMNS[command]
        types = {"string": pa.string(), "bool": pa.bool_(), "list<string>": pa.list_(pa.string())}
        fields = [pa.field("index", pa.int64())]
        fields += [pa.field(name, types[kind]) for name, kind in columns.items()]
        fields.append(pa.field("json", pa.string()))
        self.schema = pa.schema(fields)
        self._rows: list[dict] = []
        self._writer = None
        self.count = 0

    def write(self, lines) -> None:
        for line in lines:
            obj = json.loads(line)
            self._rows.append({"index": self.count, **self.extract(obj), "json": line})
            self.count += 1
        if len(self._rows) >= _ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        import pyarrow.parquet as pq

        if self._writer is None:
            self._writer = pq.ParquetWriter(str(self.path), self.schema, compression="zstd")
        if self._rows:
            self._writer.write_table(self._pa.Table.from_pylist(self._rows, schema=self.schema))
            self._rows = []

    def close(self) -> None:
        self._flush()
        self._writer.close()


def open_sink(command: str, output: Path | None):
    return ParquetSink(output, command) if output is not None else JsonLinesSink(sys.stdout)

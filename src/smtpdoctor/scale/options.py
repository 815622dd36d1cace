"""What a user asked of a bulk run: a local cluster (``--workers N``), a scheduler (``--cluster``), a
Parquet file (``--output``), the partition size. Pure: checking these imports no Dask."""

from __future__ import annotations

from dataclasses import dataclass

TYPE_CHECKING = False  # pathlib (with urllib.parse and ipaddress, 3 ms) only where a path is used
if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["ScaleOptions", "ScaleError", "BadScaleOption", "MAX_WORKERS"]

MAX_WORKERS = 256


class ScaleError(Exception):
    """Anything that stops a bulk run before or while it runs; its message is one line for stderr."""


class BadScaleOption(ScaleError):
    """A bad ``--workers`` / ``--cluster`` / ``--output`` / ``--partition-size``; one line, for exit 2."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScaleOptions:
    workers: int | None = None
    cluster: str | None = None
    output: Path | None = None
    partition_size: int | None = None  # inputs per partition; None = the command's default
    progress: bool = True  # a progress line on stderr of a terminal (-q, --no-progress: none)

    def __post_init__(self) -> None:
        if self.workers is not None and self.cluster is not None:
            raise BadScaleOption("give --workers N (a local cluster) or --cluster ADDRESS, not both")
        if self.workers is not None and not 1 <= self.workers <= MAX_WORKERS:
            raise BadScaleOption(f"--workers must be between 1 and {MAX_WORKERS}")
        if self.cluster is not None:
            address = self.cluster.strip()
            scheme, sep, rest = address.partition("://")
            host, colon, port = rest.rpartition(":")
            if not sep or scheme not in ("tcp", "tls") or not colon or not host or not port.isdigit() \
                    or not 0 < int(port) < 65536:
                raise BadScaleOption(f"--cluster {self.cluster!r} is not a scheduler address "
                                     "(tcp://HOST:PORT or tls://HOST:PORT)")
        if self.output is not None:
            if self.output.suffix.lower() != ".parquet":
                raise BadScaleOption(f"--output {self.output}: give a file name ending in .parquet")
            if self.output.is_dir():
                raise BadScaleOption(f"--output {self.output}: is a directory")
            if not self.output.parent.is_dir():
                raise BadScaleOption(f"--output {self.output}: no such directory {self.output.parent}")
        if self.partition_size is not None and not 1 <= self.partition_size <= 1_000_000:
            raise BadScaleOption("--partition-size must be between 1 and 1000000")

    @property
    def distributed(self) -> bool:
        """True when the run goes to Dask (a local cluster or a scheduler)."""
        return self.workers is not None or self.cluster is not None

    @property
    def wanted(self) -> bool:
        """True when this package runs the command (Dask, or a Parquet file in this process)."""
        return self.distributed or self.output is not None

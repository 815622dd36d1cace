"""The options every bulk command shares (``--workers``, ``--cluster``, ``--output``, ``--partition-size``),
declared once; :func:`scale_options` checks them into a :class:`smtpdoctor.scale.options.ScaleOptions`
without importing Dask."""

from __future__ import annotations

TYPE_CHECKING = False  # pathlib and typing: not for a command line without these options (issue 16)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Optional

from ..report.formats import OutputFormat
from .common import UsageError
from .layer import Option

__all__ = ["WORKERS", "CLUSTER", "OUTPUT", "PARTITION_SIZE", "scale_options", "list_scale_options"]

WORKERS = Option(None, "--workers", help="Run on a local Dask cluster of N worker processes.",
                       show_default=False)
CLUSTER = Option(None, "--cluster", help="Run on an existing Dask scheduler (tcp://HOST:8786).",
                       show_default=False)
OUTPUT = Option(None, "--output", help="Write the results to a Parquet file (FILE.parquet).",
                      show_default=False)
PARTITION_SIZE = Option(None, "--partition-size", help="Inputs per partition of a --workers/--cluster run.",
                              show_default=False)


def scale_options(workers: Optional[int], cluster: Optional[str], output: Optional[Path],
                  partition_size: Optional[int], fmt: OutputFormat, *, progress: bool = True):
    """The checked options; a bulk run writes JSON Lines or Parquet, so text output is refused there."""
    from ..scale.options import BadScaleOption, ScaleOptions

    try:
        options = ScaleOptions(workers=workers, cluster=cluster, output=output, partition_size=partition_size,
                               progress=progress)
    except BadScaleOption as exc:
        raise UsageError(str(exc)) from None
    if options.distributed and options.output is None and fmt is not OutputFormat.json:
        raise UsageError("--workers/--cluster write JSON Lines: add --format json (or --output FILE.parquet)")
    if options.partition_size is not None and not options.distributed:
        raise UsageError("--partition-size goes with --workers or --cluster")
    return options


def list_scale_options(scale: tuple, fmt: OutputFormat, *, quiet: bool, file, column: Optional[str],
                       summary: bool):
    """The checked options of a command that reads a list (``blacklist``, ``domain``): ``scale`` is its
    (workers, cluster, output, partition_size). ``--column`` needs ``--file``; ``--column`` and ``--summary``
    are read in-process only. None when no bulk option is given: an in-process run, which imports neither
    ``smtpdoctor.scale.options`` nor its data class and pathlib."""
    if column is not None and not file:
        raise UsageError("--column goes with --file FILE.csv")
    if all(value is None for value in scale):
        return None
    options = scale_options(*scale, fmt, progress=not quiet)
    if options.wanted and (column is not None or summary):
        raise UsageError("--column and --summary work in-process only, not with --workers, --cluster or --output")
    return options

"""Bulk runs on Dask: ``domain --file``, ``blacklist --file``/CIDR and ``explain FILES…`` cut into partitions.

Without ``--workers`` / ``--cluster`` nothing here is used and Dask is never imported: the commands run
their in-process asyncio path. With them, the driver (this process) reads the input in chunks, submits one
Dask task per partition (:mod:`.jobs` runs the project's own asyncio engine on it, DNS concurrency bounded
per worker), and writes the results back in input order (:mod:`.sink`: JSON Lines or Parquet).

Modules: :mod:`.options` (what the user asked for), :mod:`.partition` (chunked readers), :mod:`.explain_parts`
(mbox / maildir / maillog partitions), :mod:`.runner` (the Dask client, ordered results, retries),
:mod:`.jobs` (what a worker runs), :mod:`.sink` (output), :mod:`.summary` (explain's summary combined),
:mod:`.bulk` (the three commands' drivers).
"""

__all__: list[str] = []

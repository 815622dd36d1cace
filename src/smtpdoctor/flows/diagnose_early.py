"""The first step of a diagnosis, before its engines are imported: the SYNs of a server given by address.

``smtpdoctor diagnose 192.0.2.10 …`` knows every address and port it will connect to once its command
line is read: the sweep probes the configured port and the sweep ports on the host's one address. This
module (it loads :mod:`socket` and nothing else) starts those connects; then the command imports asyncio,
ssl, the SMTP session and the probes (~50 ms of CPU) while the network answers, and
:func:`smtpdoctor.flows.diagnose.run_diagnosis` hands them to the probes (:mod:`smtpdoctor.net.early`).
A host given by name needs DNS first: nothing is started for it.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from ..net.early import EarlyConnects, sweep_order

if TYPE_CHECKING:
    from ..core.settings import Settings

__all__ = ["connect_early"]


def connect_early(settings: "Settings") -> EarlyConnects | None:
    """The connects of the sweep of ``settings``' host started now, or ``None`` for a host given by name."""
    try:
        ipaddress.ip_address(settings.host)
    except ValueError:
        return None
    early = EarlyConnects()
    for port in sweep_order(settings.effective_port, settings.sweep_ports):
        early.start(settings.host, port, settings.source_ip)
    return early

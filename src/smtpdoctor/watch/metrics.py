"""Prometheus metrics in blackbox_exporter's names, with prometheus-client.

:func:`measures` turns one stored report into numbers (pure); :class:`ResultsCollector` exposes the
latest result of each target at scrape time. Labels are bounded: ``target`` and ``module`` come from
the configuration (or the one probed target), ``zone`` from the configured blocklists, ``step`` from a
fixed list, ``category`` from the seven causes and ``finding`` from the catalogue of finding ids.

=============================================  ========================================================
``probe_success``                               1 when the verdict is ok (and not inconclusive)
``probe_duration_seconds``                      how long the check took
``probe_step_duration_seconds{step}``           resolve, sweep, session, domain, blacklist (submission)
``probe_ssl_earliest_cert_expiry``              the server certificate's notAfter (epoch), also when it
                                                failed verification
``smtpdoctor_verdict{category,finding}``        1 for the current root cause: *why* a probe failed
``smtpdoctor_dnsbl_listed{zone}``               1 when listed on that zone (blocklist targets)
``smtpdoctor_spf_lookups``                      the SPF record's DNS lookup count (domain targets)
``smtpdoctor_dmarc_policy{policy}``             1 for the published DMARC policy (none, quarantine,
                                                reject, missing)
=============================================  ========================================================
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterable, Mapping

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .snapshot import cert_of

__all__ = ["measures", "ResultsCollector", "STEPS", "serve_watch_metrics"]

STEPS = ("resolve", "sweep", "session", "domain", "blacklist")


def measures(kind: str, report: Mapping[str, Any], duration: float) -> dict[str, Any]:
    """The numbers of one result (pure)."""
    verdict = report.get("verdict") or {}
    ok = verdict.get("category") == "ok" and verdict.get("confidence") != "inconclusive"
    out: dict[str, Any] = {"success": 1.0 if ok else 0.0, "duration": duration,
                           "category": str(verdict.get("category") or "ok"), "finding": str(verdict.get("finding") or "ok")}
    timings = report.get("timings") or {}
    out["steps"] = {s: float(timings[f"{s}_s"]) for s in STEPS if isinstance(timings.get(f"{s}_s"), (int, float))}
    cert = cert_of(report)
    if cert and cert.get("not_after"):
        try:
            out["cert_expiry"] = datetime.fromisoformat(str(cert["not_after"])).timestamp()
        except ValueError:
            pass
    if kind == "blocklist":
        zones: dict[str, float] = {}
        for line in report.get("targets") or ():
            for r in line.get("results") or ():
                zone = str(r.get("zone"))
                zones[zone] = max(zones.get(zone, 0.0), 1.0 if r.get("status") == "listed" else 0.0)
        out["zones"] = zones
    if kind == "domain":
        spf = report.get("spf") or {}
        if isinstance(spf.get("lookups"), int):
            out["spf_lookups"] = spf["lookups"]
        out["dmarc_policy"] = str((report.get("dmarc") or {}).get("p") or "missing")
    return out


class ResultsCollector(Collector):
    """Collects the latest result per target: ``source()`` gives (target name, module, report, duration)."""

    def __init__(self, source: Callable[[], Iterable[tuple[str, str, Mapping[str, Any], float]]]) -> None:
        self.source = source

    def collect(self):
        base = ["target", "module"]
        success = GaugeMetricFamily("probe_success", "Whether the check found nothing wrong (1) or not (0).", labels=base)
        duration = GaugeMetricFamily("probe_duration_seconds", "How long the check took.", labels=base)
        steps = GaugeMetricFamily("probe_step_duration_seconds", "How long each step of a diagnosis took.",
                                  labels=[*base, "step"])
        expiry = GaugeMetricFamily("probe_ssl_earliest_cert_expiry",
                                   "The server certificate's expiry (Unix time), also when it failed verification.",
                                   labels=base)
        verdict = GaugeMetricFamily("smtpdoctor_verdict", "The current root cause (1): why a probe failed.",
                                    labels=[*base, "category", "finding"])
        listed = GaugeMetricFamily("smtpdoctor_dnsbl_listed", "Whether the target is listed on the zone.",
                                   labels=[*base, "zone"])
        lookups = GaugeMetricFamily("smtpdoctor_spf_lookups", "DNS lookups the SPF record costs (limit 10).",
                                    labels=base)
        dmarc = GaugeMetricFamily("smtpdoctor_dmarc_policy", "The published DMARC policy (1).",
                                  labels=[*base, "policy"])
        for name, module, report, took in self.source():
            m = measures(module, report, took)
            labels = [name, module]
            success.add_metric(labels, m["success"])
            duration.add_metric(labels, m["duration"])
            for step, value in m["steps"].items():
                steps.add_metric([*labels, step], value)
            if "cert_expiry" in m:
                expiry.add_metric(labels, m["cert_expiry"])
            verdict.add_metric([*labels, m["category"], m["finding"]], 1.0)
            for zone, value in (m.get("zones") or {}).items():
                listed.add_metric([*labels, zone], value)
            if "spf_lookups" in m:
                lookups.add_metric(labels, float(m["spf_lookups"]))
            if "dmarc_policy" in m:
                dmarc.add_metric([*labels, m["dmarc_policy"]], 1.0)
        yield from (success, duration, steps, expiry, verdict, listed, lookups, dmarc)


def serve_watch_metrics(watcher, host: str, port: int):
    """Serve the watcher's latest results on http://HOST:PORT/metrics (a daemon thread)."""
    from prometheus_client import CollectorRegistry, start_http_server

    registry = CollectorRegistry()

    def source():
        for r in list(watcher.latest.values()):
            yield r.target.name, r.target.kind, r.report, r.duration

    registry.register(ResultsCollector(source))
    return start_http_server(port, addr=host, registry=registry)

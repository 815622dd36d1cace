"""Pages beyond Diagnose (Explain an error, Check a domain, Am I blacklisted?, Check a message, DMARC reports,
Watch history), each with its routes,
its report renderer and the context of its result page."""

from __future__ import annotations

from starlette.routing import Route

__all__ = ["routes", "renderers", "result_contexts", "NAV"]

NAV: tuple[tuple[str, str], ...] = (("domain", "Check a domain"), ("blacklist", "Am I blacklisted?"),
                                    ("explain", "Explain an error"), ("headers", "Check a message"),
                                    ("reports", "DMARC reports"),
                                    ("history", "Watch history"))


def routes() -> list:
    from .blacklist_views import blacklist_form, blacklist_post
    from .domain_views import domain_form, domain_post
    from .explain_views import explain_form, explain_post
    from .message_views import headers_form, headers_post, reports_form, reports_post
    from .history_views import history_index, history_target

    return [
        Route("/domain", domain_form, methods=["GET"]),
        Route("/domain", domain_post, methods=["POST"]),
        Route("/blacklist", blacklist_form, methods=["GET"]),
        Route("/blacklist", blacklist_post, methods=["POST"]),
        Route("/explain", explain_form, methods=["GET"]),
        Route("/explain", explain_post, methods=["POST"]),
        Route("/headers", headers_form, methods=["GET"]),
        Route("/headers", headers_post, methods=["POST"]),
        Route("/reports", reports_form, methods=["GET"]),
        Route("/reports", reports_post, methods=["POST"]),
        Route("/history", history_index, methods=["GET"]),
        Route("/history/{key:path}", history_target, methods=["GET"]),
    ]


def renderers() -> dict:
    from .blacklist_views import render_blacklist
    from .domain_views import render_domain

    return {"domain": render_domain, "blacklist": render_blacklist}


def result_contexts() -> dict:
    from .blacklist_views import blacklist_context
    from .domain_views import domain_context

    return {"domain": domain_context, "blacklist": blacklist_context}

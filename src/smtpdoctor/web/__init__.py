"""The local web page of ``smtpdoctor serve``: Diagnose, Check a domain, Am I blacklisted?, Explain an error.

Server-rendered pages (Jinja2 on Starlette), a little plain JavaScript for live progress (server-sent
events), every asset served from this package. See ``docs/web.md``.
"""

from .app import create_app
from .config import ServeConfig

__all__ = ["create_app", "ServeConfig"]

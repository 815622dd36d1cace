"""The command line. ``app.py`` builds the typer app; each command lives in ``commands/<name>.py`` and
imports its heavy machinery only when it runs, so ``smtpdoctor --help`` starts fast."""

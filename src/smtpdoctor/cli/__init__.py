"""The command line. ``app.py`` builds the click group (``layer.py``: parameters declared in each command's
signature); each command lives in ``commands/<name>.py`` and imports its heavy machinery only when it runs,
so ``smtpdoctor --help`` starts fast."""

"""Pure judgement over observations: functions from facts to findings, by the guide's causes.

:mod:`.reply` is the one SMTP reply classifier (``diagnose``, ``explain`` and the web page use it alike).
"""

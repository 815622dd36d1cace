"""smtpdoctor: finds out why e-mail won't send or won't land, and says what to do about it."""

__version__ = "0.1.0"

__all__ = ["__version__"]

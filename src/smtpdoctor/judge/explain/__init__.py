"""Explaining SMTP replies and bounce messages: the cause, the provider's meaning, and the fix."""

"""What an OAuth 2.0 access token says about itself (sans-I/O): the expiry of a JWT access token.

Microsoft identity platform access tokens are JWTs (RFC 7519) whose payload carries ``exp`` (seconds
since the epoch); Google's are opaque (``ya29.``) and say nothing. Reading ``exp`` needs no signature
check -- the token is the user's own, and the answer only words a finding ("it expired at 10:42") --
so this is a base64url decode and a JSON read, not a JWT library (which would insist on a key).
The token never leaves this function: only the number comes back.
"""

from __future__ import annotations

import base64
import binascii
import json

__all__ = ["token_expiry"]


def token_expiry(token: str) -> int | None:
    """``exp`` of a compact JWS/JWT access token, or ``None`` (opaque token, no or bad ``exp``)."""
    parts = token.strip().split(".")
    if len(parts) != 3 or len(parts[1]) > 16384:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (binascii.Error, UnicodeError, ValueError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        return None
    return int(exp)

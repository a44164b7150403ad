"""The shape of an API key: `yima_` and 40 random URL-safe characters (240 bits), of which the
first 13 characters are kept in clear as the prefix; the database holds only the SHA-256.

A plain hash is enough here (no slow KDF): the secret is random and long, not a password.
"""

import hashlib
import secrets

SCHEME = "yima_"
PREFIX_LENGTH = len(SCHEME) + 8


def new_secret() -> str:
    return SCHEME + secrets.token_urlsafe(30)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def prefix_of(secret: str) -> str:
    return secret[:PREFIX_LENGTH]

"""Tracking numbers: 8 characters a reporter can read out on the phone, shown as `K7MQ-3XWP`.

The alphabet is Crockford's base32 without 0 and 1, so it holds none of the look-alikes
0/O, 1/I/L (nor U): 30 symbols, 30**8 ≈ 6.6 * 10**11 numbers, drawn with `secrets`. Typed numbers
are forgiving: case, spaces and dashes do not matter.
"""

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8
_SEPARATORS = str.maketrans("", "", " -_.·—–\u3000")


def generate() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(typed: str) -> str | None:
    """The compact number for what someone typed, or None when it cannot be one."""
    compact = (typed or "").translate(_SEPARATORS).upper()
    if len(compact) != LENGTH or any(ch not in ALPHABET for ch in compact):
        return None
    return compact


def format_tracking(compact: str) -> str:
    """`K7MQ3XWP` -> `K7MQ-3XWP`."""
    return f"{compact[:4]}-{compact[4:]}" if len(compact) == LENGTH else compact

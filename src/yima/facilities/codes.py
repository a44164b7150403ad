"""Facility codes ("身份证号"): county (6) + year built (4) + serial (4) + check character.

The check character is ISO 7064 MOD 11-2 over the 14 digits, as GB 11643 uses it over 17
(DOMAIN.md §2). Codes are stored compact (`36012120190019X`) and printed grouped
(`360121-2019-0019-X`).
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from operator import mul

from django.utils.translation import gettext_lazy as _

_CHECK_CHARS = "10X98765432"
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―－_/.·]+")

MALFORMED = _(
    "A facility code has 15 characters: 6-digit county, 4-digit year, 4-digit serial and a "
    "check character (e.g. 360121-2019-0019-X)."
)
BAD_CHECK = _(
    "The check character does not match: one of the digits was probably mistyped. "
    "Please compare with the sign."
)


@lru_cache(maxsize=32)
def _weights(n: int) -> tuple[int, ...]:
    return tuple(pow(2, n - i, 11) for i in range(n))


def check_char(digits: str) -> str:
    """ISO 7064 MOD 11-2 check character of a string of digits (any length)."""
    total = sum(map(mul, map(int, digits), _weights(len(digits))))
    return _CHECK_CHARS[total % 11]


def compose(county_code: str, year: int, serial: int) -> str:
    """The compact code for a county, year and serial, with its check character."""
    body = f"{county_code}{year:04d}{serial:04d}"
    return body + check_char(body)


def compose_many(county_code: str, year: int, serials) -> list[str]:
    """`compose` for many serials of one county and year (an import's new facilities): the
    weighted sum of the 10 leading digits is computed once."""
    head = f"{county_code}{year:04d}"
    weights = _weights(14)
    base = sum(map(mul, map(int, head), weights[:10]))
    w0, w1, w2, w3 = weights[10:]
    chars = _CHECK_CHARS
    return [
        f"{head}{serial:04d}"
        + chars[
            (
                base
                + serial // 1000 * w0
                + serial // 100 % 10 * w1
                + serial // 10 % 10 * w2
                + serial % 10 * w3
            )
            % 11
        ]
        for serial in serials
    ]


def format_code(compact: str) -> str:
    """`36012120190019X` -> `360121-2019-0019-X`."""
    return f"{compact[:6]}-{compact[6:10]}-{compact[10:14]}-{compact[14:]}"


@dataclass(frozen=True)
class ParsedCode:
    compact: str

    @property
    def county_code(self) -> str:
        return self.compact[:6]

    @property
    def year(self) -> int:
        return int(self.compact[6:10])

    @property
    def serial(self) -> int:
        return int(self.compact[10:14])

    @property
    def display(self) -> str:
        return format_code(self.compact)


class CodeError(ValueError):
    """A typed code that cannot be a facility code. `kind` is 'malformed' or 'bad_check'."""

    def __init__(self, kind: str, message) -> None:
        super().__init__(str(message))
        self.kind = kind
        self.message = message


def clean_text(text: str) -> str:
    """Fold full-width characters and strip what people add around a code."""
    return unicodedata.normalize("NFKC", text or "").strip()


def parse_code(text: str) -> ParsedCode:
    """Validate a typed code: spaces, dashes, lower-case x and full-width digits are accepted.

    Raises CodeError('malformed') when it cannot be a code and CodeError('bad_check') when it has
    the right shape but the check character is wrong (a typo, not an unknown facility).
    """
    compact = _SEPARATORS.sub("", clean_text(text)).upper()
    if not re.fullmatch(r"[0-9]{14}[0-9X]", compact):
        raise CodeError("malformed", MALFORMED)
    if check_char(compact[:14]) != compact[14]:
        raise CodeError("bad_check", BAD_CHECK)
    return ParsedCode(compact)

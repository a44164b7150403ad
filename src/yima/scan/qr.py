"""What a label's QR code says: the URL with its label token, and the (cached) QR matrix.

A label URL is `{BASE_URL}/f/<compact code>/<serial>-<token>`, e.g.
`https://yima.example.org/f/36012120190019X/1-k3pq7z2a`. The path form is shorter than a query
string (`?t=1.k3pq7z2a`) and stays unambiguous: the code has a fixed shape, the serial is digits
and the token is a fixed-length base32 word. It stays in QR byte mode with lower-case letters:
an all-upper-case URL would fit alphanumeric mode (one version smaller) but not every phone
scanner treats `HTTPS://` as a link, and WeChat is where most scans happen.

The token is a truncated HMAC-SHA256 of code and serial under SECRET_KEY (40 bits with the
default 8 characters): it cannot be guessed for a serial that was never printed, and a reissue
makes the old label's token point at a replaced serial. Tokens made under a key in
SECRET_KEY_FALLBACKS still verify, so rotating the key does not turn every sign into a "forgery".
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass

import segno
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.crypto import salted_hmac

from yima.scan.choices import LabelState

_SALT = "yima.scan.label"
ERROR_LEVEL = "m"  # level M or better; boost_error raises it when the version has room to spare
QR_CACHE_SECONDS = 30 * 24 * 3600  # a (code, serial, base URL) matrix never changes


def token_length() -> int:
    return getattr(settings, "YIMA_LABEL_TOKEN_LENGTH", 8)


def _token(code: str, serial: int, secret: str) -> str:
    digest = salted_hmac(_SALT, f"{code}:{serial}", secret=secret, algorithm="sha256").digest()
    return base64.b32encode(digest).decode("ascii").lower()[: token_length()]


def label_token(code: str, serial: int) -> str:
    """The token printed in the QR code of label `serial` of the facility with this code."""
    return _token(code, serial, settings.SECRET_KEY)


def token_matches(code: str, serial: int, token: str) -> bool:
    token = (token or "").strip().lower()
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(hmac.compare_digest(token, _token(code, serial, secret)) for secret in secrets)


def label_state(code: str, current_serial: int | None, serial: int | None, token: str | None):
    """How a scanned URL's label compares with the facility's current label.

    No token: the code was typed or a plain link shared. A token that does not verify, or that
    claims a serial never issued, is forged. A genuine token of an older serial is a replaced label.
    """
    if serial is None or token is None:
        return LabelState.NONE
    if not token_matches(code, serial, token) or not current_serial or serial > current_serial:
        return LabelState.FORGED
    if serial < current_serial:
        return LabelState.REPLACED
    return LabelState.VALID


def label_path(code: str, serial: int) -> str:
    return reverse(
        "scan:label", kwargs={"code": code, "serial": serial, "token": label_token(code, serial)}
    )


def label_url(code: str, serial: int) -> str:
    """The absolute URL printed (as a QR code) on label `serial` of a facility."""
    return settings.BASE_URL + label_path(code, serial)


def facility_url(code: str) -> str:
    """The plain scan page URL, for people who type it from the sign."""
    return settings.BASE_URL + reverse("scan:facility", kwargs={"code": code})


@dataclass(frozen=True)
class _Code:
    """What segno.QRCode needs to rebuild a symbol from a cached matrix."""

    matrix: tuple
    version: int
    error: str
    mask: int
    segments: tuple = ()


def make_qr(url: str) -> segno.QRCode:
    return segno.make(url, error=ERROR_LEVEL, micro=False, boost_error=True)


def _cache_key(code: str, serial: int) -> str:
    # The base URL is in the key: a deployment that moves host must not print stale codes.
    base = hashlib.sha256(settings.BASE_URL.encode()).hexdigest()[:8]
    return f"scan:qr:{code}:{serial}:{base}"


def _pack(qr: segno.QRCode) -> tuple:
    return (qr.version, qr.error, qr.mask, tuple(bytes(row) for row in qr.matrix))


def _unpack(packed: tuple) -> segno.QRCode:
    version, error, mask, rows = packed
    return segno.QRCode(_Code(tuple(bytearray(r) for r in rows), version, error, mask))


def label_qr(code: str, serial: int) -> segno.QRCode:
    """The QR symbol of a label, from the cache when it was made before (segno costs ~5-8 ms)."""
    return label_qrs([(code, serial)])[(code, serial)]


def label_qrs(labels: list[tuple[str, int]]) -> dict[tuple[str, int], segno.QRCode]:
    """QR symbols for many (code, serial) pairs with one cache round trip each way."""
    keys = {_cache_key(code, serial): (code, serial) for code, serial in labels}
    found = cache.get_many(list(keys))
    result = {keys[key]: _unpack(packed) for key, packed in found.items()}
    missing = {}
    for key, (code, serial) in keys.items():
        if (code, serial) not in result:
            qr = make_qr(label_url(code, serial))
            result[(code, serial)] = qr
            missing[key] = _pack(qr)
    if missing:
        cache.set_many(missing, QR_CACHE_SECONDS)
    return result

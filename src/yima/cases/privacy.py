"""The reporter's phone number under PIPL: normalised on entry, shown in full only to the
regulator, masked (138****1234) for the assigned contractor, never on public pages, and
deleted after the retention period (services.case_purge_reporter_contacts).
"""

import re

# Mainland mobile numbers (11 digits from 13x..19x) and landlines with an area code.
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
# Inside free text: a mobile number not glued to other digits, possibly written 138 1234 5678.
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")


def normalize_phone(typed: str) -> str | None:
    """Digits only (`+86 138-1234-5678` -> `13812345678`); None when it is not a phone number."""
    digits = re.sub(r"[\s\-()（）]", "", typed or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if _MOBILE.match(digits) or _LANDLINE.match(digits):
        return digits
    return None


def mask_phone(phone: str) -> str:
    """`13812341234` -> `138****1234`: enough to recognise, not enough to call."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return "****"
    return f"{phone[:3]}****{phone[-4:]}"


def redact_phones(text: str) -> str:
    """Mask mobile numbers someone typed into free text (a description, a note)."""
    if not text:
        return text
    return _MOBILE_IN_TEXT.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)

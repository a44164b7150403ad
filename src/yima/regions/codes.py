"""Reading 12-digit statistical codes: which level a code names, and its parent's code."""

from yima.regions.choices import Level


def level_of(code: str) -> Level:
    """The level named by a 12-digit code, from where its trailing zeros start."""
    if code[2:] == "0" * 10:
        return Level.PROVINCE
    if code[4:] == "0" * 8:
        return Level.CITY
    if code[6:] == "0" * 6:
        return Level.COUNTY
    if code[9:] == "000":
        return Level.TOWN
    return Level.VILLAGE


def normalize_code(raw: str) -> str:
    """Pad a 2/4/6/9-digit code to 12 digits; return '' when it is not a code at all."""
    digits = raw.strip()
    if not digits.isdigit() or len(digits) not in (2, 4, 6, 9, 12):
        return ""
    return digits.ljust(12, "0")

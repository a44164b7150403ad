"""Bilingual data: records whose Chinese text is required and whose English text is optional."""

from django.utils.translation import get_language


def in_language(chinese: str, english: str) -> str:
    """The English text when English is the active language and one is given, else Chinese."""
    if english and (get_language() or "").startswith("en"):
        return english
    return chinese

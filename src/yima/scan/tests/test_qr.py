"""The label token and URL in a sign's QR code, and the QR symbol itself."""

import pytest

from yima.scan import qr as qr_module
from yima.scan.choices import LabelState
from yima.scan.qr import label_qr, label_state, label_token, label_url, token_matches

CODE = "36012120190019X"


def test_token_is_short_lowercase_base32_and_depends_on_code_and_serial():
    token = label_token(CODE, 1)
    assert len(token) == 8
    assert token == token.lower() and token.isalnum()
    assert token != label_token(CODE, 2)
    assert token != label_token("360121201900173", 1)


def test_token_depends_on_the_server_secret(settings):
    token = label_token(CODE, 1)
    settings.SECRET_KEY = "another-secret"
    assert label_token(CODE, 1) != token


def test_token_made_under_a_rotated_key_still_verifies(settings):
    old = label_token(CODE, 1)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "the-new-secret"
    assert token_matches(CODE, 1, old)
    assert token_matches(CODE, 1, old.upper()), "a retyped upper-case token still verifies"


@pytest.mark.parametrize(
    ("current", "serial", "token", "expected"),
    [
        (2, None, None, LabelState.NONE),
        (2, 2, "valid", LabelState.VALID),
        (2, 1, "valid", LabelState.REPLACED),
        (2, 2, "aaaaaaaa", LabelState.FORGED),
        (2, 3, "valid", LabelState.FORGED),  # a serial that was never issued
        (None, 1, "valid", LabelState.FORGED),  # the facility never had a label
    ],
)
def test_label_state(current, serial, token, expected):
    if token == "valid":
        token = label_token(CODE, serial)
    assert label_state(CODE, current, serial, token) == expected


def test_label_url_is_short_and_points_at_the_facility(settings):
    settings.BASE_URL = "https://yima.example.org"
    url = label_url(CODE, 3)
    assert url == f"https://yima.example.org/f/{CODE}/3-{label_token(CODE, 3)}"


def test_qr_code_uses_error_level_m_or_better_and_a_small_version(settings):
    settings.BASE_URL = "https://yima.ncsthjj.gov.cn"  # a bureau's host, 27 characters
    qr = label_qr(CODE, 12)
    assert qr.error in ("M", "Q", "H")
    assert not qr.is_micro
    assert qr.version == 4, "57 bytes fit version 4 (33 x 33 modules) at level M"


def test_qr_matrix_is_cached_per_code_and_serial(monkeypatch):
    made = []
    real_make = qr_module.make_qr
    monkeypatch.setattr(qr_module, "make_qr", lambda url: made.append(url) or real_make(url))
    first = label_qr(CODE, 1)
    again = label_qr(CODE, 1)
    assert again.matrix == first.matrix and again.version == first.version
    assert len(made) == 1, "the second call is served from the cache"
    assert label_qr(CODE, 2).matrix != first.matrix
    assert len(made) == 2


def test_cached_matrix_is_not_reused_after_a_move_to_another_host(settings):
    settings.BASE_URL = "https://a.example.org"
    first = label_qr(CODE, 1)
    settings.BASE_URL = "https://b.example.org"
    assert label_qr(CODE, 1).matrix != first.matrix

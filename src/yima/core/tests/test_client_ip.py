from django.test import RequestFactory, override_settings

from yima.core.http import client_ip


def test_without_a_proxy_header_the_socket_address_counts():
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3", HTTP_X_REAL_IP="1.1.1.1")
    assert client_ip(request) == "10.1.2.3"


@override_settings(YIMA_CLIENT_IP_HEADER="X-Real-IP")
def test_the_configured_proxy_header_names_the_visitor():
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="36.1.2.3")
    assert client_ip(request) == "36.1.2.3"


@override_settings(YIMA_CLIENT_IP_HEADER="X-Forwarded-For")
def test_only_the_address_the_proxy_appended_is_trusted():
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 36.1.2.3"
    )
    assert client_ip(request) == "36.1.2.3"

"""Request helpers shared by the apps."""

from django.conf import settings


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the header a trusted reverse proxy sets.

    Behind nginx every request comes from the proxy; set YIMA_CLIENT_IP_HEADER (e.g.
    X-Real-IP) so that per-IP limits count visitors, not the proxy. Only the proxy's own header
    is trusted: with X-Forwarded-For, the last (proxy-appended) address is taken.
    """
    header = settings.YIMA_CLIENT_IP_HEADER
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        if value:
            return value.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")

"""Content-Security-Policy: a small middleware, since Django 5.2 has none built in.

Every page gets one strict policy: scripts, styles, fonts, frames and form targets only from
yima itself, images from yima plus `data:`/`blob:` (photo previews) and the map tile server
when YIMA_MAP_TILE_URL is set. Nothing inline may run: templates keep JavaScript in static
files (data for scripts goes through `json_script`). The only relaxation is
`style-src-attr 'unsafe-inline'`: the vendored chart and map libraries write `style="..."`
into the markup they build (chart tooltips), which cannot run code; `<style>` blocks stay
forbidden.

`YIMA_CSP=enforce|report-only|off` (default enforce) chooses the header. A view may set its
own Content-Security-Policy header; the middleware then leaves it alone.
"""

import functools
from urllib.parse import urlsplit

from django.conf import settings

SELF = "'self'"


def tile_source(url: str) -> str:
    """The CSP source for a tile URL template: `https://t{s}.tianditu.gov.cn/...` ->
    `https://*.tianditu.gov.cn` (CSP wildcards cover whole leftmost labels only)."""
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    if not parts.scheme or not host:
        return ""
    labels = host.split(".")
    if "{" in labels[0]:
        labels[0] = "*"
    return f"{parts.scheme}://{'.'.join(labels)}"


def build_policy(*, tile_url: str = "") -> str:
    img = [SELF, "data:", "blob:"]
    tiles = tile_source(tile_url)
    if tiles:
        img.append(tiles)
    directives = {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": img,
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": ["'none'"],
        "base-uri": [SELF],
        "frame-ancestors": ["'none'"],
        "form-action": [SELF],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every response (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        mode = getattr(settings, "YIMA_CSP", "enforce")
        if mode == "off" or "Content-Security-Policy" in response:
            return response
        if settings.DEBUG and response.status_code >= 400:
            return response  # Django's technical error pages carry inline styles and scripts
        header = "Content-Security-Policy" + ("-Report-Only" if mode == "report-only" else "")
        response.headers.setdefault(header, _policy(getattr(settings, "YIMA_MAP_TILE_URL", "")))
        return response


@functools.lru_cache(maxsize=4)
def _policy(tile_url: str) -> str:
    return build_policy(tile_url=tile_url)

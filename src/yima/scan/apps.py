from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScanConfig(AppConfig):
    name = "yima.scan"
    verbose_name = _("QR codes, signs and the scan page")

    def ready(self) -> None:
        from yima.scan import receivers  # connects the cache invalidation

        receivers.connect_operations()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "yima.facilities"
    verbose_name = _("Facility ledger")

"""yima's URL map: one include per app."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("yima.core.urls")),
    path("accounts/", include("yima.accounts.urls")),
    path("ledger/", include("yima.facilities.urls")),
    path("", include("yima.scan.urls")),
    path("ops/", include("yima.operations.urls")),
    path("cases/", include("yima.cases.urls")),
    path("dashboard/", include("yima.dashboard.urls")),
    path("assessment/", include("yima.assessment.urls")),
    path("api/v1/", include("yima.api.urls")),
    path("open311/", include("yima.api.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

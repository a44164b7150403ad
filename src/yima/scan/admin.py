from django.contrib import admin

from yima.scan.models import Label, LabelJob


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    """Read-only: labels are issued and reissued through the scan page (services.py)."""

    list_display = ("facility", "serial", "issued_at", "issued_by", "reason")
    search_fields = ("facility__code", "facility__name")
    list_select_related = ("facility", "issued_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LabelJob)
class LabelJobAdmin(admin.ModelAdmin):
    list_display = ("created_at", "requested_by", "layout", "total", "done", "status")
    list_filter = ("status", "layout")
    readonly_fields = [f.name for f in LabelJob._meta.fields]

    def has_add_permission(self, request):
        return False

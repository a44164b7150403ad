"""Django admin: problem types are edited here (name, guidance, promised deadlines); cases are
read-only, because every change to a case goes through a service that logs it."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from yima.cases.models import Case, CaseEvent, CaseType


@admin.register(CaseType)
class CaseTypeAdmin(SimpleHistoryAdmin):
    list_display = ("name", "name_en", "code", "domain", "accept_days", "resolve_days", "is_active")
    list_editable = ("accept_days", "resolve_days", "is_active")
    list_filter = ("domain", "is_active")
    ordering = ("domain", "sort_order", "code")


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = ("at", "action", "from_state", "to_state", "actor", "public_note", "internal_note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(SimpleHistoryAdmin):
    list_display = ("tracking", "case_type", "facility", "state", "submitted_at", "hidden_at")
    list_filter = ("state", "case_type", "channel")
    search_fields = ("tracking", "facility__code", "facility__name", "subject")
    inlines = [CaseEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""Admin for reference data an administrator edits (policy, checklists, standards) and a
read-mostly view of field records with their history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from yima.operations.models import (
    ChecklistItem,
    ChecklistTemplate,
    DischargeLimit,
    DischargeStandard,
    Inspection,
    InspectionPhoto,
    InspectionPolicy,
    WaterSample,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderPhoto,
)


@admin.register(InspectionPolicy)
class InspectionPolicyAdmin(SimpleHistoryAdmin):
    list_display = ("county", "min_capacity_m3d", "interval_days", "note")
    list_filter = ("county",)


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 1
    fields = ("position", "key", "label", "label_en")


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(SimpleHistoryAdmin):
    list_display = ("name", "process")
    inlines = [ChecklistItemInline]


class DischargeLimitInline(admin.TabularInline):
    model = DischargeLimit
    extra = 1
    fields = (
        "grade",
        "pollutant",
        "limit_min",
        "limit_max",
        "cold_limit_max",
        "unit",
        "note",
        "source",
    )


@admin.register(DischargeStandard)
class DischargeStandardAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "limit_count")
    inlines = [DischargeLimitInline]

    @admin.display(description="#")
    def limit_count(self, obj):
        return obj.limits.count()


class InspectionPhotoInline(admin.TabularInline):
    model = InspectionPhoto
    extra = 0
    fields = ("width", "height", "had_location", "created_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Inspection)
class InspectionAdmin(SimpleHistoryAdmin):
    list_display = (
        "facility",
        "finished_at",
        "outcome",
        "verified_on_site",
        "distance_m",
        "contractor",
        "inspector",
    )
    list_filter = ("outcome", "verified_on_site", "coord_system")
    search_fields = ("facility__code", "facility__name")
    raw_id_fields = ("facility", "inspector")
    readonly_fields = ("client_id", "created_at")
    inlines = [InspectionPhotoInline]
    date_hierarchy = "finished_at"


@admin.register(WaterSample)
class WaterSampleAdmin(SimpleHistoryAdmin):
    list_display = ("facility", "sampled_at", "standard", "grade", "compliance", "lab")
    list_filter = ("compliance", "standard", "grade")
    search_fields = ("facility__code", "facility__name", "lab")
    raw_id_fields = ("facility", "recorded_by")
    readonly_fields = ("client_id", "results", "compliance", "created_at")
    date_hierarchy = "sampled_at"


class WorkOrderEventInline(admin.TabularInline):
    model = WorkOrderEvent
    extra = 0
    fields = ("at", "action", "from_state", "to_state", "actor", "note")
    readonly_fields = fields
    can_delete = False


class WorkOrderPhotoInline(admin.TabularInline):
    model = WorkOrderPhoto
    extra = 0
    fields = ("stage", "width", "height", "created_at")
    readonly_fields = fields
    can_delete = False


@admin.register(WorkOrder)
class WorkOrderAdmin(SimpleHistoryAdmin):
    """Read-mostly: states change through the work-order pages, which keep the event log."""

    list_display = ("pk", "facility", "state", "priority", "due_on", "contractor", "source")
    list_filter = ("state", "priority", "source")
    search_fields = ("facility__code", "facility__name", "description", "report_ref")
    raw_id_fields = ("facility", "inspection", "opened_by")
    readonly_fields = ("state", "completed_at", "verified_at", "created_at")
    inlines = [WorkOrderEventInline, WorkOrderPhotoInline]

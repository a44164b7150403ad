from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from yima.assessment.models import AssessmentItem, AssessmentSettings, PublishedScorecard


@admin.register(AssessmentItem)
class AssessmentItemAdmin(SimpleHistoryAdmin):
    list_display = ("name", "key", "weight", "is_active", "order")
    list_editable = ("is_active", "order")


@admin.register(AssessmentSettings)
class AssessmentSettingsAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "pass_mark")

    def has_add_permission(self, request):
        return not AssessmentSettings.objects.exists()


@admin.register(PublishedScorecard)
class PublishedScorecardAdmin(SimpleHistoryAdmin):
    list_display = ("period", "contractor", "bureau", "total", "passed", "published_at")
    list_filter = ("period",)
    readonly_fields = [f.name for f in PublishedScorecard._meta.fields]

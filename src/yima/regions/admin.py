from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from yima.regions.models import Region


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "level", "parent", "is_demo")
    list_filter = ("level", "is_demo")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)

"""Django admin for administrators. Saves and deletes go through the ledger services, so the
admin leaves the same history (actor and reason) as the ledger pages and never hard-deletes."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from yima.facilities import services
from yima.facilities.forms import (
    COORDINATES_BOTH,
    REASON_LABEL,
    REASON_MAX_LENGTH,
    TOWN_NOT_IN_COUNTY,
    VILLAGE_NOT_IN_TOWN,
)
from yima.facilities.models import Facility, StatusChange


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    fields = ("effective_on", "from_status", "to_status", "reason", "actor", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-effective_on", "-created_at")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class FacilityAdminForm(forms.ModelForm):
    reason = forms.CharField(
        label=REASON_LABEL,
        max_length=REASON_MAX_LENGTH,
        required=False,
        help_text=_("Kept in the facility's history. Required when changing a facility."),
    )

    class Meta:
        model = Facility
        fields = (*services.EDITABLE_FIELDS, "status", "status_since")

    def clean(self):
        cleaned = super().clean()
        county, town, village = (cleaned.get(k) for k in ("county", "town", "village"))
        if county and town and town.parent_id != county.pk:
            self.add_error("town", TOWN_NOT_IN_COUNTY)
        if town and village and village.parent_id != town.pk:
            self.add_error("village", VILLAGE_NOT_IN_TOWN)
        if (cleaned.get("longitude") is None) != (cleaned.get("latitude") is None):
            self.add_error("latitude", COORDINATES_BOTH)
        if self.instance.pk and self.has_changed() and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Say why this facility is being changed."))
        return cleaned


@admin.register(Facility)
class FacilityAdmin(SimpleHistoryAdmin):
    form = FacilityAdminForm
    list_display = ("code", "name", "county", "town", "status", "contractor")
    list_filter = ("status", "process", "county")
    search_fields = ("code", "name", "village__name")
    list_select_related = ("county", "town", "contractor")
    raw_id_fields = ("county", "town", "village")
    readonly_fields = ("code", "created_at", "updated_at")
    inlines = [StatusChangeInline]

    def get_queryset(self, request):
        return super().get_queryset(request).alive()

    def get_readonly_fields(self, request, obj=None):
        # Status changes need a date and a reason: the ledger's "Change status" page asks for them.
        if obj is not None:
            return (*self.readonly_fields, "status", "status_since")
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data.get("reason", "").strip()
        if change:
            changed = [f for f in form.changed_data if f in services.EDITABLE_FIELDS]
            if changed:
                services.facility_update(
                    facility=Facility.objects.get(pk=obj.pk),
                    actor=request.user,
                    reason=reason,
                    **{name: form.cleaned_data[name] for name in changed},
                )
            return
        fields = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS}
        created = services.facility_register(
            actor=request.user,
            reason=reason,
            status=form.cleaned_data["status"],
            status_since=form.cleaned_data.get("status_since"),
            **fields,
        )
        # The admin goes on to log and redirect with `obj`: make it the registered facility.
        obj.__dict__.update(created.__dict__)

    def delete_model(self, request, obj):
        services.facility_delete(
            facility=obj, actor=request.user, reason=gettext("Deleted in the admin")
        )

    def delete_queryset(self, request, queryset):
        for facility in queryset:
            self.delete_model(request, facility)

    def get_deleted_objects(self, objs, request):
        # A soft delete removes nothing else: list only the facilities themselves.
        objs = list(objs)
        return (
            [str(obj) for obj in objs],
            {Facility._meta.verbose_name_plural: len(objs)},
            set(),
            [],
        )

"""Admin for API keys: create one (its secret is shown once, on the page that follows), see
when each was last used, revoke. Keys are never deleted, so their use stays traceable."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.admin import SimpleHistoryAdmin

from yima.api import services
from yima.api.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(SimpleHistoryAdmin):
    list_display = ("name", "prefix", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    autocomplete_fields = ("user",)
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "user")
        return ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")

    def get_readonly_fields(self, request, obj=None):
        # Who a key acts as is fixed at creation: make a new key instead.
        return self.readonly_fields + (("user",) if obj is not None else ())

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            obj._history_user = request.user
            obj.save()
            return
        key, secret = services.api_key_create(name=obj.name, user=obj.user, actor=request.user)
        obj.pk = key.pk
        obj._secret = secret

    def response_add(self, request, obj, post_url_continue=None):
        # The secret goes straight into this page, never into a message or the session.
        context = {
            **self.admin_site.each_context(request),
            "title": _("API key created"),
            "key": obj,
            "secret": obj._secret,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "api/admin/key_created.html", context)

    @admin.action(description=gettext_lazy("Revoke the selected keys"))
    def revoke(self, request, queryset):
        count = 0
        for key in queryset.filter(revoked_at__isnull=True):
            try:
                services.api_key_revoke(key=key, actor=request.user, reason=_("Revoked in admin"))
            except ValidationError:
                continue
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d key revoked.", "%(count)d keys revoked.", count) % {"count": count},
            messages.SUCCESS,
        )

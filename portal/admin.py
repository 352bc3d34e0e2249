from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from .models import AuditEvent, RoleGrantRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changes here would bypass the audited writers, so the admin site only shows."""

    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the trail is append-only, and the admin site must not suggest otherwise."""

    list_display = ("occurred_at", "actor_username", "action", "object_type", "object_id", "outcome")
    list_filter = ("outcome", "action")
    search_fields = ("actor_username", "object_id", "action")


# Accounts and roles change only on the staff accounts page (portal.accounts, audited, with a
# second administrator for every role given); Django's forms would change them unaudited.
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class ReadOnlyUserAdmin(ReadOnlyAdmin, UserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "is_active", "last_login")
    list_filter = ("is_active", "groups")
    filter_horizontal = ()
    fieldsets = (
        (None, {"fields": ("username", "first_name", "last_name", "email")}),
        ("Status", {"fields": ("is_active", "groups", "last_login", "date_joined")}),
    )

    def get_readonly_fields(self, request, obj=None):
        return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]


@admin.register(Group)
class ReadOnlyGroupAdmin(ReadOnlyAdmin, GroupAdmin):
    filter_horizontal = ()

    def get_readonly_fields(self, request, obj=None):
        return ["name", "permissions"]


@admin.register(RoleGrantRequest)
class RoleGrantRequestAdmin(ReadOnlyAdmin):
    list_display = ("user", "role", "state", "requested_by", "requested_at", "decided_by", "decided_at")
    list_filter = ("state", "role")

from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only, and the admin site must not suggest otherwise."""

    list_display = ("occurred_at", "actor_username", "action", "object_type", "object_id", "outcome")
    list_filter = ("outcome", "action")
    search_fields = ("actor_username", "object_id", "action")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""Releases in Django's admin: readable by those with view permission, never changed there.

Every release change must pass the workflow's checks (roles, the two-person rule, the second
check) and leave an audit event, so the admin offers no add, change, delete or bulk action.
"""

from django.contrib import admin

from .models import RedactionChange, Release, RenderJob, SignOff, Transcript, TranscriptionJob


class ReadOnlyAdmin(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    list_display = ("id", "incident", "footage", "state", "due_at", "approved_by", "published_at")
    list_filter = ("state",)


@admin.register(RedactionChange)
class RedactionChangeAdmin(ReadOnlyAdmin):
    list_display = ("id", "release", "kind", "reason", "created_by", "confirmed_by", "withdrawn_at")


@admin.register(RenderJob)
class RenderJobAdmin(ReadOnlyAdmin):
    list_display = ("id", "release", "state", "attempts", "progress", "heartbeat_at")


@admin.register(TranscriptionJob)
class TranscriptionJobAdmin(ReadOnlyAdmin):
    list_display = ("id", "release", "state", "attempts", "progress", "heartbeat_at")


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    list_display = ("id", "release", "signed_by", "signed_at", "shaped", "release_sha256")


@admin.register(Transcript)
class TranscriptAdmin(ReadOnlyAdmin):
    list_display = ("id", "release", "status", "language", "reviewed_by", "reviewed_at", "stated_no_speech")

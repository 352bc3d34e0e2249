"""Audit events in words: what each action code means to a person reading a record, and a link to
the object an event is about. The codes stay in the database and the CSV; pages show these."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

ACTION_WORDS: dict[str, str] = {
    "incident.filed": "Filed the report",
    "incident.updated": "Edited the record",
    "incident.viewed": "Viewed the case",
    "incident.submit": "Submitted the report",
    "incident.start_triage": "Started triage",
    "incident.open_investigation": "Opened the investigation",
    "incident.propose_findings": "Proposed findings",
    "incident.approve_findings": "Approved the findings and closed the case",
    "incident.send_back": "Sent the findings back",
    "incident.close": "Closed the case without findings",
    "incident.reopen": "Reopened the case",
    "incident.assigned": "Assigned an investigator",
    "incident.note_added": "Added a note",
    "incident.public_summary_changed": "Changed the public summary",
    "incident.published": "Published the incident on the public site",
    "incident.unpublished": "Took the incident off the public site",
    "incident.exported": "Exported incidents as CSV",
    "footage.upload_refused": "Upload refused",
    "footage.upload_rejected": "Upload rejected",
    "footage.ingest_refused": "Footage refused at ingest",
    "footage.fixity_failed": "Footage failed its hash check",
    "footage.download_refused": "Download of the original refused",
    "release.request": "Asked for a release",
    "release.start_redaction": "Redaction started",
    "release.finish_redaction": "Redaction finished, ready for review",
    "release.rerender": "Asked for a new render",
    "release.render_failed": "The render failed",
    "release.approve": "Signed off the release",
    "release.withhold": "Withheld the release",
    "release.publish": "Published the release",
    "release.change_add": "Changed a redaction",
    "release.change_confirm": "Confirmed a redaction change",
    "release.change_withdraw": "Withdrew a redaction change",
    "release.finding_clear": "Cleared a finding of the second check",
    "audit.viewed": "Read the audit trail",
    "audit.exported": "Exported the audit trail",
    "auth.signed_in": "Signed in",
    "auth.signed_out": "Signed out",
    "auth.sign_in_refused": "Sign-in refused",
    "auth.locked_out": "Locked out after failed sign-ins",
    "auth.token_issued": "API token issued",
    "auth.token_refused": "API token refused",
    "user.created": "Created an account",
    "user.roles_changed": "Changed an account's roles",
}

OBJECT_WORDS: dict[str, tuple[str, str | None]] = {
    # object_type: (what it is called, the staff page's URL name, or None where there is no page)
    "incidents.incident": ("Incident", "incidents:detail"),
    "footage.footageitem": ("Footage", "footage:detail"),
    "releases.release": ("Release", "releases:detail"),
    "auth.user": ("Account", None),
    "portal.auditevent": ("Audit trail", None),
}


def action_words(action: str) -> str:
    """The words for `action`; an unknown code is still shown readably rather than hidden."""
    if action in ACTION_WORDS:
        return ACTION_WORDS[action]
    _, _, verb = action.partition(".")
    return (verb or action).replace("_", " ").capitalize()


def action_choices() -> list[tuple[str, str]]:
    """(code, words) pairs, in words' order, for a filter a person picks from."""
    return sorted(ACTION_WORDS.items(), key=lambda pair: pair[1])


@dataclass(frozen=True)
class ObjectRef:
    label: str
    url: str | None


def object_ref(object_type: str, object_id: str, *, name: str = "") -> ObjectRef:
    """A link to the object an event is about (its page decides who may open it); `name` is its
    reference or file name where the caller knows it."""
    kind, url_name = OBJECT_WORDS.get(object_type, (object_type, None))
    if not object_id:
        return ObjectRef(kind, None)
    url = None
    if url_name:
        try:
            url = reverse(url_name, args=[int(object_id)])
        except (NoReverseMatch, ValueError):
            url = None
    return ObjectRef(f"{kind} {name or '#' + object_id}", url)

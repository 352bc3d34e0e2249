"""Filing and editing incidents, adding people and notes, and recording who read a case.

State changes are in `incidents.workflow`; this module writes the record's content. Each writer
validates everything before it stores anything, so a refused or invalid call leaves no trace but
its audit event.
"""

from __future__ import annotations

from typing import Any, Iterable

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from portal.audit import record_event
from portal.models import AuditOutcome
from portal.refusals import audit_refusal
from public.data_version import public_data_changed

from . import access
from .models import CaseNote, Incident, Person, ReferenceSequence
from .workflow import TransitionRefused, apply_transition

EDITABLE_FIELDS = (
    "occurred_start",
    "occurred_end",
    "address",
    "neighbourhood",
    "latitude",
    "longitude",
    "on_city_property",
    "sensitive_location",
    "agencies",
    "agent_count",
    "agents_masked",
    "agents_unidentified",
    "badge_numbers",
    "unit_identifiers",
    "vehicle_plates",
    "warrant_shown",
    "categories",
    "injuries",
    "property_damage",
    "narrative",
    "police_report_number",
    "source",
    "public_summary",
)
PERSON_FIELDS = ("role", "name", "contact", "preferred_language", "notes")
MAX_PEOPLE = 50

def next_reference(year: int) -> str:
    sequence, _ = ReferenceSequence.objects.select_for_update().get_or_create(year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"INC-{year}-{sequence.last_number:05d}"


def _apply_data(incident: Incident, data: dict[str, Any]) -> list[str]:
    unknown = sorted(set(data) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError({name: ["This field cannot be set here."] for name in unknown[:20]})
    changed = []
    for name, value in data.items():
        if name in ("agencies", "categories") and value is None:
            value = []
        if name in ("on_city_property", "agents_masked", "agents_unidentified") and value is None:
            value = False
        if getattr(incident, name) != value:
            setattr(incident, name, value)
            changed.append(name)
    return changed


def _build_people(incident: Incident, people: Iterable[dict]) -> list[Person]:
    built, errors = [], {}
    people = list(people)
    if len(people) > MAX_PEOPLE:
        raise ValidationError({"people": [f"List at most {MAX_PEOPLE} people."]})
    for index, row in enumerate(people):
        unknown = set(row) - set(PERSON_FIELDS)
        person = Person(incident=incident, **{k: (row[k] if row[k] is not None else "") for k in PERSON_FIELDS if k in row})
        try:
            if unknown:
                raise ValidationError({name: ["Unknown field."] for name in sorted(unknown)[:10]})
            person.full_clean(exclude=["incident"])
        except ValidationError as error:
            errors[f"people[{index}]"] = [f"{field}: {'; '.join(msgs)}" for field, msgs in error.message_dict.items()]
        built.append(person)
    if errors:
        raise ValidationError(errors)
    return built


def _full_clean(incident: Incident) -> None:
    incident.full_clean(exclude=["reporter", "assigned_investigator"], validate_unique=False)


def refuse(action: str, *, actor, incident: Incident | None, message: str, status: int, request, object_id: str | int = "",
           errors: dict | None = None, **detail) -> TransitionRefused:
    """The refusal to raise, already on the audit trail (`incident` None: none is named, or none may be seen)."""
    refusal = TransitionRefused(message, status=status, field_errors=errors)
    audit_refusal(refusal, actor=actor, action=action, target=incident, object_type="" if incident else "incidents.incident",
                  object_id=str(object_id)[:64], from_state=incident.state if incident else "", reason="", request=request,
                  **detail)
    return refusal


def file_incident(
    *,
    reporter: User,
    data: dict[str, Any],
    people: Iterable[dict] = (),
    submit: bool = False,
    request: HttpRequest | None = None,
) -> Incident:
    if not access.can_file(reporter):
        raise refuse("incident.filed", actor=reporter, incident=None, message="You may not file incidents.", status=403, request=request)
    incident = Incident(reporter=reporter, reference="INC-PENDING")
    _apply_data(incident, dict(data))
    _full_clean(incident)
    person_rows = _build_people(incident, people)
    if submit:
        missing = incident.missing_for_submission()
        if missing:
            raise ValidationError(missing)
    with transaction.atomic():
        now = timezone.now()
        incident.reference = next_reference(timezone.localdate(now).year)
        incident.created_at = incident.state_changed_at = now
        incident.save()
        for person in person_rows:
            person.incident = incident
            person.save()
        record_event(
            actor=reporter,
            action="incident.filed",
            target=incident,
            to_state=incident.state,
            request=request,
            detail={"reference": incident.reference, "people": len(person_rows)},
        )
        if submit:
            incident = apply_transition(incident, "submit", actor=reporter, request=request)
    return incident


def update_incident(
    incident: Incident,
    *,
    actor: User,
    data: dict[str, Any],
    people: Iterable[dict] | None = None,
    submit: bool = False,
    request: HttpRequest | None = None,
) -> Incident:
    """Change the record's content (and, given `people`, replace the people involved)."""
    if not access.is_visible(actor, incident):
        raise refuse("incident.updated", actor=actor, incident=incident, message="You may not act on this case.", status=404, request=request)
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if not access.can_edit(actor, locked):
            refusal = TransitionRefused("You may not edit this case.", status=403)
        else:
            refusal = None
            changed = _apply_data(locked, dict(data))
            _full_clean(locked)
            person_rows = _build_people(locked, people) if people is not None else None
            if submit:
                missing = locked.missing_for_submission()
                if missing:
                    raise ValidationError(missing)
            locked.save()
            public_data_changed()
            if person_rows is not None:
                locked.people.all().delete()
                for person in person_rows:
                    person.save()
                changed.append("people")
            record_event(
                actor=actor,
                action="incident.updated",
                target=locked,
                from_state=locked.state,
                to_state=locked.state,
                request=request,
                # Names of the fields only: values are private and the trail is read more widely.
                detail={"fields": changed},
            )
            if submit:
                locked = apply_transition(locked, "submit", actor=actor, request=request)
    if refusal is not None:
        raise refuse("incident.updated", actor=actor, incident=incident, message=refusal.message, status=403, request=request)
    return locked


def set_public_summary(incident: Incident, *, actor: User, text: str, request: HttpRequest | None = None) -> Incident:
    """The summary written for release may still be written after the case is closed."""
    if not access.is_visible(actor, incident):
        raise refuse("incident.public_summary_changed", actor=actor, incident=incident, message="You may not act on this case.", status=404, request=request)
    if not access.can_write_public_summary(actor, incident):
        raise refuse("incident.public_summary_changed", actor=actor, incident=incident,
                      message="You may not write this case's public summary.", status=403, request=request)
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        locked.public_summary = text or ""
        locked.full_clean(exclude=[f.name for f in Incident._meta.fields if f.name != "public_summary"])
        locked.save(update_fields=["public_summary", "updated_at"])
        public_data_changed()
        record_event(actor=actor, action="incident.public_summary_changed", target=locked, from_state=locked.state,
                     to_state=locked.state, request=request)
    return locked


def add_note(incident: Incident, *, actor: User, text: str, request: HttpRequest | None = None) -> CaseNote:
    if not access.is_visible(actor, incident):
        raise refuse("incident.note_added", actor=actor, incident=incident, message="You may not act on this case.", status=404, request=request)
    if not access.can_add_note(actor, incident):
        raise refuse("incident.note_added", actor=actor, incident=incident, message="You may not add notes to this case.", status=403, request=request)
    note = CaseNote(incident=incident, author=actor, text=text or "")
    note.full_clean(exclude=["incident", "author"])
    if not note.text.strip():
        raise ValidationError({"text": ["Write the note."]})
    with transaction.atomic():
        note.save()
        record_event(actor=actor, action="incident.note_added", target=incident, from_state=incident.state,
                     to_state=incident.state, request=request, detail={"note": note.pk})
    return note


def record_view(incident: Incident, *, actor: User, request: HttpRequest | None = None, via: str = "page") -> None:
    """Reading a case's private data is itself on the record."""
    record_event(actor=actor, action="incident.viewed", target=incident, request=request, detail={"via": via})


def record_refused_view(pk, *, actor: User, request: HttpRequest | None = None, via: str = "page") -> None:
    record_event(
        actor=actor,
        action="incident.viewed",
        object_type="incidents.incident",
        object_id=str(pk)[:64],
        outcome=AuditOutcome.REFUSED,
        request=request,
        detail={"via": via},
    )

"""A case's timeline as a record: the audit events of the incident, its footage and its releases,
in words, with links, and with runs of page views folded into one line."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q

from footage.models import FootageItem
from portal.event_words import ObjectRef, action_words, object_ref
from portal.models import AuditEvent, AuditOutcome
from releases.models import Release, ReleaseState

from .models import Incident, IncidentState

_STATE_WORDS = {
    "incidents.incident": dict(IncidentState.choices),
    "releases.release": dict(ReleaseState.choices),
}


@dataclass
class TimelineEntry:
    action: str
    words: str
    outcome: str
    outcome_words: str
    first_at: datetime
    last_at: datetime
    object: ObjectRef
    from_state: str = ""
    to_state: str = ""
    reason: str = ""
    actors: list[str] = field(default_factory=list)
    count: int = 1

    @property
    def is_folded(self) -> bool:
        return self.count > 1


def _is_view(event: AuditEvent) -> bool:
    return event.action.endswith(".viewed") and event.outcome == AuditOutcome.SUCCESS


def case_timeline(incident: Incident) -> list[TimelineEntry]:
    footage_names = dict(FootageItem.objects.filter(incident=incident).values_list("pk", "original_filename"))
    release_ids = list(Release.objects.filter(incident=incident).values_list("pk", flat=True))
    names = {
        ("incidents.incident", str(incident.pk)): incident.reference,
        **{("footage.footageitem", str(pk)): name for pk, name in footage_names.items()},
    }
    events = AuditEvent.objects.filter(
        Q(object_type="incidents.incident", object_id=str(incident.pk))
        | Q(object_type="footage.footageitem", object_id__in=[str(pk) for pk in footage_names])
        | Q(object_type="releases.release", object_id__in=[str(pk) for pk in release_ids])
    ).order_by("id")
    entries: list[TimelineEntry] = []
    for event in events:
        last = entries[-1] if entries else None
        if last is not None and _is_view(event) and last.action == event.action and last.object.label == _ref(event, names).label:
            # Nine views in a row say less than "viewed 9 times by these people".
            last.count += 1
            last.last_at = event.occurred_at
            who = event.actor_username or "system"
            if who not in last.actors:
                last.actors.append(who)
            continue
        states = _STATE_WORDS.get(event.object_type, {})
        entries.append(TimelineEntry(
            action=event.action,
            words=action_words(event.action),
            outcome=event.outcome,
            outcome_words=event.get_outcome_display(),
            first_at=event.occurred_at,
            last_at=event.occurred_at,
            object=_ref(event, names),
            from_state=states.get(event.from_state, event.from_state) if event.from_state != event.to_state else "",
            to_state=states.get(event.to_state, event.to_state) if event.from_state != event.to_state else "",
            reason=event.reason,
            actors=[event.actor_username or "system"],
        ))
    return entries


def _ref(event: AuditEvent, names: dict) -> ObjectRef:
    return object_ref(event.object_type, event.object_id, name=names.get((event.object_type, event.object_id), ""))

"""A release officer's changes to the automatic redaction, and clearing the second check's findings.

Each function checks the actor and the release's state under a row lock and writes the audit
event in the same transaction; a refusal raises and is audited. Changes take effect at the next
render; approval refuses a copy rendered before the latest change.
"""

from __future__ import annotations

import math
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from portal.audit import record_event
from portal.refusals import audit_refusal
from portal.roles import Role, has_role
from redaction.regions import TrackMark, match_marks
from redaction.regions_log import RegionsLog

from . import access
from .errors import ReleaseError, ReleaseForbidden, ReleaseRefused
from .models import ChangeKind, RedactionChange, RedactionReason, Release, ReleaseState, UnredactReason

MAX_KEYFRAMES = 500
REVIEWABLE_STATES = (ReleaseState.IN_REVIEW,)
REASONS_BY_KIND = {
    ChangeKind.MANUAL: RedactionReason.values,
    ChangeKind.MUTE: RedactionReason.values,
    ChangeKind.BLEEP: RedactionReason.values,
    ChangeKind.SUPPRESS: [UnredactReason.FALSE_DETECTION.value],
    ChangeKind.DO_NOT_REDACT: [UnredactReason.OFFICIAL_IN_PUBLIC.value],
}


def _audited(action: str):
    def wrap(fn):
        def run(release_or_change, *args, actor: User, request: HttpRequest | None = None, **kwargs):
            try:
                with transaction.atomic():
                    return fn(release_or_change, *args, actor=actor, request=request, **kwargs)
            except ReleaseError as exc:
                audit_refusal(exc, actor=actor, action=action, target=release_or_change, request=request)
                raise

        run.__name__ = fn.__name__
        run.__doc__ = fn.__doc__
        return run

    return wrap


def _lock_for_review(release: Release, actor: User) -> Release:
    if not has_role(actor, Role.RELEASE_OFFICER):
        raise ReleaseForbidden("Only a release officer may change redactions.")
    if not access.is_visible(actor, release):
        raise ReleaseForbidden("You cannot see this release.", code="not_visible")
    locked = Release.objects.select_for_update().select_related("footage").get(pk=release.pk)
    if locked.state not in REVIEWABLE_STATES:
        raise ReleaseRefused("Redactions can be changed only while the release is in review.", code="wrong_state")
    return locked


def _number(value: Any, field: str, *, integer: bool = False, minimum: float | None = None, maximum: float | None = None):
    if isinstance(value, bool) or value is None or value == "":
        raise ReleaseRefused("Enter a number.", code="invalid", field=field)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ReleaseRefused("Enter a number.", code="invalid", field=field) from None
    if not math.isfinite(number):
        raise ReleaseRefused("Enter a finite number.", code="invalid", field=field)
    if integer:
        if number != int(number):
            raise ReleaseRefused("Enter a whole number.", code="invalid", field=field)
        number = int(number)
    if minimum is not None and number < minimum:
        raise ReleaseRefused(f"Must be at least {minimum:g}.", code="invalid", field=field)
    if maximum is not None and number > maximum:
        raise ReleaseRefused(f"Must be at most {maximum:g}.", code="invalid", field=field)
    return number


def source_geometry(release: Release, log: RegionsLog | None = None) -> dict[str, float]:
    """Frame count, size and duration of the footage, from the render log (what the reviewer saw)
    or, before the first render, from the footage's probe. `log`: the release's, already read."""
    log = log if log is not None else RegionsLog.from_dict(release.redaction_log)
    footage = release.footage
    logged_width, logged_height = log.source_size
    width = logged_width or footage.width or 0
    height = logged_height or footage.height or 0
    fps = log.fps or footage.fps or 30
    frames = log.frames or (round((footage.duration or 0) * fps) if footage.duration else 0)
    duration = footage.duration or (frames / fps if frames else 0)
    return {"width": width, "height": height, "fps": fps, "frames": frames, "duration": duration}


def _clean_change(release: Release, data: dict[str, Any]) -> dict[str, Any]:
    kind = data.get("kind")
    if kind not in ChangeKind.values:
        raise ReleaseRefused("Choose what kind of change this is.", code="invalid", field="kind")
    reason = data.get("reason") or ""
    allowed = REASONS_BY_KIND[kind]
    if reason not in allowed:
        raise ReleaseRefused("Choose a reason from the list.", code="invalid", field="reason")
    note = str(data.get("note") or "").strip()
    if len(note) > 500:
        raise ReleaseRefused("Keep the note under 500 characters.", code="invalid", field="note")
    if reason == RedactionReason.OTHER and not note:
        raise ReleaseRefused("Say what the other reason is.", code="invalid", field="note")
    log = RegionsLog.from_dict(release.redaction_log)
    geo = source_geometry(release, log)
    clean: dict[str, Any] = {"kind": kind, "reason": reason, "note": note}

    if kind in (ChangeKind.SUPPRESS, ChangeKind.DO_NOT_REDACT):
        track_id = _number(data.get("track_id"), "track_id", integer=True, minimum=0)
        track = log.track(track_id)
        if track is None or not track.frames:
            raise ReleaseRefused("There is no automatic region with that number.", code="invalid", field="track_id")
        clean["track_id"] = track_id
        clean["track_frames"] = track.frames
    elif kind == ChangeKind.MANUAL:
        raw = data.get("keyframes")
        if not isinstance(raw, list) or not raw:
            raise ReleaseRefused("Draw at least one box.", code="invalid", field="keyframes")
        if len(raw) > MAX_KEYFRAMES:
            raise ReleaseRefused(f"At most {MAX_KEYFRAMES} keyframes per region.", code="invalid", field="keyframes")
        last_frame = max(int(geo["frames"]) - 1, 0) if geo["frames"] else None
        keyframes, seen = [], set()
        for entry in raw:
            if not isinstance(entry, (list, tuple)) or len(entry) != 5:
                raise ReleaseRefused("Each keyframe is [frame, x1, y1, x2, y2].", code="invalid", field="keyframes")
            frame = _number(entry[0], "keyframes", integer=True, minimum=0, maximum=last_frame)
            x1, x2 = (_number(v, "keyframes", minimum=0, maximum=geo["width"] or None) for v in (entry[1], entry[3]))
            y1, y2 = (_number(v, "keyframes", minimum=0, maximum=geo["height"] or None) for v in (entry[2], entry[4]))
            if x2 - x1 < 2 or y2 - y1 < 2:
                raise ReleaseRefused("Each box must be at least 2 pixels wide and tall.", code="invalid", field="keyframes")
            if frame in seen:
                raise ReleaseRefused("Two keyframes at the same frame.", code="invalid", field="keyframes")
            seen.add(frame)
            keyframes.append([frame, round(x1, 1), round(y1, 1), round(x2, 1), round(y2, 1)])
        keyframes.sort()
        start, end = _manual_range(data, keyframes, geo, last_frame)
        clean.update(keyframes=keyframes, start_frame=start, end_frame=end)
    else:  # mute / bleep
        if not release.footage.has_audio:
            # Accepting it would publish "sound was removed" for a clip that never had any.
            raise ReleaseRefused("This file has no sound: there is nothing to mute or bleep.", code="no_audio", field="kind")
        duration = geo["duration"] or None
        start = _number(data.get("start_seconds"), "start_seconds", minimum=0, maximum=duration)
        end = _number(data.get("end_seconds"), "end_seconds", minimum=0, maximum=duration)
        if end <= start:
            raise ReleaseRefused("The audio range must end after it starts.", code="invalid", field="end_seconds")
        clean.update(start_seconds=round(start, 3), end_seconds=round(end, 3))
    return clean


def _manual_range(data: dict[str, Any], keyframes: list, geo: dict, last_frame: int | None) -> tuple[int, int]:
    """The frames a manual box covers: given in frames or in seconds. Two keyframes or more span a
    range of their own; a single keyframe must come with one, or the box would cover one frame
    (a thirtieth of a second) while the reviewer thought it hid the plate."""
    fps = geo["fps"] or 30
    if data.get("start_seconds") not in (None, "") or data.get("end_seconds") not in (None, ""):
        duration = geo["duration"] or None
        start_s = _number(data.get("start_seconds"), "start_seconds", minimum=0, maximum=duration)
        end_s = _number(data.get("end_seconds"), "end_seconds", minimum=0, maximum=duration)
        if end_s <= start_s:
            raise ReleaseRefused("The region must end after it starts.", code="invalid", field="end_seconds")
        start = int(math.floor(start_s * fps + 1e-6))
        end = max(start, int(math.ceil(end_s * fps - 1e-6)) - 1)
        if last_frame is not None:
            start, end = min(start, last_frame), min(end, last_frame)
        field = "start_seconds"
    elif len(keyframes) == 1 and (data.get("start_frame") in (None, "") or data.get("end_frame") in (None, "")):
        raise ReleaseRefused(
            "Say from when to when the box hides its object: one box alone would cover a single frame.",
            code="invalid", field="start_frame",
        )
    else:
        start = _number(data.get("start_frame", keyframes[0][0]), "start_frame", integer=True, minimum=0, maximum=last_frame)
        end = _number(data.get("end_frame", keyframes[-1][0]), "end_frame", integer=True, minimum=0, maximum=last_frame)
        if end < start:
            raise ReleaseRefused("The region must end after it starts.", code="invalid", field="end_frame")
        field = "start_frame"
    if not (start <= keyframes[0][0] and keyframes[-1][0] <= end):
        raise ReleaseRefused("Every box you drew must lie within the region's time range.", code="invalid", field=field)
    return start, end


@_audited("release.change_add")
def add_change(release: Release, data: dict[str, Any], *, actor: User, request: HttpRequest | None = None) -> RedactionChange:
    """Record one reviewer change from untrusted input (a form or JSON body)."""
    locked = _lock_for_review(release, actor)
    clean = _clean_change(locked, data if isinstance(data, dict) else {})
    if clean["kind"] in (ChangeKind.SUPPRESS, ChangeKind.DO_NOT_REDACT):
        marked = marks_by_track(locked, RedactionChange.objects.filter(release=locked, withdrawn_at=None))
        if marked.get(clean["track_id"], (None, 0))[1] >= len(clean["track_frames"]):
            raise ReleaseRefused("That automatic region is already removed or marked.", code="duplicate", field="track_id")
    return _record_change(locked, clean, actor=actor, request=request)


# The one place each region change is made and put on the trail; the writers above and below
# check and lock first (one change or many in one transaction).
def _record_change(locked: Release, clean: dict[str, Any], *, actor: User, request, **detail) -> RedactionChange:
    change = RedactionChange.objects.create(release=locked, created_by=actor, **clean)
    record_event(actor=actor, action="release.change_add", target=locked, reason=clean["reason"], request=request,
                 detail={"change": change.pk, "kind": change.kind, "note": clean["note"], **detail})
    return change


def _withdraw(change: RedactionChange, release: Release, *, actor: User, request, **detail) -> None:
    change.withdrawn_by, change.withdrawn_at = actor, timezone.now()
    change.save(update_fields=["withdrawn_by", "withdrawn_at"])
    record_event(actor=actor, action="release.change_withdraw", target=release, request=request, detail={"change": change.pk, **detail})


def _confirm(change: RedactionChange, release: Release, *, actor: User, request, **detail) -> None:
    change.confirmed_by, change.confirmed_at = actor, timezone.now()
    change.save(update_fields=["confirmed_by", "confirmed_at"])
    record_event(actor=actor, action="release.change_confirm", target=release, request=request, detail={"change": change.pk, **detail})


MAX_BULK = 500


def _frame_range(release: Release, data: dict[str, Any]) -> tuple[int, int] | None:
    """The optional [start_frame, end_frame] a bulk action is limited to."""
    if data.get("start_frame") in (None, "") and data.get("end_frame") in (None, ""):
        return None
    last = max(int(source_geometry(release)["frames"]) - 1, 0)
    start = _number(data.get("start_frame"), "start_frame", integer=True, minimum=0, maximum=last)
    end = _number(data.get("end_frame"), "end_frame", integer=True, minimum=0, maximum=last)
    if end < start:
        raise ReleaseRefused("The range must end after it starts.", code="invalid", field="end_frame")
    return start, end


def _id_list(data: dict[str, Any], field: str) -> list[int] | None:
    raw = data.get(field)
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw or len(raw) > MAX_BULK:
        raise ReleaseRefused(f"Give a list of 1 to {MAX_BULK} numbers.", code="invalid", field=field)
    return sorted({_number(v, field, integer=True, minimum=0) for v in raw})


@_audited("release.change_add")
def mark_tracks(release: Release, data: dict[str, Any], *, actor: User, request: HttpRequest | None = None) -> list[RedactionChange]:
    """Remove ("suppress") or leave unhidden ("do_not_redact") many automatic regions at once: the
    tracks named in `track_ids`, or every track seen in [`start_frame`, `end_frame`], or the named
    tracks within that range (only their frames in it). One change per track, as if each was marked
    alone; tracks a standing decision already covers whole are left as they are."""
    locked = _lock_for_review(release, actor)
    data = data if isinstance(data, dict) else {}
    kind = data.get("kind")
    if kind not in (ChangeKind.SUPPRESS, ChangeKind.DO_NOT_REDACT):
        raise ReleaseRefused("Choose to remove the regions or to leave them unhidden.", code="invalid", field="kind")
    track_ids, frames = _id_list(data, "track_ids"), _frame_range(locked, data)
    if track_ids is None and frames is None:
        raise ReleaseRefused("Choose the regions: by number, by a range of frames, or both.", code="invalid", field="track_ids")
    log = RegionsLog.from_dict(locked.redaction_log)
    tracks = {t.id: t for t in log.tracks if t.frames and t.id is not None}
    unknown = [t for t in track_ids or () if t not in tracks]
    if unknown:
        raise ReleaseRefused(f"There is no automatic region #{unknown[0]}.", code="invalid", field="track_ids")
    marked = marks_by_track(locked, RedactionChange.objects.filter(release=locked, withdrawn_at=None), log)
    made = []
    for track_id in track_ids if track_ids is not None else sorted(tracks):
        track_frames = [f for f in tracks[track_id].frames if frames is None or frames[0] <= f[0] <= frames[1]]
        if not track_frames or marked.get(track_id, (None, 0))[1] >= len(tracks[track_id].frames):
            continue
        clean = _clean_change(locked, {**data, "kind": kind, "track_id": track_id})
        clean["track_frames"] = track_frames
        made.append(_record_change(locked, clean, actor=actor, request=request, bulk=True,
                                   frames=[track_frames[0][0], track_frames[-1][0]]))
    if not made:
        raise ReleaseRefused("Every region chosen is already removed or marked.", code="duplicate", field="track_ids")
    return made


@_audited("release.change_withdraw")
def withdraw_changes(release: Release, data: dict[str, Any], *, actor: User, request: HttpRequest | None = None) -> list[RedactionChange]:
    """Restore what many changes took away at once: the changes named in `change_ids`, or every
    standing region change (added box, removal, "do not redact") that touches [`start_frame`,
    `end_frame`]. Each is withdrawn whole and audited, as if withdrawn alone."""
    locked = _lock_for_review(release, actor)
    data = data if isinstance(data, dict) else {}
    change_ids, frames = _id_list(data, "change_ids"), _frame_range(locked, data)
    if change_ids is None and frames is None:
        raise ReleaseRefused("Choose the changes: by number or by a range of frames.", code="invalid", field="change_ids")
    standing = RedactionChange.objects.select_for_update().filter(release=locked, withdrawn_at=None).order_by("pk")
    if change_ids is not None:
        standing = standing.filter(pk__in=change_ids)
    chosen = [c for c in standing if frames is None or _touches(c, frames)]
    if change_ids is not None and len(chosen) != len(change_ids):
        raise ReleaseRefused("Some of those changes do not exist or were already withdrawn.", code="wrong_state", field="change_ids")
    if not chosen:
        raise ReleaseRefused("No standing region change touches those frames.", code="invalid", field="start_frame")
    for change in chosen:
        _withdraw(change, locked, actor=actor, request=request, bulk=True)
    return chosen


@_audited("release.change_confirm")
def confirm_many(release: Release, data: dict[str, Any], *, actor: User, request: HttpRequest | None = None) -> list[RedactionChange]:
    """A second officer agrees, at once, with every "do not redact" decision named in
    `change_ids`, or with every one awaiting them that touches [`start_frame`, `end_frame`], or
    with all of them awaiting them when neither is given. Each is confirmed and audited as if alone,
    and never by the officer who made it."""
    locked = _lock_for_review(release, actor)
    data = data if isinstance(data, dict) else {}
    change_ids, frames = _id_list(data, "change_ids"), _frame_range(locked, data)
    awaiting = (RedactionChange.objects.select_for_update()
                .filter(release=locked, kind=ChangeKind.DO_NOT_REDACT, withdrawn_at=None, confirmed_by=None).order_by("pk"))
    if change_ids is not None:
        awaiting = awaiting.filter(pk__in=change_ids)
    chosen = [c for c in awaiting if frames is None or _touches(c, frames)]
    if change_ids is not None and len(chosen) != len(change_ids):
        raise ReleaseRefused("Some of those are not 'do not redact' decisions awaiting confirmation.", code="wrong_state", field="change_ids")
    if any(c.created_by_id == actor.pk for c in chosen):
        if change_ids is not None:
            raise ReleaseForbidden("A second release officer must confirm your own 'do not redact' decision.", code="two_person_rule")
        chosen = [c for c in chosen if c.created_by_id != actor.pk]
    if not chosen:
        raise ReleaseRefused("No 'do not redact' decision awaits your confirmation there.", code="wrong_state", field="change_ids")
    for change in chosen:
        _confirm(change, locked, actor=actor, request=request, bulk=True)
    return chosen


def _touches(change: RedactionChange, frames: tuple[int, int]) -> bool:
    if change.kind == ChangeKind.MANUAL:
        return change.start_frame <= frames[1] and frames[0] <= change.end_frame
    if change.is_track_mark:
        return any(frames[0] <= f[0] <= frames[1] for f in change.track_frames or ())
    return False  # audio ranges are in seconds and have their own controls


def change_label(change: RedactionChange) -> str:
    """How the pipeline and its regions log name a reviewer's change (a manual region, a decision
    to leave a track unhidden)."""
    return f"c{change.pk}"


def track_marks(changes) -> list:
    """The suppress and "do not redact" decisions among `changes`, as the pipeline recognises them
    (`redaction.TrackMark`)."""
    return [TrackMark.from_frames(change_label(c), c.track_frames) for c in changes if c.is_track_mark and c.track_frames]


def marks_by_track(release: Release, changes, log: RegionsLog | None = None) -> dict[int, tuple[int, int]]:
    """For each track of the release's current render that a decision among `changes` covers:
    (the change's id, how many of the track's frames it leaves unhidden), the best-matching
    decision where several do. Decisions are matched by where their track was, not by number,
    so a decision made on an earlier render points at the same face in this one."""
    changes = list(changes)
    log = log if log is not None else RegionsLog.from_dict(release.redaction_log)
    by_mark = match_marks(log.tracks, track_marks(changes))
    change_of = {change_label(c): c.pk for c in changes}
    return {
        track_id: (change_of[mark], frames)
        for track_id, counts in by_mark.items()
        for mark, frames in [counts.most_common(1)[0]]
    }


def _lock_change(change: RedactionChange, actor: User) -> RedactionChange:
    _lock_for_review(change.release, actor)
    return RedactionChange.objects.select_for_update().get(pk=change.pk)


@_audited("release.change_withdraw")
def withdraw_change(change: RedactionChange, *, actor: User, request: HttpRequest | None = None) -> RedactionChange:
    locked = _lock_change(change, actor)
    if locked.withdrawn_at:
        raise ReleaseRefused("This change was already withdrawn.", code="wrong_state")
    _withdraw(locked, locked.release, actor=actor, request=request)
    return locked


@_audited("release.change_confirm")
def confirm_do_not_redact(change: RedactionChange, *, actor: User, request: HttpRequest | None = None) -> RedactionChange:
    """A second officer agrees that a person (an agent or officer acting in public) stays visible."""
    locked = _lock_change(change, actor)
    if locked.kind != ChangeKind.DO_NOT_REDACT:
        raise ReleaseRefused("Only a 'do not redact' decision needs confirming.", code="wrong_kind")
    if locked.withdrawn_at or locked.confirmed_by_id:
        raise ReleaseRefused("This decision is already confirmed or withdrawn.", code="wrong_state")
    if locked.created_by_id == actor.pk:
        raise ReleaseForbidden("A second release officer must confirm your own 'do not redact' decision.", code="two_person_rule")
    _confirm(locked, locked.release, actor=actor, request=request)
    return locked


@_audited("release.finding_clear")
def clear_finding(release: Release, index: Any, reason: str, *, actor: User, request: HttpRequest | None = None) -> Release:
    """The reviewer looked at a frame the second check flagged and found nothing to hide there
    (a face on a poster, an already hidden face, a false detection)."""
    locked = _lock_for_review(release, actor)
    findings = list(locked.check_findings or [])
    i = _number(index, "finding", integer=True, minimum=0, maximum=max(len(findings) - 1, 0))
    if not findings:
        raise ReleaseRefused("There is nothing to clear.", code="invalid", field="finding")
    reason = str(reason or "").strip()
    if not reason or len(reason) > 500:
        raise ReleaseRefused("Say why this frame needs no further redaction (at most 500 characters).", code="invalid", field="reason")
    if findings[i].get("cleared_by_id"):
        raise ReleaseRefused("This finding was already cleared.", code="wrong_state", field="finding")
    findings[i] = {**findings[i], "cleared_by_id": actor.pk, "cleared_by": actor.get_username(), "cleared_reason": reason,
                   "cleared_at": timezone.now().isoformat()}
    locked.check_findings = findings
    if not any(not f.get("cleared_by_id") for f in findings):
        locked.check_cleared_by = actor
    locked.save(update_fields=["check_findings", "check_cleared_by"])
    record_event(actor=actor, action="release.finding_clear", target=locked, reason=reason, request=request,
                 detail={"finding": i, "frame": findings[i].get("frame")})
    release.check_findings, release.check_cleared_by_id = locked.check_findings, locked.check_cleared_by_id
    return locked

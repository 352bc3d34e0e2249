"""The release manifest: what a published file is, in canonical JSON that the city signs.

Canonical means sorted keys, no insignificant whitespace, UTF-8: anyone can rebuild the exact
signed bytes from the JSON they downloaded, whatever their JSON library's default formatting.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from redaction.regions_log import RegionsLog

MANIFEST_FORMAT = "incident-portal-release-manifest/1"


def canonical_bytes(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def redaction_summary(changes: list[dict[str, Any]], log: Mapping[str, Any] | None) -> dict[str, Any]:
    """What was hidden and why, without any position or personal detail.

    `changes` are the reviewer's changes as {"kind", "reason"}; `log` is the stored regions log.
    """
    regions = RegionsLog.from_dict(log)
    by_reason = Counter(c["reason"] for c in changes if c.get("kind") in ("manual", "mute", "bleep") and c.get("reason"))
    not_redacted = Counter(c["reason"] or "other" for c in changes if c.get("kind") == "suppress")
    return {
        "automatic_faces_hidden": len(regions.hidden_tracks()),
        "automatic_regions_removed": sum(not_redacted.values()),
        "manual_changes_by_reason": dict(sorted(by_reason.items())),
        "audio_ranges": sorted(
            (
                {"start_seconds": round(float(a), 3), "end_seconds": round(float(b), 3), "treatment": treatment}
                for treatment, ranges in regions.audio_ranges().items()
                for a, b in ranges
            ),
            key=lambda r: (r["start_seconds"], r["end_seconds"]),
        ),
        "mode": regions.mode,
    }


APPROVAL_STATEMENT = "signed off by two release officers, at least one of whom made none of its redactions (two-person rule)"


def build_manifest(
    *,
    release_id: int,
    incident_reference: str,
    file_name: str,
    size: int,
    sha256: str,
    original_sha256: str,
    redaction: dict[str, Any],
    pipeline_version: str,
    model_sha256: str,
    approved_at: str,
    published_at: str,
    issuer: str,
) -> dict[str, Any]:
    return {
        "format": MANIFEST_FORMAT,
        "issuer": issuer,
        "release_id": release_id,
        "incident_reference": incident_reference,
        "file": {"name": file_name, "size": size, "sha256": sha256},
        "original_sha256": original_sha256,
        "redaction": redaction,
        "pipeline_version": pipeline_version,
        "model_sha256": model_sha256,
        "approved_at": approved_at,
        "published_at": published_at,
        # Staff names are never public: the manifest states the rule that was enforced, and the
        # audit trail (not the public) records who approved.
        "approval": APPROVAL_STATEMENT,
    }

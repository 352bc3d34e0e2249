"""Verifying the audit and custody trails on demand, for the auditor's page: the same checks as
`manage.py verify_audit_chain` (every chain recomputed, then checked against every signed checkpoint
the server holds), returned as a result to show rather than printed."""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.checkpoints import (
    CheckpointError,
    CheckpointReport,
    check_against_checkpoints,
    chained_models,
    checkpoint_public_key,
    directory_checkpoints,
    stored_checkpoints,
)
from portal.hashchain import ChainReport, verify_chain
from releases.signing import SigningKeyError


@dataclass
class TrailVerification:
    chains: list[ChainReport] = field(default_factory=list)
    checkpoints: CheckpointReport | None = None
    checkpoint_error: str = ""

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.chains) and not self.checkpoint_error and (self.checkpoints is None or self.checkpoints.ok)


def verify_trails() -> TrailVerification:
    result = TrailVerification(chains=[verify_chain(model) for model in chained_models()])
    try:
        checkpoints = stored_checkpoints() + directory_checkpoints()
        if checkpoints:
            result.checkpoints = check_against_checkpoints(checkpoints, checkpoint_public_key())
    except (CheckpointError, SigningKeyError) as exc:
        result.checkpoint_error = f"The signed checkpoints could not be checked: {exc}"
    return result

"""Redaction's own error: the run failed and wrote nothing (media's errors are media.errors')."""


class RedactionError(Exception):
    """Redaction failed; no output was written."""

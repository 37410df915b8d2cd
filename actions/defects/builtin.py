"""The built-in tracker: defects in preprod's own sqlite file, keys `PP-1`, `PP-2`, ..."""

from __future__ import annotations

from typing import Any

from actions.defects.tracker import Defect, DefectDraft, DefectStatus, Filed, redacted
from actions.errors import UsageError
from actions.insight.redact import redact
from storage import defects as records
from storage.store import Store


def occurrence_note(draft: DefectDraft, occurrences: int) -> str:
    """The comment kept when a finding is seen again while its defect is open."""
    text = f"Seen again (occurrence {occurrences}) in {draft.link}"
    if draft.version:
        text += f" on {draft.app or ''} {draft.version}".rstrip()
    parts = [f"{text}.", draft.suggestion or "", draft.evidence]
    return "\n".join(part for part in parts if part).rstrip()


class BuiltinTracker:
    """The embedded default: no outside system, nothing to configure."""

    name = "builtin"

    def __init__(self, store: Store) -> None:
        self.store = store

    def file(self, draft: DefectDraft) -> Filed:
        draft = redacted(draft)
        fields = draft.model_dump(exclude={"component", "suggestion"})
        existing = records.open_defect(self.store, draft.fingerprint)
        count = (existing["occurrences"] + 1) if existing else 1
        row, created = records.file_defect(self.store, fields, occurrence_note(draft, count))
        if created and draft.suggestion:
            records.add_comment(self.store, row["key"], draft.suggestion)
        return Filed(key=row["key"], created=created, occurrences=row["occurrences"])

    def find_open(self, fingerprint: str) -> Defect | None:
        row = records.open_defect(self.store, fingerprint)
        return _defect(row) if row else None

    def comment(self, key: str, text: str) -> None:
        if not records.add_comment(self.store, key, redact(text)):
            raise UsageError(f"no defect {key}")

    def resolve(self, key: str, note: str) -> None:
        if not records.resolve_defect(self.store, key, redact(note)):
            raise UsageError(f"no defect {key}")

    def status(self, key: str) -> DefectStatus:
        row = records.get_defect(self.store, key)
        if row is None:
            raise UsageError(f"no defect {key}")
        return _defect(row).status

    def list(self, release: str | None = None) -> list[Defect]:
        return [_defect(row) for row in records.list_defects(self.store, version=release)]


def _defect(row: dict[str, Any]) -> Defect:
    return Defect(
        key=row["key"],
        fingerprint=row["fingerprint"],
        title=row["title"],
        severity=row["severity"],
        impact=row["impact"],
        service=row["service"],
        status=row["status"],
        tracker_status=row["status"],
        occurrences=row["occurrences"],
        app=row["app"],
        version=row["version"],
        run_id=row["run_id"],
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
    )

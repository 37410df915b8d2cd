"""How a defect is written in Jira fields and labels, and read back from them. Pure.

A defect carries its fingerprint as the label `preprod-<fingerprint>`, its severity as
`preprod-severity-<s>`, its release as `preprod-release-<version>` and its occurrence count as
`preprod-seen-<n>` (also written in each "seen again" comment). Its status is Jira's: `resolved`
when the issue's status category is Done.
"""

from __future__ import annotations

import re
from typing import Any

from actions.defects.config import DEFECT_SEVERITIES, JiraConfig
from actions.defects.tracker import Defect, DefectDraft, DefectStatus

LABEL = "preprod"
SEEN = re.compile(r"^preprod-seen-(\d+)$")
SEARCH_FIELDS = "summary,status,labels,created,updated"


def label_safe(text: str) -> str:
    """A Jira label from free text: no spaces, at most 100 characters."""
    return re.sub(r"\s+", "_", text.strip())[:100]


def fingerprint_label(fingerprint: str) -> str:
    """The label that finds a fingerprint's defect."""
    return f"preprod-{label_safe(fingerprint)}"


def issue_fields(config: JiraConfig, draft: DefectDraft) -> dict[str, Any]:
    """A new issue's fields (the draft is already redacted)."""
    labels = [LABEL, fingerprint_label(draft.fingerprint), f"preprod-severity-{draft.severity}"]
    if draft.version:
        labels.append(f"preprod-release-{label_safe(draft.version)}")
    labels += ["preprod-seen-1", *config.labels, *map(label_safe, draft.labels)]
    fields: dict[str, Any] = {
        "project": {"key": config.project},
        "issuetype": {"name": config.issue_type},
        "summary": f"[{draft.severity}] {draft.title}"[:250],
        "description": description(draft),
        "priority": {"name": config.priority[draft.severity]},
        "labels": list(dict.fromkeys(labels)),
    }
    component = draft.component or config.components.get(draft.service or "")
    if component:
        fields["components"] = [{"name": component}]
    return fields


def seen_labels(labels: list[str], count: int) -> list[str]:
    """The issue's labels with its occurrence count set to `count`."""
    return [*(label for label in labels if not SEEN.match(label)), f"preprod-seen-{count}"]


def status_of(fields: dict[str, Any]) -> DefectStatus:
    """`resolved` when the issue's status category is Done, else `open`."""
    category = ((fields.get("status") or {}).get("statusCategory") or {}).get("key", "")
    return "resolved" if category == "done" else "open"


def defect_of(key: str, fields: dict[str, Any], url: str) -> Defect:
    """A defect from an issue's fields, its preprod values read from its labels."""
    labels: list[str] = list(fields.get("labels") or [])
    values = {"fingerprint": "", "severity": None, "version": None, "occurrences": 1}
    for label in labels:
        if match := SEEN.match(label):
            values["occurrences"] = int(match.group(1))
        elif label.startswith("preprod-severity-"):
            severity = label.removeprefix("preprod-severity-")
            values["severity"] = severity if severity in DEFECT_SEVERITIES else None
        elif label.startswith("preprod-release-"):
            values["version"] = label.removeprefix("preprod-release-")
        elif label.startswith("preprod-") and not values["fingerprint"]:
            values["fingerprint"] = label.removeprefix("preprod-")
    return Defect(
        key=key,
        title=str(fields.get("summary") or ""),
        status=status_of(fields),
        tracker_status=str((fields.get("status") or {}).get("name", "")),
        first_seen=fields.get("created"),
        last_seen=fields.get("updated"),
        url=url,
        **values,
    )


def description(draft: DefectDraft) -> str:
    """The issue's description in Jira wiki markup; the evidence as a `{noformat}` block."""
    lines = [
        f"*Severity:* {draft.severity}",
        f"*Impact:* {draft.impact}" if draft.impact else "",
        f"*Service:* {draft.service}" if draft.service else "",
        f"*Release:* {draft.app or ''} {draft.version}".rstrip() if draft.version else "",
        f"*Step:* {draft.step}" if draft.step else "",
        f"*Found in:* {draft.link}",
        f"*Fingerprint:* {draft.fingerprint}",
        "*Occurrences:* 1",
        draft.suggestion or "",
    ]
    text = "\n".join(line for line in lines if line)
    if draft.evidence:
        text += "\n\n{noformat}\n" + draft.evidence[:20000] + "\n{noformat}"
    return text

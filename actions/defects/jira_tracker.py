"""Jira as the defect tracker, through the `jira` client (REST API v2).

A defect carries its fingerprint as the label `preprod-<fingerprint>`, its severity as
`preprod-severity-<s>`, its release as `preprod-release-<version>` and its occurrence count as
`preprod-seen-<n>` (also written in each "seen again" comment). Its status is Jira's: `resolved`
when the issue's status category is Done. Any failure becomes a one-line `BackendUnavailable`
(unreachable, timed out, 5xx) or `EnvironmentFailure` (Jira refused: 4xx).
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable
from typing import Any, TypeVar

from actions.defects.builtin import occurrence_note
from actions.defects.config import DEFECT_SEVERITIES, JiraConfig
from actions.defects.tracker import Defect, DefectDraft, DefectStatus, Filed, redacted
from actions.durations import parse_duration
from actions.errors import BackendUnavailable, EnvironmentFailure
from actions.insight.redact import redact

T = TypeVar("T")

LABEL = "preprod"
_SEEN = re.compile(r"^preprod-seen-(\d+)$")


def label_safe(text: str) -> str:
    """A Jira label from free text: no spaces, at most 100 characters."""
    return re.sub(r"\s+", "_", text.strip())[:100]


def fingerprint_label(fingerprint: str) -> str:
    return f"preprod-{label_safe(fingerprint)}"


def _reason(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    text = str(getattr(exc, "text", "") or exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return f"HTTP {status}: {line[:200]}" if status else f"{type(exc).__name__}: {line[:200]}"


class JiraTracker:
    """Files, comments, resolves and reads defects in one Jira project."""

    name = "jira"

    def __init__(self, config: JiraConfig, *, user: str | None, token: str) -> None:
        self.config = config
        self._user = user
        self._token = token
        self._client: Any = None

    # --- the outside call, bounded and made plain --------------------------------------------

    def _jira(self) -> Any:
        if self._client is None:
            from jira import JIRA

            auth: dict[str, Any] = (
                {"basic_auth": (self._user, self._token)}
                if self._user
                else {"token_auth": self._token}
            )
            self._client = JIRA(
                server=self.config.url,
                options={"check_update": False},
                max_retries=self.config.max_retries,
                timeout=parse_duration(self.config.timeout),
                **auth,
            )
        return self._client

    def _call(self, what: str, call: Callable[[Any], T]) -> T:
        import requests
        from jira.exceptions import JIRAError

        if not self._token:
            raise EnvironmentFailure(
                f"Jira {what}: no token (set {self.config.token_env} in the bot's environment)"
            )
        try:
            return call(self._jira())
        except JIRAError as exc:
            status = exc.status_code or 0
            kind = EnvironmentFailure if 400 <= status < 500 else BackendUnavailable
            raise kind(f"Jira {what} failed at {self.config.url}: {_reason(exc)}") from None
        except (requests.RequestException, OSError) as exc:
            raise BackendUnavailable(
                f"Jira {what} failed: {self.config.url} did not answer ({_reason(exc)})"
            ) from None
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise BackendUnavailable(
                f"Jira {what} failed: unexpected answer from {self.config.url} ({_reason(exc)})"
            ) from None

    # --- the DefectTracker interface -----------------------------------------------------------

    def file(self, draft: DefectDraft) -> Filed:
        draft = redacted(draft)
        existing = self.find_open(draft.fingerprint)
        if existing is not None:
            count = existing.occurrences + 1
            labels = [label for label in self._labels_of(existing.key) if not _SEEN.match(label)]
            note = occurrence_note(draft, count)

            def again(jira: Any) -> None:
                jira.issue(existing.key, fields="labels").update(
                    fields={"labels": [*labels, f"preprod-seen-{count}"]}
                )
                jira.add_comment(existing.key, note)

            self._call("comment", again)
            return Filed(key=existing.key, created=False, occurrences=count, url=existing.url)
        issue = self._call("create", lambda jira: jira.create_issue(fields=self.fields(draft)))
        return Filed(key=issue.key, created=True, occurrences=1, url=self._browse(issue.key))

    def fields(self, draft: DefectDraft) -> dict[str, Any]:
        """The new issue's fields (the draft is already redacted)."""
        labels = [LABEL, fingerprint_label(draft.fingerprint), f"preprod-severity-{draft.severity}"]
        if draft.version:
            labels.append(f"preprod-release-{label_safe(draft.version)}")
        labels += ["preprod-seen-1", *self.config.labels, *map(label_safe, draft.labels)]
        fields: dict[str, Any] = {
            "project": {"key": self.config.project},
            "issuetype": {"name": self.config.issue_type},
            "summary": f"[{draft.severity}] {draft.title}"[:250],
            "description": _description(draft),
            "priority": {"name": self.config.priority[draft.severity]},
            "labels": list(dict.fromkeys(labels)),
        }
        component = draft.component or self.config.components.get(draft.service or "")
        if component:
            fields["components"] = [{"name": component}]
        return fields

    def find_open(self, fingerprint: str) -> Defect | None:
        jql = (
            f'project = {self.config.project} AND labels = "{fingerprint_label(fingerprint)}" '
            "AND statusCategory != Done"
        )
        found = self._search("search", jql, limit=1)
        return found[0] if found else None

    def comment(self, key: str, text: str) -> None:
        body = redact(text)
        self._call("comment", lambda jira: jira.add_comment(key, body))

    def resolve(self, key: str, note: str) -> None:
        body = redact(note)
        wanted = self.config.resolve_transition

        def transition(jira: Any) -> None:
            names = {t["name"].lower(): t["id"] for t in jira.transitions(key)}
            if wanted.lower() not in names:
                raise EnvironmentFailure(
                    f"Jira {key} has no transition {wanted!r} now "
                    f"(available: {', '.join(sorted(names)) or 'none'})"
                )
            jira.transition_issue(key, names[wanted.lower()], comment=body)

        self._call("resolve", transition)

    def status(self, key: str) -> DefectStatus:
        issue = self._call("status", lambda jira: jira.issue(key, fields="status"))
        return _status(issue.raw["fields"])

    def list(self, release: str | None = None) -> list[Defect]:
        jql = f'project = {self.config.project} AND labels = "{LABEL}"'
        if release:
            jql += f' AND labels = "preprod-release-{label_safe(release)}"'
        return self._search("list", jql + " ORDER BY created DESC", limit=200)

    # --- reading issues back -------------------------------------------------------------------

    def _search(self, what: str, jql: str, *, limit: int) -> builtins.list[Defect]:
        fields = "summary,status,labels,created,updated"
        issues = self._call(
            what, lambda jira: jira.search_issues(jql, maxResults=limit, fields=fields)
        )
        return [self._defect(issue.key, issue.raw["fields"]) for issue in issues]

    def _labels_of(self, key: str) -> builtins.list[str]:
        issue = self._call("read", lambda jira: jira.issue(key, fields="labels"))
        return builtins.list(issue.raw["fields"].get("labels") or [])

    def _browse(self, key: str) -> str:
        return f"{self.config.url.rstrip('/')}/browse/{key}"

    def _defect(self, key: str, fields: dict[str, Any]) -> Defect:
        labels: builtins.list[str] = builtins.list(fields.get("labels") or [])
        values = {"fingerprint": "", "severity": None, "version": None, "occurrences": 1}
        for label in labels:
            if match := _SEEN.match(label):
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
            status=_status(fields),
            tracker_status=str((fields.get("status") or {}).get("name", "")),
            first_seen=fields.get("created"),
            last_seen=fields.get("updated"),
            url=self._browse(key),
            **values,
        )


def _status(fields: dict[str, Any]) -> DefectStatus:
    category = ((fields.get("status") or {}).get("statusCategory") or {}).get("key", "")
    return "resolved" if category == "done" else "open"


def _description(draft: DefectDraft) -> str:
    lines = [
        f"*Severity:* {draft.severity}",
        f"*Impact:* {draft.impact}" if draft.impact else "",
        f"*Service:* {draft.service}" if draft.service else "",
        f"*Release:* {draft.app or ''} {draft.version}".rstrip() if draft.version else "",
        f"*Step:* {draft.step}" if draft.step else "",
        f"*Found in:* {draft.link}",
        f"*Fingerprint:* {draft.fingerprint}",
        "*Occurrences:* 1",
    ]
    text = "\n".join(line for line in lines if line)
    if draft.evidence:
        text += "\n\n{noformat}\n" + draft.evidence[:20000] + "\n{noformat}"
    return text

"""Jira as the defect tracker, through the `jira` client (REST API v2).

How a defect is written in fields and labels is `jira_fields`; when a call is tried again is
`jira_retry`. Searches page by offset on Server and Data Center (`/search`) and by token on Cloud
(`/search/jql`, which replaced `/search` there), as `jira.deployment` says; the client also
switches to the Cloud search on its own when the server reports itself as Cloud. Any failure
becomes a one-line `BackendUnavailable` (unreachable, timed out, 5xx, rate limited) or
`EnvironmentFailure` (Jira refused: 4xx).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from actions.defects.builtin import occurrence_note
from actions.defects.config import JiraConfig
from actions.defects.jira_fields import (
    LABEL,
    SEARCH_FIELDS,
    defect_of,
    fingerprint_label,
    issue_fields,
    label_safe,
    seen_labels,
)
from actions.defects.jira_retry import Retryable, Tries, never, plain_error, transient, unsent
from actions.defects.tracker import Defect, DefectDraft, DefectStatus, Filed, redacted
from actions.durations import parse_duration
from actions.errors import EnvironmentFailure, PreprodError
from actions.insight.redact import redact

T = TypeVar("T")

PAGE_SIZE = 100  # issues asked for per Cloud page (Cloud may send fewer)
MAX_PAGES = 20  # a hard stop, should a server keep sending tokens
RECONCILE = 50  # Cloud's limit of recently created issues a search may be told about


class JiraTracker:
    """Files, comments, resolves and reads defects in one Jira project."""

    name = "jira"

    def __init__(self, config: JiraConfig, *, user: str | None, token: str) -> None:
        self.config = config
        self._user = user
        self._token = token
        self._client: Any = None
        self._created: builtins.list[int] = []  # ids of issues this tracker created (Cloud)

    # --- the outside call, bounded and made plain --------------------------------------------

    def _jira(self) -> Any:
        if self._client is None:
            from jira import JIRA

            auth: dict[str, Any] = (
                {"basic_auth": (self._user, self._token)}
                if self._user
                else {"token_auth": self._token}
            )
            client = JIRA(
                server=self.config.url,
                options={"check_update": False},
                max_retries=self.config.max_retries,
                timeout=parse_duration(self.config.timeout),
                **auth,
            )
            if self.config.deployment == "cloud":  # the config is trusted over serverInfo
                client.deploymentType = "Cloud"
            self._client = client
        return self._client

    def _call(self, what: str, call: Callable[[Any], T], *, retry: Retryable = never) -> T:
        """One call to Jira: connecting is a read (retried); `retry` says when the call is."""
        import requests
        from jira.exceptions import JIRAError

        if not self._token:
            raise EnvironmentFailure(
                f"Jira {what}: no token (set {self.config.token_env} in the bot's environment)"
            )
        tries = Tries()
        try:
            jira = tries.run(self._jira, transient)
            return tries.run(lambda: call(jira), retry)
        except PreprodError:
            raise
        except (JIRAError, requests.RequestException, OSError) as exc:
            raise plain_error(what, self.config.url, exc, tries.count) from None
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise plain_error(what, self.config.url, exc) from None

    def _read(self, what: str, call: Callable[[Any], T]) -> T:
        return self._call(what, call, retry=transient)

    # --- the DefectTracker interface -----------------------------------------------------------

    def file(self, draft: DefectDraft) -> Filed:
        draft = redacted(draft)
        existing = self.find_open(draft.fingerprint)
        if existing is not None:
            count = existing.occurrences + 1
            issue = self._read("read", lambda jira: jira.issue(existing.key, fields="labels"))
            labels = seen_labels(builtins.list(issue.raw["fields"].get("labels") or []), count)
            note = occurrence_note(draft, count)

            def again(jira: Any) -> None:
                issue.update(fields={"labels": labels})
                jira.add_comment(existing.key, note)

            self._call("comment", again)
            return Filed(key=existing.key, created=False, occurrences=count, url=existing.url)
        fields = issue_fields(self.config, draft)
        # Only the POST (no read-back): retried only when it could not be sent at all.
        issue = self._call(
            "create", lambda jira: jira.create_issue(fields=fields, prefetch=False), retry=unsent
        )
        if str(getattr(issue, "id", "")).isdigit():
            self._created = [*self._created, int(issue.id)][-RECONCILE:]
        return Filed(key=issue.key, created=True, occurrences=1, url=self._browse(issue.key))

    def fields(self, draft: DefectDraft) -> dict[str, Any]:
        """The new issue's fields (the draft is already redacted)."""
        return issue_fields(self.config, draft)

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
        names = self._read(
            "resolve", lambda jira: {t["name"].lower(): t["id"] for t in jira.transitions(key)}
        )
        if wanted.lower() not in names:
            raise EnvironmentFailure(
                f"Jira {key} has no transition {wanted!r} now "
                f"(available: {', '.join(sorted(names)) or 'none'})"
            )
        chosen = names[wanted.lower()]
        self._call("resolve", lambda jira: jira.transition_issue(key, chosen, comment=body))

    def status(self, key: str) -> DefectStatus:
        issue = self._read("status", lambda jira: jira.issue(key, fields="status"))
        return defect_of(key, issue.raw["fields"], "").status

    def list(self, release: str | None = None) -> builtins.list[Defect]:
        jql = f'project = {self.config.project} AND labels = "{LABEL}"'
        if release:
            jql += f' AND labels = "preprod-release-{label_safe(release)}"'
        return self._search("list", jql + " ORDER BY created DESC", limit=200)

    # --- reading issues back -------------------------------------------------------------------

    def _search(self, what: str, jql: str, *, limit: int) -> builtins.list[Defect]:
        cloud = self._read(what, lambda jira: jira.deploymentType == "Cloud")
        if cloud:
            issues = self._token_pages(what, jql, limit)
        else:
            issues = self._read(
                what, lambda jira: jira.search_issues(jql, maxResults=limit, fields=SEARCH_FIELDS)
            )
        return [defect_of(i.key, i.raw["fields"], self._browse(i.key)) for i in issues]

    def _token_pages(self, what: str, jql: str, limit: int) -> builtins.list[Any]:
        """Cloud's `/search/jql`, page by page (each page a read of its own) up to `limit`."""
        found: builtins.list[Any] = []
        token: str | None = None
        for _ in range(MAX_PAGES):
            size = min(PAGE_SIZE, limit - len(found))
            page = self._read(what, partial(self._page, jql=jql, token=token, size=size))
            found += builtins.list(page)
            token = getattr(page, "nextPageToken", None)
            if not token or not page or len(found) >= limit:
                break
        return found[:limit]

    def _page(self, jira: Any, *, jql: str, token: str | None, size: int) -> Any:
        return jira.enhanced_search_issues(
            jql,
            nextPageToken=token,
            maxResults=size,
            fields=SEARCH_FIELDS,
            reconcileIssues=self._created or None,  # read-after-write for what we just filed
        )

    def _browse(self, key: str) -> str:
        return f"{self.config.url.rstrip('/')}/browse/{key}"

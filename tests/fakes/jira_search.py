"""Issue search in the fake Jira: a JQL subset, Server's offset pages and Cloud's token pages.

JQL: `project = X`, `labels = "l"`, `statusCategory [!]= Done`, `key = K`, joined by AND, an
`ORDER BY` ignored; anything else is Jira's 400. Server (`/rest/api/2/search`) pages by `startAt`
and reports `total`. Cloud (`/rest/api/{2,3}/search/jql`) pages by an opaque `nextPageToken`,
sends `isLast` and no `total`, and may send fewer issues than asked (`page_cap`); a token it did
not issue for that query is a 400. On Cloud the old `/search` answers 410 Gone, as it does now.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from typing import Any

Answer = tuple[int, Any]

REMOVED = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at "
    "https://developer.atlassian.com/changelog/#CHANGE-2046"
)


class BadJql(Exception):
    pass


def parse_jql(jql: str) -> list[tuple[str, str, str]]:
    """Clauses `(field, op, value)` of an AND-only JQL query; `BadJql` for anything else."""
    text = re.split(r"\s+ORDER\s+BY\s+", jql.strip(), flags=re.IGNORECASE)[0]
    clause = re.compile(r'\s*(\w+)\s*(!=|=)\s*("(?:[^"\\]|\\.)*"|[\w.-]+)\s*')
    clauses, pos = [], 0
    while True:
        match = clause.match(text, pos)
        if not match:
            raise BadJql(f"Error in the JQL Query: cannot read {text[pos : pos + 20]!r}")
        value = match.group(3)
        clauses.append((match.group(1), match.group(2), value.strip('"').replace('\\"', '"')))
        pos = match.end()
        if pos == len(text):
            return clauses
        joiner = re.compile(r"AND\s+", re.IGNORECASE).match(text, pos)
        if not joiner:
            raise BadJql(f"Error in the JQL Query: only AND is supported, at {text[pos:]!r}")
        pos = joiner.end()


def holds(clause: tuple[str, str, str], issue: dict[str, Any]) -> bool:
    """Whether one clause holds for an issue."""
    name, op, value = clause
    fields = issue["fields"]
    if name == "project":
        actual = [fields["project"].get("key", "")]
    elif name == "labels":
        actual = list(fields.get("labels") or [])
    elif name == "statusCategory":
        category = fields["status"]["statusCategory"]
        actual = [category["name"], category["key"]]
    elif name == "key":
        actual = [issue["key"]]
    else:
        raise BadJql(f"Field '{name}' does not exist or you do not have permission to view it.")
    present = value.lower() in (a.lower() for a in actual)
    return present if op == "=" else not present


class Searches:
    """Both search APIs over the fake's issues; `public` renders an issue as Jira sends it."""

    def __init__(self, public: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self.public = public
        self.page_cap = 50  # the most issues a Cloud page holds, whatever was asked
        self.busy_pages = 0  # answer 503 to this many requests for a next page (by token)
        self._tokens: dict[str, tuple[str, int]] = {}  # token -> (jql, offset)
        self._numbers = itertools.count(1)

    def _found(self, issues: Iterable[dict[str, Any]], jql: str) -> list[dict[str, Any]]:
        clauses = parse_jql(jql)
        return [self.public(i) for i in issues if all(holds(c, i) for c in clauses)]

    def by_offset(self, issues: Iterable[dict[str, Any]], query: dict[str, Any]) -> Answer:
        """Server's `/search`: `startAt`, `maxResults`, `total`."""
        found = self._found(issues, str(query.get("jql", "")))
        start, limit = int(query.get("startAt") or 0), int(query.get("maxResults") or 50)
        page = found[start : start + limit]
        return 200, {"startAt": start, "maxResults": limit, "total": len(found), "issues": page}

    def by_token(self, issues: Iterable[dict[str, Any]], query: dict[str, Any]) -> Answer:
        """Cloud's `/search/jql`: `nextPageToken` while more remain, `isLast`, no `total`."""
        jql = str(query.get("jql", ""))
        token = query.get("nextPageToken")
        start = 0
        if token and self.busy_pages > 0:
            self.busy_pages -= 1
            return 503, {"errorMessages": ["Service Unavailable"], "errors": {}}
        if token:
            issued = self._tokens.get(str(token))
            if issued is None or issued[0] != jql:
                return 400, {"errorMessages": ["The next page token is invalid."], "errors": {}}
            start = issued[1]
        found = self._found(issues, jql)
        size = min(int(query.get("maxResults") or 50), self.page_cap)
        page = found[start : start + size]
        end = start + len(page)
        answer: dict[str, Any] = {"issues": page, "isLast": end >= len(found)}
        if end < len(found):
            token = f"tok-{next(self._numbers)}"
            self._tokens[token] = (jql, end)
            answer["nextPageToken"] = token
        return 200, answer

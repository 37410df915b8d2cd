"""The issues of the fake Jira: create, read, edit, comments and the workflow's transitions.

Workflow: To Do -> In Progress -> Done, and Reopen from Done. Issues are kept as Jira sends them,
plus their comments under `comments`; `public` is the issue as a GET answers it.
"""

from __future__ import annotations

import time
from typing import Any

Answer = tuple[int, Any]

STATUSES = {
    "To Do": {"key": "new", "name": "To Do", "id": 2},
    "In Progress": {"key": "indeterminate", "name": "In Progress", "id": 4},
    "Done": {"key": "done", "name": "Done", "id": 3},
}
TRANSITIONS = {  # status -> [(id, name, to)]
    "To Do": [("11", "In Progress", "In Progress"), ("31", "Done", "Done")],
    "In Progress": [("31", "Done", "Done"), ("21", "To Do", "To Do")],
    "Done": [("41", "Reopen", "To Do")],
}
FIELDS = ["summary", "description", "project", "issuetype", "priority", "components", "labels"]


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime())


def status(name: str) -> dict[str, Any]:
    """A status as Jira writes it, with its category."""
    category = STATUSES[name]
    return {"name": name, "id": str(category["id"]), "statusCategory": dict(category)}


class Issues:
    """The fake's issues, keyed by issue key."""

    def __init__(self, author: str) -> None:
        self.author = author
        self.base_url = ""
        self.by_key: dict[str, dict[str, Any]] = {}  # key -> issue JSON (with "comments")

    def find(self, key_or_id: str) -> dict[str, Any] | None:
        return self.by_key.get(key_or_id) or next(
            (i for i in self.by_key.values() if i["id"] == key_or_id), None
        )

    def public(self, issue: dict[str, Any]) -> dict[str, Any]:
        fields = {**issue["fields"], "comment": {"comments": issue["comments"]}}
        return {k: v for k, v in issue.items() if k != "comments"} | {"fields": fields}

    def create(self, body: dict[str, Any]) -> Answer:
        fields = dict(body.get("fields") or {})
        missing = [f for f in ("project", "issuetype", "summary") if not fields.get(f)]
        if missing:
            return 400, {"errorMessages": [], "errors": {f: f"{f} is required." for f in missing}}
        if " " in "".join(fields.get("labels") or []):
            return 400, {"errorMessages": [], "errors": {"labels": "no spaces in labels"}}
        project = fields["project"].get("key") or "PP"
        number = len(self.by_key) + 1
        key, issue_id = f"{project}-{number}", str(10000 + number)
        now = _now()
        fields.update(status=status("To Do"), created=now, updated=now)
        fields.setdefault("labels", [])
        self.by_key[key] = {
            "id": issue_id,
            "key": key,
            "self": f"{self.base_url}/rest/api/2/issue/{issue_id}",
            "fields": fields,
            "comments": [],
        }
        return 201, {"id": issue_id, "key": key, "self": self.by_key[key]["self"]}

    def answer(self, method: str, key: str, sub: str | None, body: Any) -> Answer:
        """`issue/<key>` and its `comment` and `transitions` sub-resources."""
        issue = self.find(key)
        if issue is None:
            return 404, {"errorMessages": ["Issue Does Not Exist"], "errors": {}}
        if sub is None and method == "GET":
            return 200, self.public(issue)
        if sub is None and method == "PUT":
            issue["fields"].update((body or {}).get("fields") or {})
            issue["fields"]["updated"] = _now()
            return 204, None
        if sub == "comment" and method == "POST":
            return 201, self.add_comment(issue, str((body or {}).get("body", "")))
        if sub == "comment":
            comments = issue["comments"]
            return 200, {
                "startAt": 0,
                "maxResults": 50,
                "total": len(comments),
                "comments": comments,
            }
        if sub == "transitions" and method == "GET":
            return 200, {"expand": "transitions", "transitions": self.transitions(issue)}
        if sub == "transitions" and method == "POST":
            return self.transition(issue, body or {})
        return 405, {"errorMessages": ["method not allowed"]}

    def add_comment(self, issue: dict[str, Any], body: str) -> dict[str, Any]:
        number = sum(len(i["comments"]) for i in self.by_key.values()) + 1
        comment = {
            "id": str(number),
            "self": f"{issue['self']}/comment/{number}",
            "body": body,
            "author": {"name": self.author},
            "created": _now(),
        }
        issue["comments"].append(comment)
        return comment

    def transitions(self, issue: dict[str, Any]) -> list[dict[str, Any]]:
        current = issue["fields"]["status"]["name"]
        return [
            {"id": tid, "name": name, "to": status(to)} for tid, name, to in TRANSITIONS[current]
        ]

    def transition(self, issue: dict[str, Any], body: dict[str, Any]) -> Answer:
        wanted = str((body.get("transition") or {}).get("id", ""))
        current = issue["fields"]["status"]["name"]
        target = next((to for tid, _, to in TRANSITIONS[current] if tid == wanted), None)
        if target is None:
            return 400, {"errorMessages": [f"Transition id '{wanted}' is not valid"]}
        issue["fields"]["status"] = status(target)
        for change in (body.get("update") or {}).get("comment") or []:
            self.add_comment(issue, str(change.get("add", {}).get("body", "")))
        return 204, None

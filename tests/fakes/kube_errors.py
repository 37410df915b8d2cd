"""API errors as the real server reports them: `Status` objects with reason, code and message."""

from __future__ import annotations

from typing import Any


class KubeError(Exception):
    """An error the fake API answers as a `kind: Status, status: Failure` object."""

    def __init__(
        self, code: int, reason: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            body["details"] = self.details
        return body


def _qualified(plural: str, group: str) -> str:
    return f"{plural}.{group}" if group else plural


def not_found(plural: str, group: str, name: str) -> KubeError:
    return KubeError(
        404,
        "NotFound",
        f'{_qualified(plural, group)} "{name}" not found',
        {"name": name, "group": group, "kind": plural} if group else {"name": name, "kind": plural},
    )


def already_exists(plural: str, group: str, name: str) -> KubeError:
    details = (
        {"name": name, "group": group, "kind": plural} if group else {"name": name, "kind": plural}
    )
    return KubeError(
        409, "AlreadyExists", f'{_qualified(plural, group)} "{name}" already exists', details
    )


def conflict(plural: str, group: str, name: str) -> KubeError:
    details = (
        {"name": name, "group": group, "kind": plural} if group else {"name": name, "kind": plural}
    )
    return KubeError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {_qualified(plural, group)} "{name}": the object has '
        "been modified; please apply your changes to the latest version and try again",
        details,
    )


def invalid(kind: str, group: str, name: str, field: str, message: str) -> KubeError:
    qualified = f"{kind}.{group}" if group else kind
    return KubeError(
        422,
        "Invalid",
        f'{qualified} "{name}" is invalid: {field}: {message}',
        {
            "name": name,
            "group": group,
            "kind": kind,
            "causes": [{"reason": "FieldValueInvalid", "message": message, "field": field}],
        },
    )


def bad_request(message: str) -> KubeError:
    return KubeError(400, "BadRequest", message)


def unauthorized() -> KubeError:
    return KubeError(401, "Unauthorized", "Unauthorized")


def expired(requested: int, oldest: int) -> KubeError:
    return KubeError(410, "Expired", f"too old resource version: {requested} ({oldest})")


def method_not_allowed() -> KubeError:
    return KubeError(
        405, "MethodNotAllowed", "the server does not allow this method on the requested resource"
    )


def unsupported_media_type(content_type: str) -> KubeError:
    return KubeError(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format - accepted media types include: "
        f"application/json-patch+json, application/merge-patch+json, "
        f'application/strategic-merge-patch+json (got "{content_type}")',
    )


def unprocessable(message: str) -> KubeError:
    return KubeError(422, "Invalid", message)

"""The one tree of errors preprod raises.

`PreprodError` and its subclasses carry a reason meant for people: surfaces show
`str(error)` as it is. Anything else is a bug: it is logged with its traceback and
the user gets a short reply with a correlation id.
"""


class PreprodError(Exception):
    """A failure with a reason a person can act on."""


class ConfigError(PreprodError):
    """The configuration file is missing or invalid."""


class UsageError(PreprodError):
    """A command was malformed; the message says what is wrong and how to fix it."""


class PermissionDenied(PreprodError):
    """The caller's role does not allow this command."""


class NotAvailable(PreprodError):
    """The verb or step exists in the grammar but is not available in this version."""


class EnvironmentFailure(PreprodError):
    """An environment could not do what was asked (deploy, health check, rollback)."""


class NoPreviousRelease(EnvironmentFailure):
    """A rollback was asked for, but nothing ran before the current release."""


class BackendUnavailable(PreprodError):
    """An outside system did not answer within its timeout and retries."""


class Cancelled(PreprodError):
    """The run was cancelled by a person."""

"""`load profile <logfile>`: a traffic profile derived from access logs, written beside the runs.

The log must lie under the config's folder (a chat command must not read any file of the bot's
host); the derived profile keeps no identifier (see `actions/testing/traffic.py`) and is written
to the artifacts folder, ready for `apps.<app>.load.profile`.
"""

from __future__ import annotations

from actions.config import Settings
from actions.errors import PermissionDenied, UsageError
from actions.testing.traffic import derive_profile, profile_yaml
from bot.grammar import Command
from bot.replies import Reply

TOP = 8


def wanted(command: Command) -> bool:
    """Whether a `load` command asks for a profile rather than for load."""
    return command.verb == "load" and command.args.get("env") == "profile"


def answer(settings: Settings, command: Command) -> Reply:
    logfile = command.args.get("logfile")
    if not logfile:
        raise UsageError("`load profile` needs an access log: `load profile <logfile>`")
    root = settings.base_dir.resolve()
    path = (root / logfile).resolve()
    if not path.is_relative_to(root):
        raise PermissionDenied(
            f"`{logfile}` is outside the config's folder ({root}); put the log there"
        )
    if not path.is_file():
        raise UsageError(f"no file `{logfile}` in {root}")
    profile, stats = derive_profile(path)
    out_dir = settings.resolve(settings.storage.artifacts) / "profiles"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{path.name.split('.')[0] or 'access'}.profile.yaml"
    out.write_text(profile_yaml(profile, stats), encoding="utf-8")
    lines = [
        f"{stats.requests} requests in {stats.lines} lines"
        + (f" ({stats.malformed} malformed, skipped)" if stats.malformed else ""),
    ]
    if stats.peak_rps is not None and stats.peak_hour is not None:
        lines.append(
            f"arrival rate: mean {stats.mean_rps or 0:.2f} req/s, "
            f"peak {stats.peak_rps:.2f} req/s at {stats.peak_hour:02d}:00"
        )
    lines.append(f"{len(stats.endpoints)} endpoints (identifiers replaced by placeholders):")
    for e in stats.endpoints[:TOP]:
        p95 = f", p95 {e.bytes_p95:.0f} B" if e.bytes_p95 is not None else ""
        lines.append(f"  {e.share_pct:5.1f}%  {e.method} {e.template}{p95}")
    if len(stats.endpoints) > TOP:
        lines.append(f"  … and {len(stats.endpoints) - TOP} more")
    lines.append(f"profile written to {out}: set `load.profile` to it, or pass it to a run")
    return Reply("\n".join(lines), title="load profile")

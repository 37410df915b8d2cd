"""The command grammar as data: every verb, its arguments, options, help text and role."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Option:
    name: str
    help: str
    value: str | None = None  # the metavar; None for a flag
    choices: tuple[str, ...] = ()
    cli_only: bool = False


@dataclass(frozen=True)
class Verb:
    name: str
    summary: str
    positionals: tuple[str, ...] = ()  # a trailing `?` marks an optional one
    options: tuple[Option, ...] = ()
    role: str = "viewer"
    mutating: bool = False
    available: bool = True
    later: str = ""  # what brings it, when not available yet
    subcommands: dict[str, str] = field(default_factory=dict)  # name -> role
    sub_index: int = 0  # which positional holds the subcommand
    free: tuple[str, ...] = ()  # positionals taking free text (e.g. NAME=VALUE), not a name
    rest: bool = False  # takes the remaining words (e.g. a command to schedule)
    examples: tuple[str, ...] = ()
    who: str = ""  # who may, when it is not simply a role

    @property
    def usage(self) -> str:
        parts = [self.name]
        for p in self.positionals:
            parts.append(f"[{p[:-1]}]" if p.endswith("?") else f"<{p}>")
        for o in self.options:
            parts.append(f"[--{o.name}{' ' + o.value if o.value else ''}]")
        if self.rest:
            parts.append("-- <command…>")
        return " ".join(parts)


SEATS = (
    "Needs a seat of the approval quorum (`approval.seats`; by default the release-manager role)."
    " In a run's Slack thread, `@preprod approve` (or `reject --reason ...`) is about that run."
)
ENV = Option("env", "environment to act on (default: the configured default)", "ENV")

VERBS: dict[str, Verb] = {
    v.name: v
    for v in [
        Verb("help", "explain the commands, or one of them", ("verb?",)),
        Verb(
            "ready",
            "full readiness run of a release: deploy, test, load, gate, report",
            ("app", "version"),
            (
                ENV,
                Option("baseline", "version to compare with", "VERSION"),
                Option("report", "write the report to this file", "PATH", cli_only=True),
            ),
            role="engineer",
            mutating=True,
            examples=("ready shop 1.1", "ready shop 1.1 --env local --baseline 1.0"),
        ),
        Verb(
            "deploy",
            "deploy a release into an environment and wait until it is healthy",
            ("app", "version"),
            (ENV,),
            role="engineer",
            mutating=True,
            examples=("deploy shop 1.1 --env local",),
        ),
        Verb(
            "rollback",
            "go back to the release deployed before the current one",
            ("env?",),
            role="engineer",
            mutating=True,
        ),
        Verb(
            "teardown",
            "stop what preprod runs on an environment (local: every service process)",
            ("env?",),
            role="engineer",
            mutating=True,
            examples=("teardown local",),
        ),
        Verb(
            "status",
            "what runs now; a run's progress (`status 12`) or an environment's state",
            ("target?",),
        ),
        Verb(
            "test",
            "run a test suite against what is deployed (`test e2e`)",
            ("suite", "env?"),
            (
                Option("app", "app whose suite to run (default: the deployed one)", "APP"),
                Option("select", "which tests: smart (riskiest first), all, or a pattern", "WHICH"),
                Option("budget", "with --select smart: the time to spend, e.g. 2m", "DURATION"),
            ),
            role="engineer",
            mutating=True,
            subcommands={"e2e": "engineer"},
            examples=("test e2e staging --select smart --budget 2m", "test e2e --select checkout"),
        ),
        Verb(
            "load",
            "run the app's load profile against what is deployed; `load profile LOGFILE` derives "
            "a profile from access logs",
            ("env?", "logfile?"),
            (
                Option("users", "concurrent users", "N"),
                Option("duration", "how long, e.g. 30s", "DURATION"),
                Option("workers", "distributed: Locust workers beside the master", "N"),
            ),
            role="engineer",
            mutating=True,
            free=("logfile",),
            examples=("load staging --users 50 --duration 2m", "load profile logs/access.log"),
        ),
        Verb(
            "seed",
            "seed an environment's databases: synthetic data from a schema, or an anonymised "
            "extract",
            ("env?",),
            (
                Option(
                    "synthetic", "a seed schema (YAML; default: the app's seed.synthetic)", "SCHEMA"
                ),
                Option("from", "an extract to anonymise: a name from seed.sources", "SOURCE"),
                Option("scale", "multiply the schema's row counts", "N"),
                Option("seed", "random seed (default: the schema's)", "N"),
            ),
            role="engineer",
            mutating=True,
            examples=("seed local", "seed local --scale 10", "seed staging --from prod-extract"),
        ),
        Verb(
            "scan",
            "security scans of the release and its endpoints",
            ("env?",),
            (Option("app", "app to scan (default: the deployed one)", "APP"),),
            role="engineer",
            mutating=True,
        ),
        Verb(
            "chaos",
            "chaos experiments with safety guards "
            "(`chaos list [env]`, `chaos run EXPERIMENT [env]`, `chaos stop [env]`, "
            "`chaos approve|reject RUN`)",
            ("action", "experiment?", "env?"),
            (Option("reason", "why a destructive experiment is rejected", "TEXT"),),
            role="engineer",
            mutating=True,
            subcommands={
                "list": "viewer",
                "run": "engineer",
                "stop": "engineer",
                "approve": "engineer",  # and at least chaos.approval_role, checked on use
                "reject": "engineer",
            },
        ),
        Verb(
            "metrics",
            "SLO table of an environment from telemetry",
            ("env?",),
            (Option("compare", "run to compare with", "RUN"),),
        ),
        Verb(
            "logs",
            "recent logs of a service, redacted and mined (templates, errors, suspects)",
            ("service", "env?"),
            (Option("lines", "how many recent lines to mine (default 2000)", "N"),),
        ),
        Verb(
            "rca",
            "root-cause suggestions for a run, from its evidence (LLM or built-in analysis)",
            ("run",),
            (Option("question", "a question about the run", "TEXT"),),
        ),
        Verb(
            "defects",
            "defects filed for a release (a version such as 1.1), by severity",
            ("release?",),
        ),
        Verb(
            "recheck",
            "re-run the check behind a defect; resolve it when fixed, else comment",
            ("defect",),
            (Option("env", "environment (default: the default one)", "ENV"),),
            role="engineer",
            mutating=True,
        ),
        Verb(
            "report",
            "show a run's readiness report",
            ("run",),
            (Option("format", "output format", "FORMAT", choices=("md", "html", "json")),),
        ),
        Verb(
            "approve",
            "approve a run's readiness report (the quorum's seats; a no-go needs --override)",
            ("run",),
            (Option("override", "approve a no-go anyway, saying why", "REASON"),),
            role="viewer",  # and a seat of `approval.seats`, checked on use
            mutating=True,
            examples=("approve 42", 'approve 42 --override "known issue, fixed by flag"'),
            who=SEATS + " Approving a no-go also needs `approval.override_role`.",
        ),
        Verb(
            "reject",
            "reject a run's readiness report, saying why",
            ("run",),
            (Option("reason", "why the release must not ship", "TEXT"),),
            role="viewer",  # and a seat of `approval.seats`, checked on use
            mutating=True,
            examples=('reject 42 --reason "checkout p95 regressed"',),
            who=SEATS,
        ),
        Verb(
            "history",
            "recent runs with their verdicts",
            ("app?",),
            (Option("limit", "how many runs", "N"),),
        ),
        Verb("cancel", "cancel a queued or running run", ("run",), role="engineer", mutating=True),
        Verb(
            "parity",
            "differences between an environment and its production twin",
            ("env?",),
            examples=("parity staging",),
        ),
        Verb(
            "flags",
            "feature flags of an environment; `flags ENV set NAME=VALUE` changes one",
            ("env", "action?", "assignment?"),
            role="viewer",
            mutating=True,
            subcommands={"show": "viewer", "set": "engineer"},
            sub_index=1,
            free=("assignment",),
            examples=("flags staging", "flags staging set checkout.new_flow=true"),
        ),
        Verb(
            "schedule",
            "scheduled commands (`schedule list|add|remove`)",
            ("action", "name?"),
            (Option("cron", "crontab expression, e.g. '0 2 * * *'", "CRON"),),
            role="viewer",
            mutating=True,
            rest=True,
            subcommands={"list": "viewer", "add": "admin", "remove": "admin"},
            examples=("schedule add nightly --cron '0 2 * * *' -- ready shop 1.1",),
        ),
    ]
}

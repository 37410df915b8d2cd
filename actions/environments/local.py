"""The `local` environment: a release's services as detached processes on loopback."""

from __future__ import annotations

import secrets
import sys
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

from actions.config import Settings
from actions.durations import parse_duration
from actions.environments import processes
from actions.environments.base import (
    DeployOutcome,
    EnvironmentStatus,
    Progress,
    Release,
    ServiceStatus,
)
from actions.environments.local_plan import Launch, plan_launches
from actions.environments.local_state import LocalState, ServiceRecord, load_state, save_state
from actions.environments.local_state import locked as state_lock
from actions.environments.ports import free_ports
from actions.environments.sidecars import start_sidecar
from actions.errors import ConfigError, EnvironmentFailure, NoPreviousRelease

LOG_TAIL = 20
LOCK_WAIT_S = 120.0
PROBE_TIMEOUT_S = 2.0
STOP_GRACE_S = 5.0


class LocalEnvironment:
    """Runs each service of a release as a process on this machine, blue-green style."""

    kind = "local"

    def __init__(self, name: str, settings: Settings) -> None:
        if name not in settings.environments:
            known = ", ".join(sorted(settings.environments))
            raise ConfigError(f"unknown environment {name!r}; environments are: {known}")
        self.name = name
        self.settings = settings
        self.config = settings.environments[name]
        if self.config.workdir:
            self.workdir = settings.resolve(self.config.workdir)
        else:
            self.workdir = settings.resolve(settings.storage.path).parent / "envs" / name
        self.state_path = self.workdir / "state.json"
        self.health_timeout = parse_duration(self.config.health_timeout)

    def deploy(self, release: Release, progress: Progress) -> DeployOutcome:
        """Start the release beside the running one; switch over once every service is healthy."""
        launches = self._plan(release)
        with self._lock():
            return self._deploy(release, launches, progress)

    def rollback(self, progress: Progress) -> DeployOutcome:
        """Deploy again the release that ran before the current one."""
        with self._lock():
            previous = load_state(self.state_path).previous
            if previous is None:
                raise NoPreviousRelease(f"{self.name} has no previous release to roll back to")
            progress(f"rolling back to {previous.app} {previous.version}")
            return self._deploy(previous, self._plan(previous), progress)

    def status(self) -> EnvironmentStatus:
        """The release recorded as running, and whether each process is alive and healthy."""
        state = load_state(self.state_path)
        services = [self._service_status(record) for record in state.services.values()]
        return EnvironmentStatus(
            name=self.name,
            kind=self.kind,
            app=state.current.app if state.current else None,
            version=state.current.version if state.current else None,
            previous_version=state.previous.version if state.previous else None,
            services=services,
        )

    def data_dir(self, service: str) -> Path:
        """Where a service keeps its data (its `{data_dir}`), e.g. its sqlite files."""
        return self.workdir / "data" / service

    def urls(self) -> dict[str, str]:
        """Base URL of each service of the running release."""
        return {name: r.url for name, r in load_state(self.state_path).services.items()}

    def metrics_urls(self) -> dict[str, str]:
        """Each service's own address (around its fault sidecar): where its figures are read."""
        state = load_state(self.state_path)
        return {name: r.direct_url or r.url for name, r in state.services.items()}

    def logs(self, service: str, tail: int = 200) -> list[str]:
        """The last `tail` lines of the service's log file."""
        state = load_state(self.state_path)
        if not state.services:
            raise EnvironmentFailure(f"nothing is deployed on {self.name}")
        record = state.services.get(service)
        if record is None:
            known = ", ".join(state.services)
            raise EnvironmentFailure(f"{self.name} runs no service {service!r}; it runs {known}")
        return processes.tail(Path(record.log), tail)

    def teardown(self) -> None:
        """Stop every process this environment runs and forget the current release."""
        with self._lock():
            state = load_state(self.state_path)
            self._stop_all([*state.pending, *reversed(state.services.values())])
            state.current, state.services, state.pending = None, {}, []
            save_state(self.state_path, state)

    def _deploy(
        self, release: Release, launches: list[Launch], progress: Progress
    ) -> DeployOutcome:
        state = load_state(self.state_path)
        self._stop_all(state.pending)
        state.pending = []
        started: list[ServiceRecord] = []
        try:
            for launch in launches:
                where = launch.url.split("//")[1]
                progress(f"starting {launch.service} {launch.version} on {where}")
                _, ok, reason = self._start(launch, state, started)
                if not ok:
                    return self._fail(release, state, started, reason, launch, progress)
                progress(f"{launch.service} {reason}")
        except BaseException:
            # interrupted (cancelled, crashed): leave nothing of this deploy running
            self._stop_all(list(reversed(started)))
            state.pending = []
            save_state(self.state_path, state)
            raise
        old = list(reversed(state.services.values()))
        for record in old:
            progress(f"stopping {record.name} {record.version} (pid {record.pid})")
        self._stop_all(old)
        if state.current and state.current != release:
            state.previous = state.current
        before = state.current
        state.current, state.pending = release, []
        state.services = {record.name: record for record in started}
        save_state(self.state_path, state)
        urls = {record.name: record.url for record in started}
        progress(f"{release.app} {release.version} is live on {self.name}")
        return DeployOutcome(
            ok=True,
            summary=f"{release.app} {release.version} deployed to {self.name}: "
            + ", ".join(f"{name} healthy" for name in urls),
            release=release,
            previous=before,
            urls=urls,
        )

    def _start(
        self, launch: Launch, state: LocalState, started: list[ServiceRecord]
    ) -> tuple[ServiceRecord | None, bool, str]:
        """Start one service, record it as pending, and wait until it is healthy or failed."""
        launch.data_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC)
        log = (
            self.workdir / "logs" / f"{launch.service}-{launch.version}-{stamp:%Y%m%dT%H%M%S%f}.log"
        )
        try:
            pid = processes.spawn(
                launch.command, cwd=launch.cwd, env=processes.child_env(**launch.env), log_path=log
            )
        except OSError as error:
            return None, False, f"could not be started: {error}"
        record = ServiceRecord(
            name=launch.service,
            version=launch.version,
            pid=pid,
            ticks=processes.start_ticks(pid),
            port=launch.port,
            url=launch.url,
            health_url=launch.health_url,
            log=str(log),
            started_at=stamp,
            command=launch.command,
            cwd=str(launch.cwd),
            env=launch.env,
            direct_url=launch.direct_url or launch.url,
        )
        started.append(record)
        state.pending = list(started)
        save_state(self.state_path, state)
        ok, reason = processes.wait_healthy(pid, launch.health_url, self.health_timeout)
        if ok and launch.proxy_port is not None and launch.control_port is not None:
            state.chaos_token = state.chaos_token or secrets.token_urlsafe(24)
            ok, why = start_sidecar(
                record,
                host=self.config.host,
                ports=(launch.proxy_port, launch.control_port),
                token=state.chaos_token,
                workdir=self.workdir,
                timeout=self.health_timeout,
            )
            reason = reason if ok else f"has no fault sidecar: {why}"
            state.pending = list(started)
            save_state(self.state_path, state)
        return record, ok, reason

    def restart(self, service: str) -> str:
        """Start a service's process again if it is not running (same command, port, sidecar)."""
        with self._lock():
            state = load_state(self.state_path)
            record = state.services.get(service)
            if record is None:
                raise EnvironmentFailure(f"{self.name} runs no service {service!r}")
            if processes.is_running(record.pid, record.ticks):
                return f"{service} is running (pid {record.pid})"
            if not record.command:
                raise EnvironmentFailure(
                    f"{service} was deployed by an older preprod and cannot be restarted; deploy "
                    "again"
                )
            pid = processes.spawn(
                record.command,
                cwd=Path(record.cwd or self.workdir),
                env=processes.child_env(**record.env),
                log_path=Path(record.log),
            )
            record.pid, record.ticks = pid, processes.start_ticks(pid)
            save_state(self.state_path, state)
            ok, reason = processes.wait_healthy(pid, record.health_url, self.health_timeout)
            if not ok:
                raise EnvironmentFailure(f"{service} was started again but {reason}")
            return f"{service} started again (pid {pid})"

    def stop_service(self, service: str) -> str:
        """Stop a service's process (a chaos shutdown); its sidecar keeps its address."""
        record = load_state(self.state_path).services.get(service)
        if record is None:
            raise EnvironmentFailure(f"{self.name} runs no service {service!r}")
        processes.stop(record.pid, record.ticks, STOP_GRACE_S)
        return f"stopped {service} (pid {record.pid})"

    def records(self) -> dict[str, ServiceRecord]:
        """The running release's service records (pids, addresses, sidecars)."""
        state = load_state(self.state_path)
        return dict(state.services)

    def chaos_token(self) -> str | None:
        return load_state(self.state_path).chaos_token

    def _fail(
        self,
        release: Release,
        state: LocalState,
        started: list[ServiceRecord],
        failure: str,
        launch: Launch,
        progress: Progress,
    ) -> DeployOutcome:
        """Stop what this deploy started and say why it failed; the old release keeps serving."""
        progress(f"{launch.service} {failure}; stopping {release.app} {release.version}")
        details = [
            f"{launch.service} {launch.version} {failure}",
            f"command: {' '.join(launch.command)}",
        ]
        failed = next((r for r in started if r.name == launch.service), None)
        if failed is not None:
            details.append(f"last {LOG_TAIL} lines of {failed.log}:")
            details.extend(processes.tail(Path(failed.log), LOG_TAIL))
        self._stop_all(list(reversed(started)))
        state.pending = []
        save_state(self.state_path, state)
        serving = state.current is not None and self.status().healthy
        if state.current is None:
            after = "nothing was running before"
        elif serving:
            after = f"{state.current.app} {state.current.version} is still serving"
        else:
            after = f"{state.current.app} {state.current.version} is recorded but not healthy"
        return DeployOutcome(
            ok=False,
            summary=f"{release.app} {release.version} failed on {self.name}: "
            f"{launch.service} {failure}; {after}",
            release=release,
            previous=state.current,
            urls={name: r.url for name, r in state.services.items()},
            details=details,
        )

    def _service_status(self, record: ServiceRecord) -> ServiceStatus:
        healthy, detail = False, ""
        if not processes.is_running(record.pid, record.ticks):
            code = processes.exit_code(record.pid)
            detail = f"process {record.pid} is not running" + (
                f" (exit code {code})" if code is not None else ""
            )
        else:
            healthy, answer = processes.probe(record.health_url, PROBE_TIMEOUT_S)
            detail = "healthy" if healthy else f"health check {record.health_url} {answer}"
        return ServiceStatus(
            name=record.name,
            version=record.version,
            url=record.url,
            healthy=healthy,
            detail=detail,
            pid=record.pid,
        )

    @property
    def sidecars(self) -> bool:
        """Services sit behind fault sidecars where chaos may run (allowed and allowlisted)."""
        return self.config.chaos_allowed and self.name in self.settings.chaos.allowed_environments

    def _plan(self, release: Release) -> list[Launch]:
        app = self.settings.apps.get(release.app)
        count = len(app.services) if app else 0
        ports = free_ports(self.config.host, count * (3 if self.sidecars else 1)) if count else []
        pairs = None
        if self.sidecars:
            extra = ports[count:]
            pairs = [(extra[2 * i], extra[2 * i + 1]) for i in range(count)]
        return plan_launches(
            self.settings,
            release,
            host=self.config.host,
            ports=ports[:count],
            data_root=self.workdir / "data",
            python=sys.executable,
            sidecar_ports=pairs,
        )

    def _stop_all(self, records: list[ServiceRecord]) -> None:
        for record in records:
            processes.stop(record.pid, record.ticks, STOP_GRACE_S)
            if record.sidecar_pid is not None:
                processes.stop(record.sidecar_pid, record.sidecar_ticks, STOP_GRACE_S)

    def _lock(self) -> AbstractContextManager[None]:
        return state_lock(self.workdir / "lock", LOCK_WAIT_S, f"environment {self.name}")

"""`preprod serve`: secrets checked first, crashed runs told in their threads, clean shutdown."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from bot import env_vars
from bot.slack.server import run_server
from storage import jobs, runs
from storage.store import Store
from tests.conftest import ROOT, example_settings, write_config
from tests.fakes.slack_api import FakeSlackAPI, FakeSocketModeServer
from tests.slack.conftest import BOT_TOKEN, CHANNEL, SECRET


class Served:
    """run_server in a thread, stopped by an event as SIGTERM would."""

    def __init__(self, settings, environ: dict[str, str], socket_mode: bool = False) -> None:
        self.stop = threading.Event()
        self.port: int | None = None
        self.code: int | None = None
        ready = threading.Event()

        def on_ready(port: int) -> None:
            self.port = port
            ready.set()

        def serve() -> None:
            self.code = run_server(
                settings,
                host="127.0.0.1",
                port=0,
                socket_mode=socket_mode,
                environ=environ,
                stop=self.stop,
                on_ready=on_ready,
            )
            ready.set()

        self.thread = threading.Thread(target=serve)
        self.thread.start()
        assert ready.wait(20), "the server did not start"

    def close(self) -> int | None:
        self.stop.set()
        self.thread.join(30)
        assert not self.thread.is_alive()
        return self.code


def _environ(fake: FakeSlackAPI, **extra: str) -> dict[str, str]:
    return {
        env_vars.SLACK_BOT_TOKEN: BOT_TOKEN,
        env_vars.SLACK_SIGNING_SECRET: SECRET,
        env_vars.SLACK_API_URL: fake.api_url,
        **extra,
    }


@pytest.mark.parametrize(
    ("socket_mode", "present", "missing"),
    [
        (False, [env_vars.SLACK_BOT_TOKEN], env_vars.SLACK_SIGNING_SECRET),
        (False, [env_vars.SLACK_SIGNING_SECRET], env_vars.SLACK_BOT_TOKEN),
        (True, [env_vars.SLACK_BOT_TOKEN, env_vars.SLACK_SIGNING_SECRET], env_vars.SLACK_APP_TOKEN),
    ],
)
def test_a_missing_secret_is_named_and_serve_exits_2(
    tmp_path: Path, capsys, socket_mode: bool, present: list[str], missing: str
) -> None:
    environ = dict.fromkeys(present, "set")
    code = run_server(example_settings(tmp_path), socket_mode=socket_mode, environ=environ)
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and f"{missing} is not set" in err
    assert "Traceback" not in err
    assert not (tmp_path / "preprod.db").exists(), "nothing is opened before the check"


def test_serve_socket_without_an_app_token_fails_plainly_from_the_command_line(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PREPROD_"))}
    env.update({"PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": "xoxb-x", "SLACK_SIGNING_SECRET": "s"})
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--socket", "--config", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "SLACK_APP_TOKEN is not set" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_a_token_slack_rejects_is_a_plain_error_at_start(tmp_path: Path, capsys) -> None:
    with FakeSlackAPI(token="xoxb-the-real-one") as fake:
        code = run_server(example_settings(tmp_path), port=0, environ=_environ(fake))
    assert code == 2
    err = capsys.readouterr().err
    assert "could not start the Slack app" in err and "invalid_auth" in err


def test_a_run_interrupted_by_a_restart_is_told_so_in_its_thread(tmp_path: Path) -> None:
    settings = example_settings(tmp_path)
    store = Store(settings.resolve(settings.storage.path))
    run_id = runs.create_run(
        store,
        verb="ready",
        command="ready shop 1.1",
        app="shop",
        version="1.1",
        environment="local",
        plan=["deploy", "e2e"],
        requested_by="eve",
        surface="slack",
    )
    status_ts = "1700000099.000001"
    jobs.create_job(store, run_id, channel=CHANNEL, thread_ts=status_ts, status_ts=status_ts)
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    jobs.set_job(store, run_id, status="running", owner_pid=finished.pid)
    store.close()

    with FakeSlackAPI() as fake:
        served = Served(settings, _environ(fake))
        try:
            told = fake.wait_for(
                lambda c: c.method == "chat.postMessage" and "interrupted" in c.text
            )[0]
            edit = fake.wait_for("chat.update")[0]
        finally:
            assert served.close() == 0
    assert told.get("channel") == CHANNEL and told.get("thread_ts") == status_ts
    assert "start it again" in told.text
    assert edit.get("ts") == status_ts and "preprod_cancel" not in str(edit.get("blocks"))
    store = Store(settings.resolve(settings.storage.path))
    assert jobs.get_job(store, run_id)["status"] == "interrupted"
    store.close()


def test_the_server_answers_health_and_slack_and_stops_when_asked(tmp_path: Path) -> None:
    with FakeSlackAPI() as fake:
        served = Served(example_settings(tmp_path), _environ(fake))
        try:
            url = f"http://127.0.0.1:{served.port}"
            with httpx.Client(timeout=5) as http:
                assert http.get(f"{url}/healthz").json()["ok"] is True
                assert http.post(f"{url}/slack/events", content=b"x=1").status_code == 401
        finally:
            assert served.close() == 0
        with pytest.raises(httpx.ConnectError), httpx.Client(timeout=2) as http:
            http.get(f"{url}/healthz")


def test_serve_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    with FakeSlackAPI() as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PREPROD_"))}
        env.update(_environ(fake), PYTHONPATH=str(ROOT))
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot",
                "serve",
                "--port",
                "0",
                "--host",
                "127.0.0.1",
                "--config",
                str(config),
            ],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            port = None
            deadline = time.monotonic() + 30
            while port is None and time.monotonic() < deadline:
                line = proc.stderr.readline()
                if "health and metrics on port" in line:
                    port = int(line.rsplit(" ", 1)[1])
            assert port, "serve never said it was ready"
            assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()


def test_socket_mode_acks_a_slash_command_over_the_websocket(tmp_path: Path) -> None:
    ws = FakeSocketModeServer().start()
    try:
        with FakeSlackAPI() as fake:
            fake.socket_mode_url = ws.url
            environ = _environ(fake, **{env_vars.SLACK_APP_TOKEN: "xapp-test"})
            del environ[env_vars.SLACK_SIGNING_SECRET]
            served = Served(example_settings(tmp_path), environ, socket_mode=True)
            try:
                ws.wait_connected()
                command = {
                    "token": "t",
                    "team_id": fake.team_id,
                    "channel_id": CHANNEL,
                    "user_id": "U0SOMEONE",
                    "user_name": "someone",
                    "command": "/preprod",
                    "text": "redy shop 1.1",
                    "api_app_id": "A1",
                    "response_url": fake.response_url("socket-1"),
                    "trigger_id": "socket-t1",
                }
                ack = ws.wait_ack(ws.send("slash_commands", command))
                assert "Did you mean `ready`?" in ack["payload"]["text"]
                ws.wait_ack(
                    ws.send(
                        "slash_commands", {**command, "text": "history", "trigger_id": "socket-t2"}
                    )
                )
                reply = fake.wait_for("response_url")[0]
                assert "no runs yet" in reply.text
                with httpx.Client(timeout=5) as http:
                    health = http.get(f"http://127.0.0.1:{served.port}/healthz").json()
                assert health["mode"] == "socket"
                opened = fake.calls("apps.connections.open")[0]
                assert opened.headers["authorization"] == "Bearer xapp-test"
            finally:
                assert served.close() == 0
    finally:
        ws.close()


def test_a_port_in_use_is_a_plain_error(tmp_path: Path, capsys) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken, FakeSlackAPI() as fake:
        port = taken.getsockname()[1]
        code = run_server(
            example_settings(tmp_path), host="127.0.0.1", port=port, environ=_environ(fake)
        )
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_socket_mode_refused_by_slack_is_a_plain_error(tmp_path: Path, capsys) -> None:
    with FakeSlackAPI() as fake:
        environ = _environ(fake, **{env_vars.SLACK_APP_TOKEN: "xapp-test"})
        code = run_server(
            example_settings(tmp_path), host="127.0.0.1", port=0, socket_mode=True, environ=environ
        )
    assert code == 2
    err = capsys.readouterr().err
    assert "could not open a Socket Mode connection" in err and "not_allowed_token_type" in err

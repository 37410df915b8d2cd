"""A fake Kubernetes API server with a controller and a kubelet, for the official Python client.

`FakeKubernetes` serves real HTTP on 127.0.0.1 (port 0) with bearer-token auth, keeps state with
real API semantics (resourceVersions, 404/409/410/422 Status objects, generation, patches,
selectors, chunked watches) and plays the controllers in a background thread: Deployments roll
out through ReplicaSets (`pod-template-hash`, `deployment.kubernetes.io/revision`, rollback by
template, Progressing/Available conditions, ProgressDeadlineExceeded), and pods move through
container states chosen by image (`behave`), writing Events and logs like a node would.

    with FakeKubernetes() as kube:
        kube.behave("shop:2", crash_loop(exit_code=3))
        kube.seed_deployment("shop", "web", "shop:1", replicas=2)
        with kube.api_client() as api:
            apps = kubernetes.client.AppsV1Api(api)
            ...

Modules, from the wire inwards: kube_http (routes, auth), kube_watch (watch streams),
kube_discovery, kube_apiserver (API rules), kube_validation, kube_patch, kube_select,
kube_store (objects, resourceVersions, history), kube_objects (resources, defaults),
kube_errors (Status objects); kube_controller, kube_deployments, kube_deployment_status (the
controllers); kube_kubelet, kube_pods, kube_behaviours, kube_events (the node); kube_seed.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import kubernetes.client
import yaml

from tests.fakes.kube_apiserver import ApiServer
from tests.fakes.kube_behaviours import (
    Behaviour,
    Behaviours,
    ImageMatch,
    crash_loop,
    image_pull_backoff,
    never_ready,
    ready,
    slow_ready,
)
from tests.fakes.kube_controller import Controllers
from tests.fakes.kube_errors import KubeError
from tests.fakes.kube_events import EventRecorder
from tests.fakes.kube_http import Backend, KubeHTTPServer, Request
from tests.fakes.kube_kubelet import Kubelet, PodHook
from tests.fakes.kube_objects import CHAOS_MESH, resource_for
from tests.fakes.kube_seed import DeploymentSeed, seed_deployment, seed_object
from tests.fakes.kube_select import label_selector
from tests.fakes.kube_store import Obj, Store

Objs = list[Obj]
__all__ = [
    "Behaviour",
    "FakeKubernetes",
    "KubeError",
    "Request",
    "crash_loop",
    "image_pull_backoff",
    "never_ready",
    "ready",
    "slow_ready",
]
T = TypeVar("T")


class FakeKubernetes:
    """Start it (or use it as a context manager); point the client at `url` with `token`.

    `namespaces` exist from the start (plus kube-system); with `auto_namespaces` creating in an
    unknown namespace creates it instead of a 404. `tick`: seconds between controller passes
    (API writes also wake them). `history`: changes kept for watches (older: 410 Expired).
    `termination_delay`: seconds a deleted pod stays Terminating. `seed` makes generated names
    repeatable. `token=None` turns authentication off (kubectl, i.e. client-go, never sends
    credentials to a plain-http server). `chaos_mesh` installs Chaos Mesh's custom resources
    (`install_chaos_mesh`); without them their paths answer 404, as on a real cluster."""

    def __init__(
        self,
        *,
        token: str | None = "fake-token",
        namespaces: Sequence[str] = ("default",),
        auto_namespaces: bool = False,
        tick: float = 0.05,
        history: int = 500,
        bookmark_interval: float = 1.0,
        termination_delay: float = 0.1,
        seed: int | None = None,
        chaos_mesh: bool = False,
    ) -> None:
        self.token, self.tick = token, tick
        self.behaviours = Behaviours()
        self.store = Store(history=history, rng=random.Random(seed))
        self.api = ApiServer(self.store, auto_namespaces=auto_namespaces)
        if chaos_mesh:
            self.install_chaos_mesh()
        events = EventRecorder(self.store)
        self.kubelet = Kubelet(
            self.store, events, self.behaviours, termination_delay=termination_delay
        )
        self.controllers = Controllers(self.store, events, self.kubelet)
        self.errors: list[BaseException] = []
        for namespace in (*namespaces, "kube-system"):
            self.store.ensure_namespace(namespace)
        self._wake = threading.Event()
        self._logs: dict[tuple[str, str], Callable[[], str]] = {}
        self._backend = Backend(self.api, self._read_log, token, self._wake.set, bookmark_interval)
        self._server = KubeHTTPServer(self._backend)
        self._threads = [
            threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                daemon=True,
                name="fake-kube-http",
            ),
            threading.Thread(target=self._run, daemon=True, name="fake-kube-controllers"),
        ]

    # lifecycle ---------------------------------------------------------------------------------

    def start(self) -> FakeKubernetes:
        for thread in self._threads:
            thread.start()
        return self

    def close(self) -> None:
        self._backend.stopping.set()
        self._wake.set()
        with self.store.lock:
            self.store.changed.notify_all()
        if self._threads[0].is_alive():
            self._server.shutdown()
        self._server.drop_connections()
        self._server.server_close()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(5)

    def __enter__(self) -> FakeKubernetes:
        return self.start()

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.close()
        if self.errors and exc_type is None:
            raise AssertionError(f"the fake's controller thread failed: {self.errors!r}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def requests(self) -> list[Request]:
        """Every request so far: `method`, `path`, `query`, `content_type`, `watch`."""
        return list(self._backend.requests)

    # clients -----------------------------------------------------------------------------------

    def kubeconfig(
        self, path: str | Path, context: str = "fake", namespace: str = "default"
    ) -> Path:
        """Write a kubeconfig (a directory gets a `kubeconfig` file in it) for this server."""
        target = Path(path)
        if target.is_dir():
            target = target / "kubeconfig"
        target.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "preferences": {},
                    "clusters": [{"name": context, "cluster": {"server": self.url}}],
                    "users": [
                        {"name": context, "user": {"token": self.token} if self.token else {}}
                    ],
                    "contexts": [
                        {
                            "name": context,
                            "context": {
                                "cluster": context,
                                "user": context,
                                "namespace": namespace,
                            },
                        }
                    ],
                    "current-context": context,
                }
            )
        )
        return target

    def configuration(self) -> kubernetes.client.Configuration:
        config = kubernetes.client.Configuration()
        config.host = self.url
        if self.token:
            config.api_key = {"authorization": self.token}
            config.api_key_prefix = {"authorization": "Bearer"}
        return config

    def api_client(self) -> kubernetes.client.ApiClient:
        """An official-client ApiClient for this server (close it, or use it with `with`)."""
        return kubernetes.client.ApiClient(self.configuration())

    # behaviour and hooks -----------------------------------------------------------------------

    def behave(self, image: ImageMatch, behaviour: Behaviour) -> None:
        """Containers whose image matches (a glob or a predicate) behave so; later rules win."""
        self.behaviours.add(image, behaviour)

    def on_pod_ready(self, callback: PodHook) -> None:
        """Call `callback(pod)` (from the controller thread) when a pod becomes Ready."""
        self.kubelet.on_ready.append(callback)

    def on_pod_deleted(self, callback: PodHook) -> None:
        """Call `callback(pod)` (from the controller thread) when a pod is gone."""
        self.kubelet.on_deleted.append(callback)

    def install_chaos_mesh(self) -> None:
        """Serve Chaos Mesh's NetworkChaos and HTTPChaos (chaos-mesh.org/v1alpha1), namespaced,
        as its CRDs would (no controller acts on them: they are only stored)."""
        self.api.crd_groups.add(CHAOS_MESH)

    def serve_log(self, namespace: str, pod: str, provider: Callable[[], str]) -> None:
        """Answer `pod`'s log with `provider()` (a real process's output, not the kubelet's)."""
        self._logs[(namespace, pod)] = provider

    def _read_log(self, namespace: str, name: str, params: dict[str, str]) -> str:
        provider = self._logs.get((namespace, name))
        return provider() if provider else self.kubelet.read_log(namespace, name, params)

    # seeding and reading -----------------------------------------------------------------------

    def add(self, obj: Obj) -> Obj:
        """Seed any object as is (its namespace is created if needed); 409 if it exists.
        Pods added so are then run by the kubelet like any other."""
        return seed_object(self.store, obj)

    def seed_deployment(
        self,
        namespace: str,
        name: str,
        image: str,
        replicas: int = 2,
        *,
        labels: dict[str, str] | None = None,
        container: str = "app",
        env: list[dict[str, Any]] | None = None,
        resources: dict[str, Any] | None = None,
        ports: list[dict[str, Any]] | None = None,
        revision_history: Sequence[str] = (),
        min_ready_seconds: int = 0,
        progress_deadline_seconds: int = 600,
        annotations: dict[str, str] | None = None,
    ) -> Obj:
        """A Deployment already rolled out, as in a steady cluster: one container `container`
        running `image`, labels (default `app=<name>`) as selector; empty old ReplicaSets for the
        images of `revision_history` (revisions 1..n), the current one at revision n+1 with
        `replicas` Running, Ready pods (no events: they would have expired)."""
        seed = DeploymentSeed(
            namespace,
            name,
            image,
            replicas,
            labels,
            container,
            env,
            resources,
            ports,
            tuple(revision_history),
            min_ready_seconds,
            progress_deadline_seconds,
            annotations,
        )
        return seed_deployment(seed, self.store, self.controllers, self.kubelet)

    def get(self, kind: str, namespace: str | None, name: str) -> Obj | None:
        """The object as stored now (a copy), or None. `kind`: "Deployment", "pods", "rs"..."""
        r = resource_for(kind)
        return self.store.find(r.plural, namespace if r.namespaced else None, name)

    def list(self, kind: str, namespace: str | None = None, selector: str = "") -> Objs:
        """Objects of a kind (all namespaces if None), filtered by a label selector string."""
        match = label_selector(selector)
        return [o for o in self.store.objects(resource_for(kind).plural, namespace) if match(o)]

    def events(self, namespace: str | None = None, *, involved: str | None = None) -> Objs:
        """Events, oldest first; `involved` filters on `involvedObject.name`."""
        found = [
            e
            for e in self.store.objects("events", namespace)
            if involved is None or e["involvedObject"]["name"] == involved
        ]
        return sorted(
            found, key=lambda e: (e["firstTimestamp"], int(e["metadata"]["resourceVersion"]))
        )

    def compact(self) -> None:
        """Drop the watch history: watches from an older resourceVersion now get 410 Expired."""
        self.store.compact()

    def wait_until(self, predicate: Callable[[], T], timeout: float = 15.0, message: str = "") -> T:
        """Poll `predicate` until it returns something truthy (returned); AssertionError after
        `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if self.errors:
                raise AssertionError(f"the fake's controller thread failed: {self.errors!r}")
            if time.monotonic() > deadline:
                raise AssertionError(message or f"condition not met within {timeout}s")
            time.sleep(0.02)

    # the controller loop -----------------------------------------------------------------------

    def reconcile(self) -> None:
        """One pass of the controllers and the kubelet (the background thread does this too)."""
        with self.store.lock:
            self.controllers.reconcile()
            calls = self.kubelet.step()
        for call in calls:
            try:
                call()
            except Exception as e:  # a test's hook failed: report it, keep the cluster going
                self.errors.append(e)

    def _run(self) -> None:
        while not self._backend.stopping.is_set():
            self._wake.wait(self.tick)
            self._wake.clear()
            if self._backend.stopping.is_set():
                break
            try:
                self.reconcile()
            except Exception as e:  # keep ticking; tests see it in `errors` / wait_until
                self.errors.append(e)

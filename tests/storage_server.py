"""moto's S3 server on loopback, in its own process, behind a relay the test can cut.

The portal talks to object storage over HTTP exactly as it would in production. moto keeps
its objects in memory, so stopping moto would lose them; an outage is made by closing the
relay in front of it instead (connections refused), and reopening it brings the same
store back with every object still there.
"""

import contextlib
import os
import socket
import socketserver
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3

ACCESS_KEY = "portal-test-key"
SECRET_KEY = "portal-test-secret"
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_listening(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing is listening on port {port}")


class _Pipe(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.server.target_port))  # type: ignore[attr-defined]
        self.server.open_sockets.update({self.request, upstream})  # type: ignore[attr-defined]

        def pump(source: socket.socket, sink: socket.socket) -> None:
            try:
                while data := source.recv(65536):
                    sink.sendall(data)
            except OSError:
                pass
            finally:
                for sock in (source, sink):
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)

        back = threading.Thread(target=pump, args=(upstream, self.request), daemon=True)
        back.start()
        pump(self.request, upstream)
        back.join()
        upstream.close()


class _RelayServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class Relay:
    """A TCP relay from a port of its own to moto's port; `cut()` refuses connections."""

    def __init__(self, target_port: int):
        self.port = free_port()
        self.target_port = target_port
        self._server: _RelayServer | None = None

    def open(self) -> None:
        if self._server is not None:
            return
        server = _RelayServer(("127.0.0.1", self.port), _Pipe)
        server.target_port = self.target_port  # type: ignore[attr-defined]
        server.open_sockets = set()  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._server = server

    def cut(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        for sock in self._server.open_sockets:  # type: ignore[attr-defined]
            with contextlib.suppress(OSError):
                sock.close()
        self._server = None


class S3Server:
    def __init__(self, folder: Path):
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None
        self.relay = Relay(self.port)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.relay.port}"

    def start(self) -> None:
        log = (self.folder / "moto.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={
                **os.environ,
                "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            },
        )
        _wait_listening(self.port)
        self.relay.open()

    def stop(self) -> None:
        self.relay.cut()
        if self.process is not None:  # only ever the process this object started
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{self.port}",  # straight to moto, past the relay
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def create_bucket(self, name: str) -> None:
        self.client().create_bucket(Bucket=name)

    def keys(self, bucket: str) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def body(self, bucket: str, key: str) -> bytes:
        return self.client().get_object(Bucket=bucket, Key=key)["Body"].read()

    def storage_url(self, bucket: str, prefix: str = "") -> str:
        return f"s3://{bucket}/{prefix}?endpoint_url={self.endpoint}&region={REGION}"

    def credentials_env(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}

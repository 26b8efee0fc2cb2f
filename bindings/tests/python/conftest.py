"""Fixtures for the Python binding tests: the real server binary on a free loopback
port (stoppable and restartable on that port and database, to take the network away),
its admin API, and the generated bindings on sys.path."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
import warnings

import pytest

ADMIN_TOKEN = "python-binding-admin-Qm7Wz2Kx9Lv4Rt1Nc6Hp3Bd8Fj5Gs0"
LISTENING = "portal-server listening on "
STOP_SECONDS = 20

sys.path.insert(0, os.environ.get("PORTAL_FFI_PYTHON_DIR", ""))


class Practice:
    """The real server binary and its admin API, as a practice uses it. `stop` and
    `start` take the server off its port and put it back (same port, same database)."""

    def __init__(self, binary, data):
        self.binary = binary
        self.data = data
        self.listen = "127.0.0.1:0"
        self.base = None
        self.server = None
        self.start()

    def start(self):
        """Starts the server: the first time on a free port, after `stop` on the same
        port and database."""
        assert self.server is None, "the server is already running"
        # The tests read invite links from the built-in outbox.
        env = dict(os.environ, PORTAL_ADMIN_TOKEN=ADMIN_TOKEN, PORTAL_OUTBOX_API="true")
        server = subprocess.Popen(
            [self.binary, "serve", "--listen", self.listen,
             "--database", f"sqlite://{self.data}/portal.db"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
        )
        line = server.stdout.readline()
        if not line.startswith(LISTENING):
            server.kill()
            server.wait(timeout=30)
            raise AssertionError(f"the server did not start on {self.listen}: first line {line!r}")
        # Whatever it prints later must not fill the pipe and stall it.
        threading.Thread(target=server.stdout.read, daemon=True).start()
        self.server = server
        self.base = line[len(LISTENING):].strip()
        self.listen = self.base.removeprefix("http://")

    def stop(self):
        """Stops the server: a client is offline until `start`."""
        server, self.server = self.server, None
        if server is None:
            return
        server.terminate()
        started = time.monotonic()
        try:
            server.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            # A fault (the server ends its event streams when it stops): say so, and
            # kill it, as the run still needs the port back.
            warnings.warn(f"the server at {self.base} did not stop within {STOP_SECONDS} s of "
                          "SIGTERM; killed it")
            server.kill()
            server.wait(timeout=STOP_SECONDS)
        else:
            if time.monotonic() - started > 5:
                warnings.warn(f"the server at {self.base} took "
                              f"{time.monotonic() - started:.1f} s to stop on SIGTERM")

    def _send(self, method, path, data, content_type):
        request = urllib.request.Request(
            f"{self.base}/v1/admin/{path}",
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": content_type},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{method} {path}: {error.code} {error.read()!r}") from None

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        return self._send(method, path, data, "application/json")

    def invite_new_patient(self, first_name, email):
        """Adds a patient (with a provider of their own); (patient id, invite link)."""
        provider = self._call("POST", "providers", {"name": "Dr. Maya Okafor", "email": f"dr+{email}"})
        created = self._call(
            "POST",
            "patients",
            {"first_name": first_name, "last_name": "Rivera", "email": email,
             "primary_provider_id": provider["provider_id"]},
        )
        assert "invite" in created
        return created["patient_id"], self.last_link()

    def child(self, first_name, guardian_email, provider_id):
        """Adds a child whose guardian has `guardian_email`; (child id, invite link)."""
        created = self._call("POST", "patients", {
            "first_name": first_name, "last_name": "Rivera", "primary_provider_id": provider_id,
            "guardian": {"name": "Alex Rivera", "email": guardian_email}})
        return created["patient_id"], self.last_link()

    def appointment(self, patient_id, provider_id, starts_at):
        """Books a 30-minute telehealth visit; its id."""
        return self._call("POST", "appointments", {
            "patient_id": patient_id, "provider_id": provider_id, "starts_at": starts_at,
            "duration_minutes": 30, "kind": "telehealth",
            "telehealth_url": "https://video.example.org/room/4"})["appointment_id"]

    def message(self, patient_id, subject, body):
        """A message from the patient's primary provider in a new thread;
        (thread id, message id)."""
        answer = self._call("POST", "messages", {
            "patient_id": patient_id, "provider_id": self.provider_of(patient_id),
            "subject": subject, "body": body})
        return answer["thread_id"], answer["message_id"]

    def document(self, patient_id, title, data, content_type="application/pdf"):
        """Shares a document (a multipart upload, as the practice's staff do); its id."""
        boundary = f"portal-{uuid.uuid4().hex}"
        parts = []

        def part(headers, content):
            parts.append(f"--{boundary}\r\n{headers}\r\n\r\n".encode() + content + b"\r\n")

        part('Content-Disposition: form-data; name="patient_id"', patient_id.encode())
        part('Content-Disposition: form-data; name="title"', title.encode())
        part(f'Content-Disposition: form-data; name="file"; filename="{title}.pdf"\r\n'
             f"Content-Type: {content_type}", bytes(data))
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        answer = self._send("POST", "documents", body, f"multipart/form-data; boundary={boundary}")
        return answer["document_id"]

    def provider_of(self, patient_id):
        return self._call("GET", f"patients/{patient_id}")["primary_provider_id"]

    def resend_invite(self, patient_id):
        self._call("POST", f"patients/{patient_id}/invite", {})
        return self.last_link()

    def last_link(self):
        return self._call("GET", "outbox")["emails"][-1]["links"][0]


@pytest.fixture
def practice():
    binary = os.environ.get("PORTAL_SERVER_BIN")
    if not binary:
        pytest.fail("PORTAL_SERVER_BIN is not set: run the binding tests through scripts/test.sh")
    data = tempfile.mkdtemp(prefix="portal-python-")
    running = None
    try:
        running = Practice(binary, data)
        yield running
    finally:
        if running is not None:
            running.stop()
        shutil.rmtree(data, ignore_errors=True)

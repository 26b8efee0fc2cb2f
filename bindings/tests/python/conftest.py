"""Fixtures for the Python binding tests: the real server binary on a free loopback
port, its admin API, and the generated bindings on sys.path."""

import json
import os
import subprocess
import sys
import tempfile
import urllib.request

import pytest

ADMIN_TOKEN = "python-binding-admin"

sys.path.insert(0, os.environ.get("PORTAL_FFI_PYTHON_DIR", ""))


class Practice:
    """The admin API of a running server."""

    def __init__(self, base):
        self.base = base

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.base}/v1/admin/{path}",
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def invite_new_patient(self, first_name, email):
        provider = self._call("POST", "providers", {"name": "Dr. Maya Okafor", "email": f"dr+{email}"})
        created = self._call(
            "POST",
            "patients",
            {"first_name": first_name, "last_name": "Rivera", "email": email,
             "primary_provider_id": provider["provider_id"]},
        )
        assert "invite" in created
        return created["patient_id"], self.last_link()

    def appointment(self, patient_id, provider_id, starts_at):
        return self._call("POST", "appointments", {
            "patient_id": patient_id, "provider_id": provider_id, "starts_at": starts_at,
            "duration_minutes": 30, "kind": "telehealth",
            "telehealth_url": "https://video.example.org/room/4"})["appointment_id"]

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
    with tempfile.TemporaryDirectory() as data:
        env = dict(os.environ, PORTAL_ADMIN_TOKEN=ADMIN_TOKEN)
        server = subprocess.Popen(
            [binary, "serve", "--listen", "127.0.0.1:0", "--database", f"sqlite://{data}/portal.db"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
        )
        try:
            line = server.stdout.readline()
            prefix = "portal-server listening on "
            assert line.startswith(prefix), f"unexpected first line: {line!r}"
            yield Practice(line[len(prefix):].strip())
        finally:
            server.terminate()
            server.wait(timeout=30)

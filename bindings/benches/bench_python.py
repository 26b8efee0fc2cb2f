"""The Python side of the binding benchmark (scripts/bench-bindings.sh).

  bench_python.py setup   fills the practice at PORTAL_BENCH_SERVER through its admin API
                          (a patient with 60 upcoming appointments and a thread), sets the
                          patient's password through the bindings, and prints the
                          settings the other runs read, as shell assignments
  bench_python.py page    times one typed page of 50 appointments through the bindings
                          (the same call the Rust and Kotlin runs time) and prints
                          `python page50 median_us=… p90_us=…`
"""

import asyncio
import datetime
import json
import os
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.environ.get("PORTAL_FFI_PYTHON_DIR", ""))
from patient_portal import portal_ffi as ffi  # noqa: E402

PASSWORD = "bench river otter paints"
EMAIL = "bench.patient@example.com"


class Memory(ffi.SecretStore):
    def __init__(self):
        self.items = {}

    def get(self, key):
        return self.items.get(key)

    def set(self, key, value):
        self.items[key] = value

    def delete(self, key):
        self.items.pop(key, None)


def admin(method, path, body=None):
    request = urllib.request.Request(
        f"{os.environ['PORTAL_BENCH_SERVER']}/v1/admin/{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {os.environ['PORTAL_BENCH_ADMIN_TOKEN']}",
                 "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def client(data):
    options = ffi.ClientOptions(server_url=os.environ["PORTAL_BENCH_SERVER"], data_dir=data,
                                background_sync=False)
    return ffi.PortalClient(options, Memory())


async def setup():
    provider = admin("POST", "providers", {"name": "Dr. Maya Okafor", "email": "dr.bench@example.com"})
    provider_id = provider["provider_id"]
    patient = admin("POST", "patients", {"first_name": "Bench", "last_name": "Rivera", "email": EMAIL,
                                         "primary_provider_id": provider_id})
    patient_id = patient["patient_id"]
    start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)
    for n in range(60):
        admin("POST", "appointments", {
            "patient_id": patient_id, "provider_id": provider_id,
            "starts_at": (start + datetime.timedelta(hours=n)).isoformat(),
            "duration_minutes": 30, "kind": "in_person", "location": "Room 3"})
    thread = admin("POST", "messages", {"patient_id": patient_id, "provider_id": provider_id,
                                        "subject": "Bench", "body": "The first message."})
    link = admin("GET", "outbox")["emails"][-1]["links"][0]
    with tempfile.TemporaryDirectory() as data:
        portal = client(data)
        await portal.accept_invite(portal.parse_link(link).token(), PASSWORD, "bench setup")
        await portal.logout()
    for name, value in [("EMAIL", EMAIL), ("PASSWORD", PASSWORD), ("PATIENT", patient_id),
                        ("PROVIDER", provider_id), ("THREAD", thread["thread_id"])]:
        print(f"export PORTAL_BENCH_{name}='{value}'")


async def page():
    with tempfile.TemporaryDirectory() as data:
        portal = client(data)
        account = await portal.login(os.environ["PORTAL_BENCH_EMAIL"], os.environ["PORTAL_BENCH_PASSWORD"],
                                     "python bench")
        await portal.sync_now(None)
        profile = account.current_profile_id
        for size in (50, 1):
            times = []
            for round_ in range(600):
                started = time.perf_counter()
                result = await portal.appointment_page(profile, True, size, None)
                took = time.perf_counter() - started
                assert len(result.items) == size, "the page is not full"
                if round_ >= 100:
                    times.append(took * 1e6)
            times.sort()
            print(f"python page{size} median_us={times[len(times) // 2]:.1f} "
                  f"p90_us={times[len(times) * 9 // 10]:.1f}")
        # The blocking reads, from this thread: no future to poll through asyncio.
        for size in (50, 1):
            times = []
            for round_ in range(600):
                started = time.perf_counter()
                result = portal.appointment_page_blocking(profile, True, size, None)
                took = time.perf_counter() - started
                assert len(result.items) == size, "the page is not full"
                if round_ >= 100:
                    times.append(took * 1e6)
            times.sort()
            print(f"python blocking page{size} median_us={times[len(times) // 2]:.1f} "
                  f"p90_us={times[len(times) * 9 // 10]:.1f}")
        await portal.logout()


if __name__ == "__main__":
    asyncio.run({"setup": setup, "page": page}[sys.argv[1]]())

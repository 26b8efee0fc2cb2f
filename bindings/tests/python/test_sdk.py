"""A native app's whole path through the Python bindings, against the real server binary
over loopback HTTP, with the core's own background sync running (as on a phone). The
same flows as bindings/tests/kotlin/SdkTest.kt."""

import asyncio
import datetime
import random
import threading
import time

import pytest

from patient_portal import portal_ffi as ffi
from patient_portal import portal_model as model
from stores import DictStore

PASSWORD = "river otter paints blue"
DEADLINE = 20  # seconds any wait may take


def run(call):
    return asyncio.run(call)


def eventually(what, probe, test=bool, seconds=DEADLINE):
    """Calls `probe` (a plain function, or one returning a coroutine) until `test` holds
    of its value; that value, or a failure naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    value = None
    while True:
        value = probe()
        if asyncio.iscoroutine(value):
            value = run(value)
        if test(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}; last: {value}")
        time.sleep(0.05)


class Heard:
    """What a listener heard, in order (its methods run on a background thread)."""

    def __init__(self):
        self.values = []
        self.changed = threading.Condition()

    def hear(self, value):
        with self.changed:
            self.values.append(value)
            self.changed.notify_all()

    def snapshot(self):
        with self.changed:
            return list(self.values)

    def first(self, what, test=lambda value: True, seconds=DEADLINE):
        """The first value heard for which `test` holds (waiting for it)."""
        def found():
            return next((value for value in self.values if test(value)), None)

        with self.changed:
            if not self.changed.wait_for(lambda: found() is not None, timeout=seconds):
                raise AssertionError(f"timed out after {seconds} s waiting for {what}; heard: "
                                     f"{[str(value) for value in self.values[-5:]]}")
            return found()


class SyncStates(Heard, ffi.SyncStateListener):
    def on_sync_state(self, state):
        self.hear(state)


class AppointmentPages(Heard, ffi.AppointmentPageListener):
    def on_page(self, page):
        self.hear(page)


class ThreadPages(Heard, ffi.ThreadPageListener):
    def on_page(self, page):
        self.hear(page)


class DocumentPages(Heard, ffi.DocumentPageListener):
    def on_page(self, page):
        self.hear(page)


class Homes(Heard, ffi.HomeListener):
    def on_home(self, home):
        self.hear(home)


class Writes(Heard, ffi.WriteListener):
    def on_write(self, item):
        # A settled write is `None`; kept in a list so that `first` can find it.
        self.hear([item])


class Progress(Heard, ffi.DownloadListener):
    def on_progress(self, received, total):
        self.hear((received, total))


def watched(start, listener, what, test):
    """Starts a watch with `listener`, waits for a value that passes `test`, stops it."""
    subscription = run(start(listener))
    try:
        return listener.first(what, test)
    finally:
        subscription.stop()


def sync_reaches(portal, what, phase):
    """The first sync state whose phase is a `phase`, through `watch_sync_state`."""
    return watched(portal.watch_sync_state, SyncStates(), what,
                   lambda state: isinstance(state.phase, phase))


def in_days(days):
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)).isoformat()


def client(practice, data_dir):
    options = ffi.ClientOptions(server_url=practice.base, data_dir=str(data_dir))
    return ffi.PortalClient(options, DictStore())


def signed_in(practice, data_dir, link):
    """A client with its own data directory, signed in through an invite, and synced
    by the core's background sync."""
    portal = client(practice, data_dir)
    account = run(portal.accept_invite(portal.parse_link(link).token(), PASSWORD, "python sdk test"))
    sync_reaches(portal, "the first sync", ffi.SyncPhase.UP_TO_DATE)
    return portal, account


def test_invite_link_flow_password_first_sync_appointments(practice, tmp_path):
    patient_id, link = practice.invite_new_patient("Jordan", "jordan@example.com")
    visit = practice.appointment(patient_id, practice.provider_of(patient_id), in_days(3))
    portal = client(practice, tmp_path)
    flow = portal.flow()

    choose = run(flow.open_link(link))
    assert isinstance(choose, ffi.FlowState.CHOOSE_PASSWORD), choose
    assert choose.invite.patient_first_name == "Jordan"
    done = run(flow.submit_password(PASSWORD))
    assert isinstance(done, ffi.FlowState.SIGNED_IN), done
    assert isinstance(flow.state(), ffi.FlowState.SIGNED_IN)

    # The core's first sync runs by itself; its state says how far it is.
    synced = sync_reaches(portal, "the first sync", ffi.SyncPhase.UP_TO_DATE)
    assert synced.last_success is not None and not synced.first_sync, synced
    now = eventually("sync_state() up to date", portal.sync_state,
                     lambda state: isinstance(state.phase, ffi.SyncPhase.UP_TO_DATE))
    assert now.last_success is not None and now.last_success >= synced.last_success, now

    page = watched(lambda l: portal.watch_appointments(patient_id, True, 10, l), AppointmentPages(),
                   "the appointment", lambda page: page.items)
    [appointment] = page.items
    assert appointment.id == visit
    assert appointment.status == model.AppointmentStatus.SCHEDULED()
    home = watched(lambda l: portal.watch_home(patient_id, l), Homes(),
                   "home's next appointment", lambda home: home.next_appointment is not None)
    assert home.next_appointment.id == visit
    # The blocking reads (for a worker thread) answer as the async ones do.
    assert portal.appointment_page_blocking(patient_id, True, 10, None) == run(
        portal.appointment_page(patient_id, True, 10, None))
    assert portal.home_blocking(patient_id).next_appointment.id == visit
    with pytest.raises(ffi.PortalError.NotSignedIn):
        run(portal.logout())
        portal.thread_page_blocking(patient_id, 10, None)


def test_a_message_written_offline_is_sent_after_reconnecting(practice, tmp_path):
    patient_id, link = practice.invite_new_patient("Casey", "casey@example.com")
    thread_id, _ = practice.message(patient_id, "Lab results", "Your results are in.")
    portal, _ = signed_in(practice, tmp_path, link)
    watched(lambda l: portal.watch_threads(patient_id, 10, l), ThreadPages(), "the practice's thread",
            lambda page: any(item.thread.id == thread_id for item in page.items))

    practice.stop()
    portal.network_changed()
    sync_reaches(portal, "offline", ffi.SyncPhase.OFFLINE)
    body = "Thank you, see you Tuesday"
    item = run(portal.send_message(patient_id, ffi.MessageTo.THREAD(thread_id=thread_id), body))
    assert isinstance(item.kind, ffi.WriteKind.SEND_MESSAGE), item
    assert item.local_message_id is not None and item.profile_id == patient_id, item

    # Shown at once, kept on the device, waiting in the outbox.
    local = run(portal.message_page(patient_id, thread_id, 50, None))
    assert item.local_message_id in [message.id for message in local.items], local
    assert local.items[-1].body == body, local
    waiting = run(portal.outbox_items())
    assert [w.id for w in waiting] == [item.id], waiting
    assert waiting[0].status in (ffi.WriteStatus.QUEUED, ffi.WriteStatus.SENDING), waiting
    time.sleep(1.5)  # deliberately offline for a while: nothing may go
    still = run(portal.outbox_item(item.id))
    assert still is not None and still.status == ffi.WriteStatus.QUEUED, still

    practice.start()
    portal.network_changed()
    moves = Writes()
    subscription = run(portal.watch_write(item.id, moves))
    try:
        moves.first("the write to settle", lambda heard: heard[0] is None)
    finally:
        subscription.stop()
    heard = [value for [value] in moves.snapshot()]
    assert heard[-1] is None, f"the write did not end settled: {heard}"
    eventually("an empty outbox", portal.outbox_items, lambda items: items == [])
    sent = eventually(
        "the server's copy",
        lambda: portal.message_page(patient_id, thread_id, 50, None),
        lambda page: any(m.body == body and not m.id.startswith("local-") for m in page.items))
    assert item.local_message_id not in [m.id for m in sent.items], f"the local copy stayed: {sent}"
    run(portal.logout())


def test_cancelling_too_late_is_refused_in_words_and_the_appointment_is_back(practice, tmp_path):
    patient_id, link = practice.invite_new_patient("Robin", "robin@example.com")
    starts = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=2)).isoformat()
    soon = practice.appointment(patient_id, practice.provider_of(patient_id), starts)
    portal, _ = signed_in(practice, tmp_path, link)
    watched(lambda l: portal.watch_appointments(patient_id, True, 10, l), AppointmentPages(), "the visit",
            lambda page: any(a.id == soon for a in page.items))

    item = run(portal.cancel_appointment(patient_id, soon, "I feel better"))
    assert isinstance(item.kind, ffi.WriteKind.CANCEL_APPOINTMENT), item
    [refused] = watched(lambda l: portal.watch_write(item.id, l), Writes(), "the refusal",
                        lambda heard: heard[0] is not None and heard[0].status == ffi.WriteStatus.FAILED)
    refusal = refused.refusal
    assert refusal is not None, refused
    assert refusal.code == model.ErrorCode.TOO_LATE, refusal
    assert "too late" in refusal.message.lower(), refusal.message

    eventually("the visit as it was",
               lambda: portal.appointment_page(patient_id, True, 10, None),
               lambda page: any(a.id == soon and a.status == model.AppointmentStatus.SCHEDULED()
                                for a in page.items))
    assert run(portal.discard_write(item.id)) is True
    assert run(portal.outbox_items()) == [], "the outbox keeps a discarded write"
    run(portal.logout())


def test_a_document_downloads_with_progress_and_exports_as_it_was_shared(practice, tmp_path):
    patient_id, link = practice.invite_new_patient("Avery", "avery@example.com")
    data = random.Random(7).randbytes(700 * 1024)
    document_id = practice.document(patient_id, "Lab report", data)
    portal, _ = signed_in(practice, tmp_path / "device", link)

    listed = watched(lambda l: portal.watch_documents(patient_id, 10, l), DocumentPages(), "the document",
                     lambda page: any(item.document.id == document_id for item in page.items))
    [item] = listed.items
    assert item.offline == ffi.DocumentState.NOT_DOWNLOADED(), item
    assert item.document.size == len(data) and item.document.title == "Lab report", item.document

    progress = Progress()
    state = run(portal.download_document(document_id, progress))
    steps = progress.snapshot()
    assert len(steps) >= 3, steps
    assert all(a[0] <= b[0] for a, b in zip(steps, steps[1:])), f"progress went back: {steps}"
    assert steps[-1] == (len(data), len(data)), steps
    assert state == ffi.DocumentState.AVAILABLE(), state
    assert run(portal.document_status(document_id)) == ffi.DocumentState.AVAILABLE()

    out = tmp_path / "export" / "report.pdf"
    out.parent.mkdir()
    assert run(portal.export_document(document_id, str(out))) == len(data)
    assert out.read_bytes() == data, "the export differs"
    with pytest.raises(ffi.PortalError.UnknownDocument):
        run(portal.download_document("doc_not_here", None))
    run(portal.logout())


def test_search_finds_messages_and_documents_on_the_device(practice, tmp_path):
    patient_id, link = practice.invite_new_patient("Morgan", "morgan@example.com")
    thread_id, message_id = practice.message(patient_id, "Your visit",
                                             "Bring your inhaler and the allergy results.")
    document_id = practice.document(patient_id, "Allergy panel", b"%PDF-1.4")
    portal, _ = signed_in(practice, tmp_path, link)
    watched(lambda l: portal.watch_documents(patient_id, 10, l), DocumentPages(), "the document",
            lambda page: page.items)

    hits = run(portal.find(patient_id, "allerg", 10))
    [message] = [hit for hit in hits if isinstance(hit.kind, model.RecordKind.MESSAGE)]
    assert message.id == message_id and message.thread_id == thread_id, message
    assert "allergy" in message.snippet.lower(), message.snippet
    [document] = [hit for hit in hits if isinstance(hit.kind, model.RecordKind.DOCUMENT)]
    assert document.id == document_id and document.title == "Allergy panel", document
    assert run(portal.find(patient_id, "zebra", 10)) == [], "found what is not there"
    run(portal.logout())


def test_lock_and_unlock_with_the_offline_copy_closed_between(practice, tmp_path):
    patient_id, link = practice.invite_new_patient("Quinn", "quinn@example.com")
    portal, account = signed_in(practice, tmp_path, link)
    assert isinstance(portal.lock_state(), ffi.LockState.UNLOCKED), portal.lock_state()

    # A stopped watch hears nothing more.
    stopped = Homes()
    handle = run(portal.watch_home(patient_id, stopped))
    assert len(stopped.snapshot()) == 1, f"heard {stopped.snapshot()} at once"
    assert stopped.snapshot()[0].unread_messages == 0
    handle.stop()
    practice.message(patient_id, "Hello", "A note from your care team.")
    watched(lambda l: portal.watch_home(patient_id, l), Homes(), "the unread message",
            lambda home: home.unread_messages == 1)
    assert len(stopped.snapshot()) == 1, f"a stopped watch heard {stopped.snapshot()}"

    portal.lock()
    locked = portal.lock_state()
    assert isinstance(locked, ffi.LockState.LOCKED), locked
    assert locked.email == "quinn@example.com" and locked.account_id == account.account_id, locked
    with pytest.raises(ffi.PortalError.Locked):
        run(portal.home(patient_id))
    with pytest.raises(ffi.PortalError.WrongPassword) as wrong:
        run(portal.unlock("not the password"))
    assert wrong.value.attempts_left == 4
    back = run(portal.unlock(PASSWORD))
    assert back.account_id == account.account_id, back
    assert run(portal.home(patient_id)).unread_messages == 1, "the copy after unlock"
    run(portal.logout())


def test_a_guardian_switches_to_a_childs_profile(practice, tmp_path):
    alex_id, link = practice.invite_new_patient("Alex", "alex@example.com")
    portal, _ = signed_in(practice, tmp_path, link)
    provider = practice.provider_of(alex_id)
    mia_id, mia_link = practice.child("Mia", "alex@example.com", provider)
    visit = practice.appointment(mia_id, provider, in_days(5))

    claimed = run(portal.claim_invite(portal.parse_link(mia_link).token()))
    assert {p.patient_id for p in claimed.profiles} == {alex_id, mia_id}, claimed.profiles
    assert claimed.current_profile_id == alex_id, "claiming changed the profile in use"
    roles = {p.patient_id: p.role for p in claimed.profiles}
    assert roles == {alex_id: model.ProfileRole.PATIENT(), mia_id: model.ProfileRole.GUARDIAN()}, roles
    picked = run(portal.select_profile(mia_id))
    assert picked.current_profile_id == mia_id, picked

    page = watched(lambda l: portal.watch_appointments(mia_id, True, 10, l), AppointmentPages(),
                   "Mia's visit", lambda page: page.items)
    assert [a.id for a in page.items] == [visit], page
    assert run(portal.appointment_page(alex_id, True, 10, None)).items == [], "Alex sees Mia's visit"
    with pytest.raises(ffi.PortalError.UnknownProfile):
        run(portal.select_profile("pat_not_mine"))
    run(portal.logout())


def test_changing_the_password_signs_out_other_devices_and_the_lock_takes_the_new_one(practice, tmp_path):
    new = "seven quiet harbour lamps"
    _, link = practice.invite_new_patient("Riley", "riley@example.com")
    portal, account = signed_in(practice, tmp_path / "laptop", link)
    phone = client(practice, tmp_path / "phone")
    run(phone.login("riley@example.com", PASSWORD, "phone"))

    with pytest.raises(ffi.PortalError.WeakPassword) as weak:
        run(portal.change_password(PASSWORD, "Sunshine2024!"))
    assert weak.value.reasons == [ffi.PasswordRule.COMMON]
    with pytest.raises(ffi.PortalError.Server) as wrong:
        run(portal.change_password("not my password at all", new))
    assert wrong.value.code == model.ErrorCode.WRONG_PASSWORD
    run(portal.change_password(PASSWORD, new))

    # The phone's session is over on the server: its next call says so, by code.
    with pytest.raises(ffi.PortalError.Server) as ended:
        run(phone.claim_invite(phone.parse_link(link).token()))
    assert ended.value.code in (model.ErrorCode.SESSION_REVOKED, model.ErrorCode.UNAUTHORIZED)
    assert phone.signed_in() is None

    # This device stays signed in; its lock opens with the new password only.
    assert portal.signed_in().account_id == account.account_id
    portal.lock()
    with pytest.raises(ffi.PortalError.WrongPassword):
        run(portal.unlock(PASSWORD))
    assert run(portal.unlock(new)).account_id == account.account_id
    run(portal.logout())

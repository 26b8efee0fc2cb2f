"""The invite flow through the generated Python bindings against the real server."""

import asyncio

import pytest

from patient_portal import portal_ffi as ffi
from patient_portal import portal_model as model
from stores import DictStore


class LockedStore(DictStore):
    """Answers reads (as a locked keychain may) but cannot store."""

    def set(self, key, value):
        raise ffi.SecretStoreError.Unavailable("the keychain is locked")


def client(practice, store):
    return ffi.PortalClient(ffi.ClientOptions(server_url=practice.base), store)


def test_parse_inspect_and_accept_an_invite(practice):
    patient_id, link = practice.invite_new_patient("Jordan", "jordan@example.com")
    store = DictStore()
    portal = client(practice, store)

    parsed = portal.parse_link(link)
    assert parsed.kind() == ffi.LinkKind.INVITE
    assert parsed.token() not in str(parsed) and parsed.token() not in repr(parsed)
    assert portal.parse_link(f"patientportal://invite/{parsed.token()}").token() == parsed.token()

    state = asyncio.run(portal.inspect_invite(parsed.token()))
    assert isinstance(state, ffi.InviteState.VALID)
    assert state.details.patient_first_name == "Jordan"
    assert state.details.practice_name == "Riverside Family Practice"
    assert state.details.email_hint == "j•••@example.com"
    assert state.details.role == model.ProfileRole.PATIENT()

    outcomes = asyncio.run(portal.check_password("vq7#L", None))
    assert [o.rule for o in outcomes if not o.passed] == [ffi.PasswordRule.TOO_SHORT]

    with pytest.raises(ffi.PortalError.WeakPassword) as weak:
        asyncio.run(portal.accept_invite(parsed.token(), "iloveyou1234", "python test"))
    assert weak.value.reasons == [ffi.PasswordRule.COMMON]

    signed_in = asyncio.run(portal.accept_invite(parsed.token(), "river otter paints blue", "python test"))
    assert signed_in.email == "jordan@example.com"
    assert [p.patient_id for p in signed_in.profiles] == [patient_id]
    assert portal.signed_in() == signed_in
    # The session went to the host's store, under the documented key.
    assert "refresh_token" in store.items[portal.session_key(signed_in.account_id)]

    assert isinstance(asyncio.run(portal.inspect_invite(parsed.token())), ffi.InviteState.USED)


def test_errors_are_typed(practice):
    patient_id, first = practice.invite_new_patient("Avery", "avery@example.com")
    second = practice.resend_invite(patient_id)
    portal = client(practice, DictStore())

    token = portal.parse_link(first).token()
    assert isinstance(asyncio.run(portal.inspect_invite(token)), ffi.InviteState.REVOKED)
    with pytest.raises(ffi.PortalError.Server) as revoked:
        asyncio.run(portal.accept_invite(token, "river otter paints blue", "python test"))
    # Codes are an enum across the FFI (from the shared model), never text.
    assert revoked.value.code == model.ErrorCode.INVITE_REVOKED

    with pytest.raises(ffi.PortalError.InvalidLink) as bad:
        portal.parse_link(second.replace("127.0.0.1", "evil.example"))
    assert "not from your practice" in str(bad.value)

    with pytest.raises(ffi.PortalError.Config):
        ffi.PortalClient(ffi.ClientOptions(server_url="http://portal.example.org"), DictStore())

    locked = client(practice, LockedStore())
    with pytest.raises(ffi.PortalError.Keychain):
        asyncio.run(locked.accept_invite(portal.parse_link(second).token(), "river otter paints blue", "t"))
    # The invite was not spent by the failed attempt.
    assert isinstance(asyncio.run(portal.inspect_invite(portal.parse_link(second).token())), ffi.InviteState.VALID)


def test_sessions_survive_a_restart_and_sign_out(practice):
    _, link = practice.invite_new_patient("Casey", "casey@example.com")
    store = DictStore()
    first = client(practice, store)
    token = first.parse_link(link).token()
    signed_in = asyncio.run(first.accept_invite(token, "river otter paints blue", "python test"))

    # A new client over the same store is the app after a restart.
    restarted = client(practice, store)
    restored = asyncio.run(restarted.restore())
    # At once, from the store alone; then the server confirms it in the background.
    assert isinstance(restored, ffi.Restored.CACHED)
    assert restored.account.account_id == signed_in.account_id
    checked = asyncio.run(restarted.session_checked())
    assert isinstance(checked, ffi.SessionCheck.CONFIRMED)
    assert checked.account.account_id == signed_in.account_id

    asyncio.run(restarted.logout())
    assert store.items == {}
    assert isinstance(asyncio.run(client(practice, store).restore()), ffi.Restored.NOBODY)

    with pytest.raises(ffi.PortalError.Server) as wrong:
        asyncio.run(restarted.login("casey@example.com", "not the password", "python test"))
    assert wrong.value.code == model.ErrorCode.INVALID_CREDENTIALS
    again = asyncio.run(restarted.login("casey@example.com", "river otter paints blue", "python test"))
    assert again.email == "casey@example.com"

    asyncio.run(restarted.request_password_reset("casey@example.com"))
    reset_link = practice.last_link()
    reset = restarted.parse_link(reset_link)
    assert reset.kind() == ffi.LinkKind.RESET
    state = asyncio.run(restarted.inspect_reset(reset.token()))
    assert isinstance(state, ffi.ResetState.VALID)
    asyncio.run(restarted.complete_password_reset(reset.token(), "seven quiet harbour lamps"))
    assert restarted.signed_in() is None
    assert isinstance(asyncio.run(restarted.inspect_reset(reset.token())), ffi.ResetState.USED)


def test_two_accounts_switching_and_the_lock(practice):
    _, jordan_link = practice.invite_new_patient("Jordan", "jordan@example.com")
    _, sam_link = practice.invite_new_patient("Sam", "sam@example.com")
    store = DictStore()
    options = ffi.ClientOptions(server_url=practice.base, idle_timeout_seconds=300)
    portal = ffi.PortalClient(options, store)
    jordan = asyncio.run(portal.accept_invite(portal.parse_link(jordan_link).token(),
                                              "river otter paints blue", "python test"))
    sam = asyncio.run(portal.accept_invite(portal.parse_link(sam_link).token(),
                                           "seven quiet harbour lamps", "python test"))
    assert [a.email for a in asyncio.run(portal.accounts())] == ["jordan@example.com", "sam@example.com"]
    assert sam.current_profile_id == sam.profiles[0].patient_id

    switched = asyncio.run(portal.switch_account(jordan.account_id))
    assert isinstance(switched, ffi.Restored.CACHED)
    assert isinstance(asyncio.run(portal.session_checked()), ffi.SessionCheck.CONFIRMED)
    assert portal.signed_in().email == "jordan@example.com"
    with pytest.raises(ffi.PortalError.UnknownProfile):
        asyncio.run(portal.select_profile("pat_not_mine"))

    state = portal.lock_state()
    assert isinstance(state, ffi.LockState.UNLOCKED)
    portal.lock()
    assert portal.lock_state() == ffi.LockState.LOCKED(account_id=jordan.account_id, email="jordan@example.com")
    assert portal.signed_in() is None
    with pytest.raises(ffi.PortalError.Locked):
        asyncio.run(portal.accounts())
    with pytest.raises(ffi.PortalError.WrongPassword) as wrong:
        asyncio.run(portal.unlock("not the password"))
    assert wrong.value.attempts_left == 4
    assert asyncio.run(portal.unlock("river otter paints blue")).email == "jordan@example.com"

    asyncio.run(portal.logout())
    assert isinstance(asyncio.run(portal.restore()), ffi.Restored.CACHED)
    assert portal.signed_in().email == "sam@example.com"
    assert isinstance(asyncio.run(portal.session_checked()), ffi.SessionCheck.CONFIRMED)
    asyncio.run(portal.logout())
    assert store.items == {}


class Progress(ffi.SyncListener):
    def __init__(self):
        self.pages = []

    def on_page(self, pages, changes, has_more):
        self.pages.append((pages, changes, has_more))


def test_offline_copy_sync_and_reads(practice, tmp_path):
    import datetime
    import json as jsonlib

    patient_id, link = practice.invite_new_patient("Robin", "robin@example.com")
    starts = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)).isoformat()
    visit = practice.appointment(patient_id, practice.provider_of(patient_id), starts)
    store = DictStore()
    # This test pulls by hand and counts the pages: the core's own sync stays off.
    options = ffi.ClientOptions(server_url=practice.base, data_dir=str(tmp_path),
                                background_sync=False)
    portal = ffi.PortalClient(options, store)
    asyncio.run(portal.accept_invite(portal.parse_link(link).token(), "river otter paints blue", "python"))

    progress = Progress()
    result = asyncio.run(portal.sync_now(progress))
    assert result.pages == len(progress.pages) and not progress.pages[-1][2]
    summary = asyncio.run(portal.summary(patient_id))
    assert summary.next_appointment.id == visit
    assert jsonlib.loads(summary.next_appointment.data_json)["kind"] == "telehealth"
    upcoming = asyncio.run(portal.appointments(patient_id, True, 20, None))
    assert [r.id for r in upcoming.items] == [visit] and upcoming.next is None

    # The same reads as typed records: portal_model's types, with enums and times.
    typed = asyncio.run(portal.appointment_page(patient_id, True, 20, None))
    assert typed.skipped == 0 and typed.next is None
    [appointment] = typed.items
    assert appointment.id == visit and appointment.profile_id == patient_id
    assert appointment.kind == model.AppointmentKind.TELEHEALTH()
    assert appointment.status == model.AppointmentStatus.SCHEDULED()
    # Times are the platform's own (an aware datetime here), kept to the millisecond.
    sent = datetime.datetime.fromisoformat(starts)
    assert abs(appointment.starts_at - sent) < datetime.timedelta(milliseconds=1)
    assert appointment.ends_at > appointment.starts_at
    assert asyncio.run(portal.appointment_page(patient_id, False, 20, None)).items == []
    home = asyncio.run(portal.home(patient_id))
    assert home.next_appointment == appointment
    assert home.unread_messages == summary.unread_messages
    threads = asyncio.run(portal.thread_page(patient_id, 20, None))
    for item in threads.items:
        assert isinstance(item.thread, model.MessageThread)
        messages = asyncio.run(portal.message_page(patient_id, item.thread.id, 20, None))
        assert messages.items[-1] == item.last_message
    team = asyncio.run(portal.care_team(patient_id))
    assert practice.provider_of(patient_id) in [provider.id for provider in team]
    assert asyncio.run(portal.record("appointment", visit)).profile_id == patient_id
    assert any(tmp_path.rglob("portal.db"))

    asyncio.run(portal.logout())
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
    assert store.items == {}


class Changes(ffi.ChangeListener):
    def __init__(self):
        import threading
        self.seen = []
        self.lock = threading.Lock()

    def on_change(self, change):
        with self.lock:
            self.seen.append(change)

    def wait_for(self, test, seconds=20):
        import time
        deadline = time.time() + seconds
        while time.time() < deadline:
            with self.lock:
                if any(test(c) for c in self.seen):
                    return True
            time.sleep(0.05)
        return False


def test_the_core_syncs_in_the_background_from_sign_in(practice, tmp_path):
    import datetime

    patient_id, link = practice.invite_new_patient("Sasha", "sasha@example.com")
    options = ffi.ClientOptions(server_url=practice.base, data_dir=str(tmp_path))
    portal = ffi.PortalClient(options, DictStore())
    changes = Changes()
    # Listening first hears the first sync, which the core starts at sign-in by itself.
    handle = asyncio.run(portal.listen(changes))
    asyncio.run(portal.accept_invite(portal.parse_link(link).token(), "river otter paints blue", "python"))
    pages = Pages()
    watch = None
    try:
        assert changes.wait_for(lambda c: isinstance(c, ffi.Change.UP_TO_DATE))
        # A live query: the upcoming appointments now, and again when they change.
        watch = asyncio.run(portal.watch_appointments(patient_id, True, 10, pages))
        assert pages.wait_for(lambda page: page.items == [])
        starts = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).isoformat()
        visit = practice.appointment(patient_id, practice.provider_of(patient_id), starts)
        assert changes.wait_for(
            lambda c: isinstance(c, ffi.Change.RECORDS) and c.kind == "appointment" and visit in c.ids)
        assert asyncio.run(portal.record("appointment", visit)) is not None
        assert pages.wait_for(lambda page: [a.id for a in page.items] == [visit])
    finally:
        handle.stop()
        if watch is not None:
            watch.stop()
    asyncio.run(portal.logout())


class Pages(ffi.AppointmentPageListener):
    def __init__(self):
        import threading
        self.seen = []
        self.lock = threading.Lock()

    def on_page(self, page):
        with self.lock:
            self.seen.append(page)

    def wait_for(self, test, seconds=20):
        import time
        deadline = time.time() + seconds
        while time.time() < deadline:
            with self.lock:
                if self.seen and test(self.seen[-1]):
                    return True
            time.sleep(0.05)
        return False


def test_the_flow_decides_every_step(practice):
    """The core's onboarding flow across the FFI: the app only draws its states."""
    _, link = practice.invite_new_patient("Morgan", "morgan@example.com")
    store = DictStore()
    portal = client(practice, store)
    flow = portal.flow()
    seen = []

    class Screens(ffi.FlowListener):
        def on_state(self, state):
            seen.append(state)

    subscription = asyncio.run(flow.listen(Screens()))
    assert isinstance(flow.state(), ffi.FlowState.WELCOME)

    choose = asyncio.run(flow.open_link(link))
    assert isinstance(choose, ffi.FlowState.CHOOSE_PASSWORD)
    assert choose.invite.patient_first_name == "Morgan" and choose.notice is None
    weak = asyncio.run(flow.submit_password("short"))
    assert isinstance(weak, ffi.FlowState.CHOOSE_PASSWORD)
    assert isinstance(weak.notice, ffi.FlowNotice.FAILED)
    assert isinstance(weak.notice.failure, ffi.Failure.WEAK_PASSWORD)
    assert ffi.PasswordRule.TOO_SHORT in weak.notice.failure.reasons
    signed_in = asyncio.run(flow.submit_password("river otter paints blue"))
    assert isinstance(signed_in, ffi.FlowState.SIGNED_IN)
    assert signed_in.account.email == "morgan@example.com" and not signed_in.offline

    # A restart: the session kept on this device, at once; then signing out.
    restarted = client(practice, store)
    again = asyncio.run(restarted.flow().start())
    assert isinstance(again, ffi.FlowState.SIGNED_IN)
    assert again.account.account_id == signed_in.account.account_id
    assert isinstance(asyncio.run(restarted.session_checked()), ffi.SessionCheck.CONFIRMED)
    out = asyncio.run(restarted.flow().sign_out())
    assert isinstance(out, ffi.FlowState.WELCOME)
    assert isinstance(out.notice, ffi.FlowNotice.SIGNED_OUT)

    # The listener heard the first client's screens, ending signed in.
    import time
    deadline = time.time() + 10
    while not (seen and isinstance(seen[-1], ffi.FlowState.SIGNED_IN)) and time.time() < deadline:
        time.sleep(0.05)
    subscription.stop()
    assert seen and isinstance(seen[-1], ffi.FlowState.SIGNED_IN), seen
    assert any(isinstance(state, ffi.FlowState.CHOOSE_PASSWORD) for state in seen), seen


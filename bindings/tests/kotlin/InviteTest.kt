// Onboarding through the generated Kotlin bindings on the JVM, against the real server
// binary over loopback HTTP (Practice.kt). Run by scripts/test-bindings.sh.

import java.nio.file.Files
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking
import uniffi.portal_ffi.Failure
import uniffi.portal_ffi.FlowNotice
import uniffi.portal_ffi.FlowState
import uniffi.portal_ffi.InviteState
import uniffi.portal_ffi.LinkKind
import uniffi.portal_ffi.PasswordRule
import uniffi.portal_ffi.PortalClient
import uniffi.portal_ffi.PortalException
import uniffi.portal_ffi.AppointmentPage
import uniffi.portal_ffi.AppointmentPageListener
import uniffi.portal_ffi.ClientOptions
import uniffi.portal_ffi.Restored
import uniffi.portal_model.AppointmentKind
import uniffi.portal_model.AppointmentStatus
import uniffi.portal_model.ErrorCode
import uniffi.portal_ffi.SessionCheck

fun inviteTests() {
    test("parse, inspect and accept an invite") {
        Practice().use { practice ->
            val (patientId, link) = practice.invite("Jordan", "jordan@example.com")
            val store = MapStore()
            val portal = PortalClient(ClientOptions(serverUrl = practice.base), store)
            val parsed = portal.parseLink(link)
            check(parsed.kind() == LinkKind.INVITE)
            check(!parsed.toString().contains(parsed.token())) { "the token leaks through toString" }
            val state = runBlocking { portal.inspectInvite(parsed.token()) }
            check(state is InviteState.Valid) { "expected a valid invite, got $state" }
            check(state.details.patientFirstName == "Jordan")
            check(state.details.practiceName == "Riverside Family Practice")
            try {
                runBlocking { portal.acceptInvite(parsed.token(), "vq7#L", "kotlin test") }
                error("a short password was accepted")
            } catch (e: PortalException.WeakPassword) {
                check(e.reasons == listOf(PasswordRule.TOO_SHORT)) { "reasons: ${e.reasons}" }
            }
            val signedIn = runBlocking { portal.acceptInvite(parsed.token(), "river otter paints blue", "kotlin test") }
            check(signedIn.email == "jordan@example.com")
            check(signedIn.profiles.map { it.patientId } == listOf(patientId))
            check(store.items[portal.sessionKey(signedIn.accountId)]!!.contains("refresh_token"))
            check(runBlocking { portal.inspectInvite(parsed.token()) } is InviteState.Used)
        }
    }
    test("unusable invites and bad links are typed") {
        Practice().use { practice ->
            val (patientId, first) = practice.invite("Avery", "avery@example.com")
            val second = practice.resend(patientId)
            val portal = PortalClient(ClientOptions(serverUrl = practice.base), MapStore())
            check(runBlocking { portal.inspectInvite(portal.parseLink(first).token()) } is InviteState.Revoked)
            check(runBlocking { portal.inspectInvite(portal.parseLink(second).token()) } is InviteState.Valid)
            try {
                portal.parseLink(second.replace("/invite/", "/invite/x/"))
                error("a malformed link was accepted")
            } catch (e: PortalException.InvalidLink) {
                check(e.detail.contains("extra parts")) { "detail: ${e.detail}" }
            }
            try {
                PortalClient(ClientOptions(serverUrl = "http://portal.example.org"), MapStore())
                error("plain HTTP to a remote host was accepted")
            } catch (e: PortalException.Config) {
                // expected
            }
        }
    }

    test("sessions survive a restart and sign out wipes them") {
        Practice().use { practice ->
            val (_, link) = practice.invite("Casey", "casey@example.com")
            val store = MapStore()
            val first = PortalClient(ClientOptions(serverUrl = practice.base), store)
            val signedIn = runBlocking { first.acceptInvite(first.parseLink(link).token(), "river otter paints blue", "kotlin test") }
            val restarted = PortalClient(ClientOptions(serverUrl = practice.base), store)
            val restored = runBlocking { restarted.restore() }
            check(restored is Restored.Cached && restored.account.accountId == signedIn.accountId) { "restored: $restored" }
            val checked = runBlocking { restarted.sessionChecked() }
            check(checked is SessionCheck.Confirmed && checked.account.accountId == signedIn.accountId) { "checked: $checked" }
            runBlocking { restarted.logout() }
            check(store.items.isEmpty()) { "left in the store: ${store.items.keys}" }
            check(runBlocking { PortalClient(ClientOptions(serverUrl = practice.base), store).restore() } is Restored.Nobody)
            try {
                runBlocking { restarted.login("casey@example.com", "not the password", "kotlin test") }
                error("a wrong password signed in")
            } catch (e: PortalException.Server) {
                check(e.code == ErrorCode.INVALID_CREDENTIALS) { "code: ${e.code}" }
            }
            val again = runBlocking { restarted.login("casey@example.com", "river otter paints blue", "kotlin test") }
            check(again.email == "casey@example.com")
        }
    }

    test("the offline copy reads as typed records") {
        Practice().use { practice ->
            val (patientId, link) = practice.invite("Robin", "robin@example.com")
            val startsAt = java.time.Instant.now().plus(java.time.Duration.ofDays(2))
                .truncatedTo(java.time.temporal.ChronoUnit.MILLIS)
            val visit = practice.appointment(patientId, startsAt)
            val dataDir = Files.createTempDirectory("portal-kotlin-data")
            // The test pulls by hand: the core's own background sync stays off.
            val options = ClientOptions(serverUrl = practice.base, dataDir = dataDir.toString(),
                backgroundSync = false)
            val portal = PortalClient(options, MapStore())
            runBlocking { portal.acceptInvite(portal.parseLink(link).token(), "river otter paints blue", "kotlin test") }
            runBlocking { portal.syncNow(null) }
            val page = runBlocking { portal.appointmentPage(patientId, true, 20u, null) }
            check(page.skipped == 0u && page.next == null) { "page: $page" }
            val appointment = page.items.single()
            check(appointment.id == visit) { "appointment: $appointment" }
            check(appointment.kind == AppointmentKind.Telehealth) { "kind: ${appointment.kind}" }
            check(appointment.status == AppointmentStatus.Scheduled) { "status: ${appointment.status}" }
            check(appointment.startsAt == startsAt) { "starts at ${appointment.startsAt}, not $startsAt" }
            val home = runBlocking { portal.home(patientId) }
            check(home.nextAppointment == appointment) { "home: $home" }
            val team = runBlocking { portal.careTeam(patientId) }
            check(team.isNotEmpty()) { "no care team" }
            // A live query: the page now, and again once a pull brings a second visit.
            val pages = java.util.concurrent.LinkedBlockingQueue<AppointmentPage>()
            val watch = runBlocking {
                portal.watchAppointments(patientId, true, 10u, object : AppointmentPageListener {
                    override fun onPage(page: AppointmentPage) { pages.put(page) }
                })
            }
            check(pages.poll(10, TimeUnit.SECONDS)?.items == listOf(appointment)) { "first page" }
            val second = practice.appointment(patientId, startsAt.plus(java.time.Duration.ofHours(1)))
            runBlocking { portal.syncNow(null) }
            val next = pages.poll(10, TimeUnit.SECONDS)
            check(next != null && next.items.map { it.id } == listOf(visit, second)) { "after the pull: $next" }
            watch.stop()
            runBlocking { portal.logout() }
            dataDir.toFile().deleteRecursively()
        }
    }

    test("the flow decides every step") {
        Practice().use { practice ->
            val (_, link) = practice.invite("Morgan", "morgan@example.com")
            val store = MapStore()
            val flow = PortalClient(ClientOptions(serverUrl = practice.base), store).flow()
            check(flow.state() is FlowState.Welcome) { "start: ${flow.state()}" }
            val choose = runBlocking { flow.openLink(link) }
            check(choose is FlowState.ChoosePassword && choose.invite.patientFirstName == "Morgan") { "choose: $choose" }
            val weak = runBlocking { flow.submitPassword("short") }
            val failure = ((weak as FlowState.ChoosePassword).notice as FlowNotice.Failed).failure
            check(failure is Failure.WeakPassword && PasswordRule.TOO_SHORT in failure.reasons) { "weak: $weak" }
            val signedIn = runBlocking { flow.submitPassword("river otter paints blue") }
            check(signedIn is FlowState.SignedIn && signedIn.account.email == "morgan@example.com") { "signed in: $signedIn" }
            val restarted = PortalClient(ClientOptions(serverUrl = practice.base), store).flow()
            check(runBlocking { restarted.start() } is FlowState.SignedIn) { "restart: ${restarted.state()}" }
            val out = runBlocking { restarted.signOut() }
            check(out is FlowState.Welcome && out.notice is FlowNotice.SignedOut) { "signed out: $out" }
        }
    }
}

// A native app's whole path through the Kotlin SDK (the generated bindings and the
// Flow layer in bindings/kotlin), on the JVM against the real server binary over
// loopback HTTP. The core's own background sync runs, as on a phone.

import java.nio.file.Files
import java.util.concurrent.atomic.AtomicInteger
import kotlin.random.Random
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.patientportal.sdk.Download
import org.patientportal.sdk.appointmentsFlow
import org.patientportal.sdk.documentsFlow
import org.patientportal.sdk.downloadFlow
import org.patientportal.sdk.homeFlow
import org.patientportal.sdk.messagesFlow
import org.patientportal.sdk.outboxFlow
import org.patientportal.sdk.states
import org.patientportal.sdk.syncStateFlow
import org.patientportal.sdk.threadsFlow
import org.patientportal.sdk.writeFlow
import uniffi.portal_ffi.ClientOptions
import uniffi.portal_ffi.DocumentState
import uniffi.portal_ffi.FlowState
import uniffi.portal_ffi.Home
import uniffi.portal_ffi.HomeListener
import uniffi.portal_ffi.LockState
import uniffi.portal_ffi.MessageTo
import uniffi.portal_ffi.PortalClient
import uniffi.portal_ffi.PortalException
import uniffi.portal_ffi.SignedIn
import uniffi.portal_ffi.SyncPhase
import uniffi.portal_ffi.WriteKind
import uniffi.portal_ffi.WriteStatus
import uniffi.portal_model.AppointmentStatus
import uniffi.portal_model.ErrorCode
import uniffi.portal_model.RecordKind

/** The first value of a flow that [matches], or a failure naming [what] after 20 s. */
fun <T> Flow<T>.awaitFirst(what: String, matches: (T) -> Boolean): T = runBlocking {
    try {
        withTimeout(20_000) { first(matches) }
    } catch (e: kotlinx.coroutines.TimeoutCancellationException) {
        error("timed out waiting for $what")
    }
}

/** A client with its own data directory, signed in through an invite, and synced. */
fun signedIn(practice: Practice, data: DataDir, link: String): Pair<PortalClient, SignedIn> {
    val portal = PortalClient(ClientOptions(serverUrl = practice.base, dataDir = data.toString()), MapStore())
    val account = runBlocking { portal.acceptInvite(portal.parseLink(link).token(), PASSWORD, "kotlin sdk test") }
    portal.syncStateFlow().awaitFirst("the first sync") { it.phase is SyncPhase.UpToDate }
    return portal to account
}

fun sdkTests() {
    test("invite link, flow, password, first sync, appointments") {
        Practice().use { practice ->
            DataDir().use { data ->
                val (patientId, link) = practice.invite("Jordan", "jordan@example.com")
                val visit = practice.appointment(patientId, inDays(3))
                val portal = PortalClient(ClientOptions(serverUrl = practice.base, dataDir = data.toString()), MapStore())
                val flow = portal.flow()
                val choose = runBlocking { flow.openLink(link) }
                check(choose is FlowState.ChoosePassword && choose.invite.patientFirstName == "Jordan") { "choose: $choose" }
                val done = runBlocking { flow.submitPassword(PASSWORD) }
                check(done is FlowState.SignedIn) { "after the password: $done" }
                check(flow.states().awaitFirst("the flow's state") { true } is FlowState.SignedIn)
                // The core's first sync runs by itself; its state says how far it is.
                val synced = portal.syncStateFlow().awaitFirst("the first sync") { it.phase is SyncPhase.UpToDate }
                check(synced.lastSuccess != null && !synced.firstSync) { "synced: $synced" }
                val page = portal.appointmentsFlow(patientId, upcoming = true)
                    .awaitFirst("the appointment") { it.items.isNotEmpty() }
                check(page.items.single().id == visit && page.items.single().status == AppointmentStatus.Scheduled) { "page: $page" }
                val home = portal.homeFlow(patientId).awaitFirst("home") { it.nextAppointment != null }
                check(home.nextAppointment?.id == visit) { "home: $home" }
                runBlocking { portal.logout() }
            }
        }
    }

    test("a message written offline is sent after reconnecting") {
        Practice().use { practice ->
            DataDir().use { data ->
                val (patientId, link) = practice.invite("Casey", "casey@example.com")
                val (threadId, _) = practice.message(patientId, "Lab results", "Your results are in.")
                val (portal, _) = signedIn(practice, data, link)
                portal.threadsFlow(patientId).awaitFirst("the practice's thread") { page -> page.items.any { it.thread.id == threadId } }
                practice.stop()
                portal.networkChanged()
                portal.syncStateFlow().awaitFirst("offline") { it.phase is SyncPhase.Offline }
                val item = runBlocking { portal.sendMessage(patientId, MessageTo.Thread(threadId), "Thank you, see you Tuesday") }
                check(item.kind == WriteKind.SendMessage && item.localMessageId != null) { "item: $item" }
                // Shown at once, kept on the device, waiting in the outbox.
                val local = portal.messagesFlow(patientId, threadId)
                    .awaitFirst("the message shown") { page -> page.items.any { it.id == item.localMessageId } }
                check(local.items.last().body == "Thank you, see you Tuesday") { "page: $local" }
                val waiting = portal.outboxFlow().awaitFirst("the outbox") { it.isNotEmpty() }
                check(waiting.single().id == item.id && waiting.single().status in listOf(WriteStatus.QUEUED, WriteStatus.SENDING)) { "waiting: $waiting" }
                Thread.sleep(1_500)
                check(runBlocking { portal.outboxItem(item.id) }?.status == WriteStatus.QUEUED) { "not still queued while offline" }

                practice.start()
                portal.networkChanged()
                val moves = runBlocking { withTimeout(20_000) { portal.writeFlow(item.id).toList() } }
                check(moves.last() == null) { "the write never settled: $moves" }
                portal.outboxFlow().awaitFirst("an empty outbox") { it.isEmpty() }
                val sent = portal.messagesFlow(patientId, threadId)
                    .awaitFirst("the server's copy") { page -> page.items.any { it.body == "Thank you, see you Tuesday" && !it.id.startsWith("local-") } }
                check(sent.items.none { it.id == item.localMessageId }) { "the local copy stayed: $sent" }
                runBlocking { portal.logout() }
            }
        }
    }

    test("cancelling too late is refused in words, and the appointment is back") {
        Practice().use { practice ->
            DataDir().use { data ->
                val (patientId, link) = practice.invite("Robin", "robin@example.com")
                val soon = practice.appointment(patientId, java.time.Instant.now().plusSeconds(2 * 3600))
                val (portal, _) = signedIn(practice, data, link)
                portal.appointmentsFlow(patientId, true).awaitFirst("the visit") { page -> page.items.any { it.id == soon } }
                val item = runBlocking { portal.cancelAppointment(patientId, soon, "I feel better") }
                check(item.kind == WriteKind.CancelAppointment) { "item: $item" }
                val refused = portal.writeFlow(item.id).awaitFirst("the refusal") { it?.status == WriteStatus.FAILED }!!
                val refusal = refused.refusal!!
                check(refusal.code == ErrorCode.TOO_LATE) { "refusal: $refusal" }
                check(refusal.message.contains("too late", ignoreCase = true)) { "words: ${refusal.message}" }
                val page = portal.appointmentsFlow(patientId, true).awaitFirst("the visit as it was") { p ->
                    p.items.any { it.id == soon && it.status == AppointmentStatus.Scheduled }
                }
                check(page.items.isNotEmpty())
                check(runBlocking { portal.discardWrite(item.id) }) { "discard" }
                check(runBlocking { portal.outboxItems() }.isEmpty()) { "the outbox keeps a discarded write" }
                runBlocking { portal.logout() }
            }
        }
    }

    test("a document downloads with progress, and exports as it was shared") {
        Practice().use { practice ->
            DataDir().use { data ->
                val (patientId, link) = practice.invite("Avery", "avery@example.com")
                val bytes = Random(7).nextBytes(700 * 1024)
                val documentId = practice.document(patientId, "Lab report", bytes)
                val (portal, _) = signedIn(practice, data, link)
                val listed = portal.documentsFlow(patientId).awaitFirst("the document") { page -> page.items.any { it.document.id == documentId } }
                check(listed.items.single().offline == DocumentState.NotDownloaded) { "listed: $listed" }
                val steps = runBlocking { withTimeout(30_000) { portal.downloadFlow(documentId).toList() } }
                val progress = steps.filterIsInstance<Download.Progress>()
                check(progress.size >= 3) { "progress: $progress" }
                check(progress.zipWithNext().all { (a, b) -> a.received <= b.received }) { "progress went back: $progress" }
                check(progress.last().received == bytes.size.toULong() && progress.last().fraction == 1.0) { "last: ${progress.last()}" }
                check(steps.last() == Download.Done(DocumentState.Available)) { "end: ${steps.last()}" }
                val out = Files.createTempDirectory("portal-export").resolve("report.pdf")
                check(runBlocking { portal.exportDocument(documentId, out.toString()) } == bytes.size.toULong())
                check(Files.readAllBytes(out).contentEquals(bytes)) { "the export differs" }
                out.parent.toFile().deleteRecursively()
                try {
                    runBlocking { portal.downloadDocument("doc_not_here", null) }
                    error("an unknown document downloaded")
                } catch (e: PortalException.UnknownDocument) {
                    // expected: not in the offline copy
                }
                runBlocking { portal.logout() }
            }
        }
    }

    test("search finds messages and documents on the device") {
        Practice().use { practice ->
            DataDir().use { data ->
                val (patientId, link) = practice.invite("Morgan", "morgan@example.com")
                val (threadId, messageId) = practice.message(patientId, "Your visit", "Bring your inhaler and the allergy results.")
                val documentId = practice.document(patientId, "Allergy panel", "%PDF-1.4".toByteArray())
                val (portal, _) = signedIn(practice, data, link)
                portal.documentsFlow(patientId).awaitFirst("the document") { page -> page.items.isNotEmpty() }
                val hits = runBlocking { portal.find(patientId, "allerg", 10u) }
                val message = hits.single { it.kind == RecordKind.Message }
                check(message.id == messageId && message.threadId == threadId) { "message hit: $message" }
                check(message.snippet.contains("allergy", ignoreCase = true)) { "snippet: ${message.snippet}" }
                val document = hits.single { it.kind == RecordKind.Document }
                check(document.id == documentId && document.title == "Allergy panel") { "document hit: $document" }
                check(runBlocking { portal.find(patientId, "zebra", 10u) }.isEmpty()) { "found what is not there" }
                runBlocking { portal.logout() }
            }
        }
    }

    test("lock and unlock, with the offline copy closed between") {
        Practice().use { practice ->
            DataDir().use { data ->
                val (patientId, link) = practice.invite("Quinn", "quinn@example.com")
                val (portal, account) = signedIn(practice, data, link)
                check(portal.lockState() is LockState.Unlocked) { "state: ${portal.lockState()}" }
                // A watch's handle closes like any AutoCloseable: nothing is heard after.
                val heard = AtomicInteger()
                val handle = runBlocking {
                    portal.watchHome(patientId, object : HomeListener {
                        override fun onHome(home: Home) { heard.incrementAndGet() }
                    })
                }
                check(heard.get() == 1) { "heard ${heard.get()} times at once" }
                handle.close()
                practice.message(patientId, "Hello", "A note from your care team.")
                portal.homeFlow(patientId).awaitFirst("the unread message") { it.unreadMessages == 1L }
                check(heard.get() == 1) { "a closed watch heard ${heard.get()} times" }

                portal.lock()
                val locked = portal.lockState()
                check(locked is LockState.Locked && locked.email == "quinn@example.com") { "locked: $locked" }
                try {
                    runBlocking { portal.home(patientId) }
                    error("read while locked")
                } catch (e: PortalException.Locked) {
                    // expected
                }
                try {
                    runBlocking { portal.unlock("not the password") }
                    error("a wrong password unlocked")
                } catch (e: PortalException.WrongPassword) {
                    check(e.attemptsLeft == 4u) { "attempts left: ${e.attemptsLeft}" }
                }
                val back = runBlocking { portal.unlock(PASSWORD) }
                check(back.accountId == account.accountId) { "unlocked as $back" }
                check(runBlocking { portal.home(patientId) }.unreadMessages == 1L) { "the copy after unlock" }
                runBlocking { portal.logout() }
            }
        }
    }

    test("a guardian switches to a child's profile") {
        Practice().use { practice ->
            DataDir().use { data ->
                val (alexId, link) = practice.invite("Alex", "alex@example.com")
                val (portal, _) = signedIn(practice, data, link)
                val (miaId, miaLink) = practice.child("Mia", "alex@example.com", practice.providerOf(alexId))
                val visit = practice.appointment(miaId, inDays(5))
                val claimed = runBlocking { portal.claimInvite(portal.parseLink(miaLink).token()) }
                check(claimed.profiles.map { it.patientId }.toSet() == setOf(alexId, miaId)) { "profiles: ${claimed.profiles}" }
                check(claimed.currentProfileId == alexId) { "claiming changed the profile in use" }
                val picked = runBlocking { portal.selectProfile(miaId) }
                check(picked.currentProfileId == miaId) { "picked: $picked" }
                val page = portal.appointmentsFlow(miaId, true).awaitFirst("Mia's visit") { it.items.isNotEmpty() }
                check(page.items.single().id == visit) { "Mia's page: $page" }
                check(runBlocking { portal.appointmentPage(alexId, true, 10u, null) }.items.isEmpty()) { "Alex sees Mia's visit" }
                // The blocking read (for a background thread) answers the same.
                check(portal.appointmentPageBlocking(miaId, true, 10u, null).items.single().id == visit) { "blocking read" }
                check(portal.appointmentPageBlocking(alexId, true, 10u, null).items.isEmpty()) { "Alex sees Mia's visit (blocking)" }
                try {
                    runBlocking { portal.selectProfile("pat_not_mine") }
                    error("selected a stranger's profile")
                } catch (e: PortalException.UnknownProfile) {
                    // expected
                }
                runBlocking { portal.logout() }
            }
        }
    }
}

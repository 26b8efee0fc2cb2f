// Hello portal: the smallest Kotlin app on the SDK. It opens an invite link, sets the
// password, waits for the first sync, and prints the next appointment and the unread
// messages. Run it with scripts/hello-kotlin.sh (which starts a demo practice), or:
//   java ... HelloPortalKt <server url> <invite link>
// An Android app does the same, with the Keystore as its SecretStore and the screens
// drawing the flow's states instead of println.

import java.nio.file.Files
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.time.format.FormatStyle
import kotlin.system.exitProcess
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.patientportal.sdk.syncStateFlow
import uniffi.portal_ffi.ClientOptions
import uniffi.portal_ffi.FlowNotice
import uniffi.portal_ffi.FlowState
import uniffi.portal_ffi.PortalClient
import uniffi.portal_ffi.PortalException
import uniffi.portal_ffi.SecretStore
import uniffi.portal_ffi.SyncPhase
import uniffi.portal_model.AppointmentKind

/** Secrets in memory: enough for a sample that signs out at the end. An app uses its keychain. */
class MemorySecrets : SecretStore {
    private val items = java.util.concurrent.ConcurrentHashMap<String, String>()
    override fun get(key: String): String? = items[key]
    override fun set(key: String, value: String) { items[key] = value }
    override fun delete(key: String) { items.remove(key) }
}

fun main(args: Array<String>) {
    if (args.size != 2) {
        System.err.println("usage: HelloPortalKt <server url> <invite link>")
        exitProcess(2)
    }
    val (serverUrl, link) = args
    val dataDir = Files.createTempDirectory("hello-portal")
    try {
        runBlocking { hello(serverUrl, link, dataDir.toString()) }
    } catch (e: PortalException) {
        // Every error is a case to switch on; a sample just says which.
        System.err.println("hello portal failed: $e")
        exitProcess(1)
    } finally {
        dataDir.toFile().deleteRecursively()
    }
}

suspend fun hello(serverUrl: String, link: String, dataDir: String) {
    val portal = PortalClient(ClientOptions(serverUrl = serverUrl, dataDir = dataDir, deviceName = "hello portal"), MemorySecrets())
    val flow = portal.flow()
    val invite = when (val state = flow.openLink(link)) {
        is FlowState.ChoosePassword -> state.invite
        is FlowState.InviteUnusable -> error("the invite cannot be used: ${state.problem}")
        else -> error("the link led to $state")
    }
    println("Invite from ${invite.practiceName} for ${invite.patientFirstName} (${invite.emailHint})")

    val account = when (val state = flow.submitPassword("hello portal river otter")) {
        is FlowState.SignedIn -> state.account
        is FlowState.ChoosePassword -> error("the password was refused: ${(state.notice as? FlowNotice.Failed)?.failure}")
        else -> error("after the password: $state")
    }
    println("Signed in as ${account.email}")

    // The core syncs by itself from sign-in; wait for the first sync to finish.
    withTimeout(60_000) {
        portal.syncStateFlow().first { state ->
            (state.phase as? SyncPhase.Syncing)?.let { println("  syncing: ${it.changes} changes so far") }
            state.phase is SyncPhase.UpToDate
        }
    }
    val profileId = account.currentProfileId ?: error("the account has no profile")

    val home = portal.home(profileId)
    val team = portal.careTeam(profileId).associateBy { it.id }
    val format = DateTimeFormatter.ofLocalizedDateTime(FormatStyle.MEDIUM, FormatStyle.SHORT)
        .withZone(ZoneId.systemDefault())
    when (val next = home.nextAppointment) {
        null -> println("Next appointment: none booked")
        else -> {
            val how = if (next.kind == AppointmentKind.Telehealth) "video visit" else next.location ?: "in person"
            val with = team[next.providerId]?.name ?: "your care team"
            println("Next appointment: ${format.format(next.startsAt)} with $with ($how)")
        }
    }

    println("Unread messages: ${home.unreadMessages}")
    for (item in portal.threadPage(profileId, 20u, null).items.filter { it.thread.unreadCount > 0 }) {
        val last = item.lastMessage
        println("  ${item.thread.subject}: ${last?.body?.take(70) ?: ""}")
    }
    portal.logout()
}

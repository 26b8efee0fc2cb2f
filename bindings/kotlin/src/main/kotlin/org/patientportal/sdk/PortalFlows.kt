// The idiomatic Kotlin layer over the generated bindings (uniffi.portal_ffi): every
// watch as a cold `Flow`. Collecting starts the core's live query; cancelling the
// collector closes its `Subscription` handle. The listener given to the core only
// feeds the flow's channel: it never holds its own handle.
//
// The generated functions are already `suspend` (they run on the core's own tokio
// runtime, never on the caller's thread), so this layer adds only what pays: flows,
// and a download as a flow of progress.
package org.patientportal.sdk

import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import uniffi.portal_ffi.AppointmentPage
import uniffi.portal_ffi.AppointmentPageListener
import uniffi.portal_ffi.Change
import uniffi.portal_ffi.ChangeListener
import uniffi.portal_ffi.DocumentPage
import uniffi.portal_ffi.DocumentPageListener
import uniffi.portal_ffi.DocumentState
import uniffi.portal_ffi.DownloadListener
import uniffi.portal_ffi.Flow as OnboardingFlow
import uniffi.portal_ffi.FlowListener
import uniffi.portal_ffi.FlowState
import uniffi.portal_ffi.FormPage
import uniffi.portal_ffi.FormPageListener
import uniffi.portal_ffi.Home
import uniffi.portal_ffi.HomeListener
import uniffi.portal_ffi.InvoicePage
import uniffi.portal_ffi.InvoicePageListener
import uniffi.portal_ffi.MessagePage
import uniffi.portal_ffi.MessagePageListener
import uniffi.portal_ffi.OutboxItem
import uniffi.portal_ffi.OutboxListener
import uniffi.portal_ffi.PortalClient
import uniffi.portal_ffi.ProfileListener
import uniffi.portal_ffi.Subscription
import uniffi.portal_ffi.SyncState
import uniffi.portal_ffi.SyncStateListener
import uniffi.portal_ffi.ThreadPage
import uniffi.portal_ffi.ThreadPageListener
import uniffi.portal_ffi.WriteListener
import uniffi.portal_model.PatientProfile

/**
 * A live query as a flow of its latest result: [start] hands the core a listener that
 * sends into the flow, and the handle it returns is closed when the collector stops.
 * Results are conflated: a slow screen sees the newest one, never a backlog.
 */
private fun <T> live(start: suspend (send: (T) -> Unit) -> Subscription): Flow<T> =
    callbackFlow {
        val handle = start { value -> trySend(value) }
        awaitClose { handle.close() }
    }.buffer(Channel.CONFLATED)

/** Events, where every one counts (none conflated). */
private fun <T> events(start: suspend (send: (T) -> Unit) -> Subscription): Flow<T> =
    callbackFlow {
        val handle = start { value -> trySend(value) }
        awaitClose { handle.close() }
    }.buffer(Channel.UNLIMITED)

/** The home screen of a profile, now and at every change. */
fun PortalClient.homeFlow(profileId: String): Flow<Home> = live { send ->
    watchHome(profileId, object : HomeListener {
        override fun onHome(home: Home) = send(home)
    })
}

/** The first [limit] upcoming (or past) appointments. */
fun PortalClient.appointmentsFlow(profileId: String, upcoming: Boolean, limit: UInt = 50u): Flow<AppointmentPage> =
    live { send ->
        watchAppointments(profileId, upcoming, limit, object : AppointmentPageListener {
            override fun onPage(page: AppointmentPage) = send(page)
        })
    }

/** The first [limit] conversations, the latest first. */
fun PortalClient.threadsFlow(profileId: String, limit: UInt = 50u): Flow<ThreadPage> = live { send ->
    watchThreads(profileId, limit, object : ThreadPageListener {
        override fun onPage(page: ThreadPage) = send(page)
    })
}

/** A conversation's messages, with the patient's own ones still on their way. */
fun PortalClient.messagesFlow(profileId: String, threadId: String, limit: UInt = 200u): Flow<MessagePage> =
    live { send ->
        watchMessages(profileId, threadId, limit, object : MessagePageListener {
            override fun onPage(page: MessagePage) = send(page)
        })
    }

/** Invoices, the latest first. */
fun PortalClient.invoicesFlow(profileId: String, limit: UInt = 50u): Flow<InvoicePage> = live { send ->
    watchInvoices(profileId, limit, object : InvoicePageListener {
        override fun onPage(page: InvoicePage) = send(page)
    })
}

/** Documents with where their bytes are on this device. */
fun PortalClient.documentsFlow(profileId: String, limit: UInt = 50u): Flow<DocumentPage> = live { send ->
    watchDocuments(profileId, limit, object : DocumentPageListener {
        override fun onPage(page: DocumentPage) = send(page)
    })
}

/** Forms with their answers so far. */
fun PortalClient.formsFlow(profileId: String, limit: UInt = 50u): Flow<FormPage> = live { send ->
    watchForms(profileId, limit, object : FormPageListener {
        override fun onPage(page: FormPage) = send(page)
    })
}

/** The patient's profile (contact details), `null` once the account no longer has it. */
fun PortalClient.profileFlow(profileId: String): Flow<PatientProfile?> = live { send ->
    watchProfile(profileId, object : ProfileListener {
        override fun onProfile(profile: PatientProfile?) = send(profile)
    })
}

/** Every write not yet settled, oldest first: the "waiting to send" list. */
fun PortalClient.outboxFlow(): Flow<List<OutboxItem>> = live { send ->
    watchOutbox(object : OutboxListener {
        override fun onOutbox(items: List<OutboxItem>) = send(items)
    })
}

/**
 * One write at each move (queued, sending, sent, refused), then `null` once it is
 * settled. Completes after `null`.
 */
fun PortalClient.writeFlow(writeId: String): Flow<OutboxItem?> = callbackFlow {
    val handle = watchWrite(writeId, object : WriteListener {
        override fun onWrite(item: OutboxItem?) {
            trySend(item)
            if (item == null) channel.close()
        }
    })
    awaitClose { handle.close() }
}.buffer(Channel.UNLIMITED)

/** Where syncing stands: for a status line, an offline banner and first-sync progress. */
fun PortalClient.syncStateFlow(): Flow<SyncState> = live { send ->
    watchSyncState(object : SyncStateListener {
        override fun onSyncState(state: SyncState) = send(state)
    })
}

/** Every change the core reports (records, writes, sync, session), none dropped. */
fun PortalClient.changes(): Flow<Change> = events { send ->
    listen(object : ChangeListener {
        override fun onChange(change: Change) = send(change)
    })
}

/** The onboarding flow's states, from the current one on. */
fun OnboardingFlow.states(): Flow<FlowState> = callbackFlow {
    trySend(state())
    val handle = listen(object : FlowListener {
        override fun onState(state: FlowState) {
            trySend(state)
        }
    })
    awaitClose { handle.close() }
}.buffer(Channel.CONFLATED)

/** A download's progress, then where the document ends up. */
sealed interface Download {
    data class Progress(val received: ULong, val total: ULong) : Download {
        /** 0.0 to 1.0, for a progress bar. */
        val fraction: Double get() = if (total == 0UL) 1.0 else received.toDouble() / total.toDouble()
    }
    data class Done(val state: DocumentState) : Download
}

/**
 * Downloads (or resumes) a document as a flow: [Download.Progress] after each stored
 * chunk, then [Download.Done]. A dropped connection fails the flow with
 * `PortalException.Network`; what arrived is kept, and collecting again resumes it.
 * Cancelling the collector stops the download (the part received is kept).
 */
fun PortalClient.downloadFlow(documentId: String): Flow<Download> = callbackFlow {
    val state = downloadDocument(documentId, object : DownloadListener {
        override fun onProgress(received: ULong, total: ULong) {
            trySend(Download.Progress(received, total))
        }
    })
    send(Download.Done(state))
    close()
    awaitClose {}
}.buffer(Channel.UNLIMITED)

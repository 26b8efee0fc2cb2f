// The async layer over the generated client: every live query of the core as an
// `AsyncSequence`. Making the stream starts the core's watch (what it hears waits in
// the stream's buffer until read); when the stream ends (the consuming task is
// cancelled, the loop breaks and the stream is dropped, or the stream finishes) the
// watch's `Subscription` is stopped. The listener handed to the core only yields into
// the stream: it never holds the subscription, so nothing keeps an ended watch alive.
//
// As with the listeners themselves, a watch of the offline copy goes quiet when the
// copy closes (lock, sign-out, session ended) without finishing its stream: start the
// watches again once the flow is `.signedIn` again.
//
// The generated calls are already `async` (the core runs them on its own runtime, never
// on the caller's thread), so this layer adds only what pays: streams, and a download
// as a stream of progress (Download.swift).
@_exported import PortalFFI
import Foundation

// MARK: - Live queries of a profile's records

extension PortalClientProtocol {
    /// The home screen of a profile (next appointment, unread messages, balance due),
    /// now and at every change. Fails if the watch cannot start (`PortalError.Locked`,
    /// `.NotSignedIn`, `.UnknownProfile`, ...). A slow reader sees the newest home.
    public func homeUpdates(profileId: String) -> AsyncThrowingStream<Home, Error> {
        watchStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            try await self.watchHome(profileId: profileId, listener: HomeFeed(continuation))
        }
    }

    /// The first `limit` upcoming appointments (earliest first), or past ones (latest
    /// first) when `upcoming` is false.
    public func appointmentUpdates(
        profileId: String,
        upcoming: Bool,
        limit: UInt32 = 50
    ) -> AsyncThrowingStream<AppointmentPage, Error> {
        watchStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            try await self.watchAppointments(
                profileId: profileId,
                upcoming: upcoming,
                limit: limit,
                listener: AppointmentPageFeed(continuation)
            )
        }
    }

    /// The first `limit` conversations, the latest first, each with its newest message.
    public func threadUpdates(profileId: String, limit: UInt32 = 50) -> AsyncThrowingStream<ThreadPage, Error> {
        watchStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            try await self.watchThreads(profileId: profileId, limit: limit, listener: ThreadPageFeed(continuation))
        }
    }

    /// A conversation's first `limit` messages, oldest first, with the patient's own
    /// ones still on their way.
    public func messageUpdates(
        profileId: String,
        threadId: String,
        limit: UInt32 = 200
    ) -> AsyncThrowingStream<MessagePage, Error> {
        watchStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            try await self.watchMessages(
                profileId: profileId,
                threadId: threadId,
                limit: limit,
                listener: MessagePageFeed(continuation)
            )
        }
    }

    /// The first `limit` invoices, the latest first.
    public func invoiceUpdates(profileId: String, limit: UInt32 = 50) -> AsyncThrowingStream<InvoicePage, Error> {
        watchStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            try await self.watchInvoices(profileId: profileId, limit: limit, listener: InvoicePageFeed(continuation))
        }
    }

    /// The first `limit` documents, the latest first, each with where its bytes are on
    /// this device.
    public func documentUpdates(profileId: String, limit: UInt32 = 50) -> AsyncThrowingStream<DocumentPage, Error> {
        watchStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            try await self.watchDocuments(profileId: profileId, limit: limit, listener: DocumentPageFeed(continuation))
        }
    }

    /// The first `limit` forms, each with its draft or submitted answers.
    public func formUpdates(profileId: String, limit: UInt32 = 50) -> AsyncThrowingStream<FormPage, Error> {
        watchStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            try await self.watchForms(profileId: profileId, limit: limit, listener: FormPageFeed(continuation))
        }
    }

    /// The patient's profile (name, date of birth, contact details) with contact
    /// changes not yet sent already applied; `nil` once the account no longer has it.
    public func profileUpdates(profileId: String) -> AsyncThrowingStream<PatientProfile?, Error> {
        watchStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            try await self.watchProfile(profileId: profileId, listener: ProfileFeed(continuation))
        }
    }
}

// MARK: - Writes, sync and changes

extension PortalClientProtocol {
    /// Every write not yet settled, oldest first: the "waiting to send" list.
    public func outboxUpdates() -> AsyncThrowingStream<[OutboxItem], Error> {
        watchStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            try await self.watchOutbox(listener: OutboxFeed(continuation))
        }
    }

    /// One write at each move (queued, sending, sent, failed with its `refusal`), then
    /// `nil` once it is settled; the stream finishes after that `nil`. No move is
    /// dropped.
    public func writeUpdates(id: String) -> AsyncThrowingStream<OutboxItem?, Error> {
        watchStream(bufferingPolicy: .unbounded) { continuation in
            try await self.watchWrite(id: id, listener: WriteFeed(continuation))
        }
    }

    /// Where syncing stands, now and at each move: for a status line, an offline
    /// banner and the first sync's progress. It goes on across lock and unlock.
    public func syncStates() -> AsyncStream<SyncState> {
        eventStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            await self.watchSyncState(listener: SyncStateFeed(continuation))
        }
    }

    /// Every change the core reports (records, writes, sync, session), none dropped.
    /// Only changes from the moment the stream is made are heard: make it before
    /// signing in to hear the first sync.
    public func changes() -> AsyncStream<Change> {
        eventStream(bufferingPolicy: .unbounded) { continuation in
            await self.listen(listener: ChangeFeed(continuation))
        }
    }
}

// MARK: - The onboarding flow

extension FlowProtocol {
    /// The onboarding flow's states, from the current one on: draw the newest.
    public func states() -> AsyncStream<FlowState> {
        AsyncStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            let feed = FlowStateFeed(continuation)
            let holder = SubscriptionHolder()
            continuation.onTermination = { _ in holder.end() }
            // The state now, at once; then every move the listener hears. A move
            // between this read and the listener's start is caught by reading again.
            feed.deliverCurrent { self.state() }
            Task {
                guard !holder.isEnded else { return }
                let subscription = await self.listen(listener: feed)
                holder.hold(subscription)
                feed.deliverCurrent { self.state() }
            }
        }
    }
}

// MARK: - How a watch becomes a stream

/// Keeps a watch's `Subscription` for its stream's termination handler, and stops it
/// when the stream ends, even if the watch only started after that.
final class SubscriptionHolder: @unchecked Sendable {
    private let lock = NSLock()
    private var subscription: Subscription?
    private var ended = false

    /// Whether the stream has ended (no watch should start then).
    var isEnded: Bool {
        lock.lock()
        defer { lock.unlock() }
        return ended
    }

    /// Keeps `subscription` until the stream ends; stops it at once if it already has.
    func hold(_ subscription: Subscription) {
        lock.lock()
        let keep = !ended
        if keep {
            self.subscription = subscription
        }
        lock.unlock()
        if !keep {
            subscription.stop()
        }
    }

    /// The stream ended: stops the watch (now, or as soon as it has started).
    func end() {
        lock.lock()
        ended = true
        let held = subscription
        subscription = nil
        lock.unlock()
        held?.stop()
    }
}

/// A stream fed by a watch that `start` begins, handing the core a listener that
/// yields into `continuation`. If starting fails, the stream finishes with that error.
func watchStream<Element>(
    bufferingPolicy: AsyncThrowingStream<Element, Error>.Continuation.BufferingPolicy,
    start: @escaping @Sendable (AsyncThrowingStream<Element, Error>.Continuation) async throws -> Subscription
) -> AsyncThrowingStream<Element, Error> {
    AsyncThrowingStream(bufferingPolicy: bufferingPolicy) { continuation in
        let holder = SubscriptionHolder()
        continuation.onTermination = { _ in holder.end() }
        Task {
            guard !holder.isEnded else { return }
            do {
                let subscription = try await start(continuation)
                holder.hold(subscription)
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }
}

/// As `watchStream`, for the watches that cannot fail to start.
func eventStream<Element>(
    bufferingPolicy: AsyncStream<Element>.Continuation.BufferingPolicy,
    start: @escaping @Sendable (AsyncStream<Element>.Continuation) async -> Subscription
) -> AsyncStream<Element> {
    AsyncStream(bufferingPolicy: bufferingPolicy) { continuation in
        let holder = SubscriptionHolder()
        continuation.onTermination = { _ in holder.end() }
        Task {
            guard !holder.isEnded else { return }
            let subscription = await start(continuation)
            holder.hold(subscription)
        }
    }
}

// MARK: - The listeners: each only yields into its stream

final class HomeFeed: HomeListener, @unchecked Sendable {
    private let continuation: AsyncThrowingStream<Home, Error>.Continuation

    init(_ continuation: AsyncThrowingStream<Home, Error>.Continuation) {
        self.continuation = continuation
    }

    func onHome(home: Home) {
        continuation.yield(home)
    }
}

final class AppointmentPageFeed: AppointmentPageListener, @unchecked Sendable {
    private let continuation: AsyncThrowingStream<AppointmentPage, Error>.Continuation

    init(_ continuation: AsyncThrowingStream<AppointmentPage, Error>.Continuation) {
        self.continuation = continuation
    }

    func onPage(page: AppointmentPage) {
        continuation.yield(page)
    }
}

final class ThreadPageFeed: ThreadPageListener, @unchecked Sendable {
    private let continuation: AsyncThrowingStream<ThreadPage, Error>.Continuation

    init(_ continuation: AsyncThrowingStream<ThreadPage, Error>.Continuation) {
        self.continuation = continuation
    }

    func onPage(page: ThreadPage) {
        continuation.yield(page)
    }
}

final class MessagePageFeed: MessagePageListener, @unchecked Sendable {
    private let continuation: AsyncThrowingStream<MessagePage, Error>.Continuation

    init(_ continuation: AsyncThrowingStream<MessagePage, Error>.Continuation) {
        self.continuation = continuation
    }

    func onPage(page: MessagePage) {
        continuation.yield(page)
    }
}

final class InvoicePageFeed: InvoicePageListener, @unchecked Sendable {
    private let continuation: AsyncThrowingStream<InvoicePage, Error>.Continuation

    init(_ continuation: AsyncThrowingStream<InvoicePage, Error>.Continuation) {
        self.continuation = continuation
    }

    func onPage(page: InvoicePage) {
        continuation.yield(page)
    }
}

final class DocumentPageFeed: DocumentPageListener, @unchecked Sendable {
    private let continuation: AsyncThrowingStream<DocumentPage, Error>.Continuation

    init(_ continuation: AsyncThrowingStream<DocumentPage, Error>.Continuation) {
        self.continuation = continuation
    }

    func onPage(page: DocumentPage) {
        continuation.yield(page)
    }
}

final class FormPageFeed: FormPageListener, @unchecked Sendable {
    private let continuation: AsyncThrowingStream<FormPage, Error>.Continuation

    init(_ continuation: AsyncThrowingStream<FormPage, Error>.Continuation) {
        self.continuation = continuation
    }

    func onPage(page: FormPage) {
        continuation.yield(page)
    }
}

final class ProfileFeed: ProfileListener, @unchecked Sendable {
    private let continuation: AsyncThrowingStream<PatientProfile?, Error>.Continuation

    init(_ continuation: AsyncThrowingStream<PatientProfile?, Error>.Continuation) {
        self.continuation = continuation
    }

    func onProfile(profile: PatientProfile?) {
        continuation.yield(profile)
    }
}

final class OutboxFeed: OutboxListener, @unchecked Sendable {
    private let continuation: AsyncThrowingStream<[OutboxItem], Error>.Continuation

    init(_ continuation: AsyncThrowingStream<[OutboxItem], Error>.Continuation) {
        self.continuation = continuation
    }

    func onOutbox(items: [OutboxItem]) {
        continuation.yield(items)
    }
}

/// Yields each move of one write, and finishes the stream once it is settled (`nil`).
final class WriteFeed: WriteListener, @unchecked Sendable {
    private let continuation: AsyncThrowingStream<OutboxItem?, Error>.Continuation

    init(_ continuation: AsyncThrowingStream<OutboxItem?, Error>.Continuation) {
        self.continuation = continuation
    }

    func onWrite(item: OutboxItem?) {
        continuation.yield(item)
        if item == nil {
            continuation.finish()
        }
    }
}

final class SyncStateFeed: SyncStateListener, @unchecked Sendable {
    private let continuation: AsyncStream<SyncState>.Continuation

    init(_ continuation: AsyncStream<SyncState>.Continuation) {
        self.continuation = continuation
    }

    func onSyncState(state: SyncState) {
        continuation.yield(state)
    }
}

final class ChangeFeed: ChangeListener, @unchecked Sendable {
    private let continuation: AsyncStream<Change>.Continuation

    init(_ continuation: AsyncStream<Change>.Continuation) {
        self.continuation = continuation
    }

    func onChange(change: Change) {
        continuation.yield(change)
    }
}

/// Yields the flow's states in order, each once. The listener's states and the ones
/// read directly go through one lock, and a direct read happens under it: a state read
/// directly is never yielded after a newer one the listener heard. A state equal to
/// the last one yielded is skipped.
final class FlowStateFeed: FlowListener, @unchecked Sendable {
    private let continuation: AsyncStream<FlowState>.Continuation
    private let lock = NSLock()
    private var last: FlowState?

    init(_ continuation: AsyncStream<FlowState>.Continuation) {
        self.continuation = continuation
    }

    func onState(state: FlowState) {
        deliverCurrent { state }
    }

    /// Reads the state with `read` and yields it, under the lock.
    func deliverCurrent(_ read: () -> FlowState) {
        lock.lock()
        defer { lock.unlock() }
        let state = read()
        guard state != last else { return }
        last = state
        continuation.yield(state)
    }
}

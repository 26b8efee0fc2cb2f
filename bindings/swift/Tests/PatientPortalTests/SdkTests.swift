// A native app's whole path through the Swift SDK (the generated bindings and the
// async layer in Sources/PatientPortal), against the real server binary over loopback
// HTTP. The core's own background sync runs, as on a phone. The same tests as
// bindings/tests/kotlin/SdkTest.kt.
import Foundation
import PatientPortal
import XCTest

final class SdkTests: XCTestCase {
    func testInviteLinkFlowPasswordFirstSyncAppointments() async throws {
        let practice = try Practice()
        defer { practice.close() }
        let data = try DataDir()
        defer { data.close() }
        let (patientId, link) = try await practice.invite(firstName: "Jordan", email: "jordan@example.com")
        let visit = try await practice.appointment(patientId: patientId, startsAt: inDays(3))
        let portal = try PortalClient(
            options: ClientOptions(serverUrl: practice.base, dataDir: data.path),
            secretStore: MemorySecretStore()
        )
        let flow = portal.flow()

        let choose = await flow.openLink(link: link)
        guard case let .choosePassword(invite, _, _) = choose, invite.patientFirstName == "Jordan" else {
            XCTFail("choose: \(choose)")
            return
        }
        let done = await flow.submitPassword(password: password)
        guard case .signedIn = done else {
            XCTFail("after the password: \(done)")
            return
        }
        let now = try await firstValue("the flow's state", of: flow.states()) { _ in true }
        guard case .signedIn = now else {
            XCTFail("the flow's state: \(now)")
            return
        }

        // The core's first sync runs by itself; its state says how far it is.
        let synced = try await firstValue("the first sync", of: portal.syncStates()) { $0.phase.isUpToDate }
        XCTAssertNotNil(synced.lastSuccess, "synced: \(synced)")
        XCTAssertFalse(synced.firstSync, "synced: \(synced)")
        let page = try await firstValue(
            "the appointment",
            of: portal.appointmentUpdates(profileId: patientId, upcoming: true)
        ) { !$0.items.isEmpty }
        XCTAssertEqual(page.items.map(\.id), [visit], "page: \(page)")
        XCTAssertEqual(page.items.first?.status, .scheduled, "page: \(page)")
        let home = try await firstValue("home", of: portal.homeUpdates(profileId: patientId)) {
            $0.nextAppointment != nil
        }
        XCTAssertEqual(home.nextAppointment?.id, visit, "home: \(home)")
        try await portal.logout()
    }

    func testMessageWrittenOfflineIsSentAfterReconnecting() async throws {
        let practice = try Practice()
        defer { practice.close() }
        let data = try DataDir()
        defer { data.close() }
        let (patientId, link) = try await practice.invite(firstName: "Casey", email: "casey@example.com")
        let (threadId, _) = try await practice.message(patientId: patientId, subject: "Lab results", body: "Your results are in.")
        let (portal, _) = try await signedIn(practice, data, link: link)
        _ = try await firstValue("the practice's thread", of: portal.threadUpdates(profileId: patientId)) { page in
            page.items.contains { $0.thread.id == threadId }
        }

        practice.stop()
        portal.networkChanged()
        _ = try await firstValue("offline", of: portal.syncStates()) { $0.phase.isOffline }
        let text = "Thank you, see you Tuesday"
        let item = try await portal.sendMessage(profileId: patientId, to: .thread(threadId: threadId), body: text)
        XCTAssertEqual(item.kind, .sendMessage, "item: \(item)")
        let localId = try XCTUnwrap(item.localMessageId, "item: \(item)")
        // Shown at once, kept on the device, waiting in the outbox.
        let local = try await firstValue(
            "the message shown",
            of: portal.messageUpdates(profileId: patientId, threadId: threadId)
        ) { page in
            page.items.contains { $0.id == localId }
        }
        XCTAssertEqual(local.items.last?.body, text, "page: \(local)")
        let waiting = try await firstValue("the outbox", of: portal.outboxUpdates()) { !$0.isEmpty }
        XCTAssertEqual(waiting.map(\.id), [item.id], "waiting: \(waiting)")
        XCTAssertTrue([WriteStatus.queued, .sending].contains(waiting[0].status), "waiting: \(waiting)")
        try await Task.sleep(nanoseconds: 1_500_000_000)
        let still = try await portal.outboxItem(id: item.id)
        XCTAssertEqual(still?.status, .queued, "not still queued while offline: \(String(describing: still))")

        try practice.start()
        portal.networkChanged()
        let moves = try await allValues("the write to settle", of: portal.writeUpdates(id: item.id))
        XCTAssertTrue(moves.last.map { $0 == nil } ?? false, "the write never settled: \(moves)")
        _ = try await firstValue("an empty outbox", of: portal.outboxUpdates()) { $0.isEmpty }
        let sent = try await firstValue(
            "the server's copy",
            of: portal.messageUpdates(profileId: patientId, threadId: threadId)
        ) { page in
            page.items.contains { $0.body == text && !$0.id.hasPrefix("local-") }
        }
        XCTAssertFalse(sent.items.contains { $0.id == localId }, "the local copy stayed: \(sent)")
        try await portal.logout()
    }

    func testCancellingTooLateIsRefusedInWordsAndTheAppointmentIsBack() async throws {
        let practice = try Practice()
        defer { practice.close() }
        let data = try DataDir()
        defer { data.close() }
        let (patientId, link) = try await practice.invite(firstName: "Robin", email: "robin@example.com")
        let soon = try await practice.appointment(patientId: patientId, startsAt: Date().addingTimeInterval(2 * 3600))
        let (portal, _) = try await signedIn(practice, data, link: link)
        _ = try await firstValue("the visit", of: portal.appointmentUpdates(profileId: patientId, upcoming: true)) { page in
            page.items.contains { $0.id == soon }
        }

        let item = try await portal.cancelAppointment(profileId: patientId, appointmentId: soon, reason: "I feel better")
        XCTAssertEqual(item.kind, .cancelAppointment, "item: \(item)")
        let refused = try await firstValue("the refusal", of: portal.writeUpdates(id: item.id)) {
            $0?.status == .failed
        }
        let refusal = try XCTUnwrap(refused?.refusal, "refused: \(String(describing: refused))")
        XCTAssertEqual(refusal.code, .tooLate, "refusal: \(refusal)")
        XCTAssertNotNil(refusal.message.range(of: "too late", options: .caseInsensitive), "words: \(refusal.message)")
        let page = try await firstValue(
            "the visit as it was",
            of: portal.appointmentUpdates(profileId: patientId, upcoming: true)
        ) { page in
            page.items.contains { $0.id == soon && $0.status == .scheduled }
        }
        XCTAssertFalse(page.items.isEmpty)
        let discarded = try await portal.discardWrite(id: item.id)
        XCTAssertTrue(discarded, "discard")
        let left = try await portal.outboxItems()
        XCTAssertTrue(left.isEmpty, "the outbox keeps a discarded write: \(left)")
        try await portal.logout()
    }

    func testDocumentDownloadsWithProgressAndExportsAsShared() async throws {
        let practice = try Practice()
        defer { practice.close() }
        let data = try DataDir()
        defer { data.close() }
        let (patientId, link) = try await practice.invite(firstName: "Avery", email: "avery@example.com")
        var generator = SplitMix64(seed: 7)
        let bytes = Data((0..<(700 * 1024)).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let documentId = try await practice.document(patientId: patientId, title: "Lab report", bytes: bytes)
        let (portal, _) = try await signedIn(practice, data, link: link)
        let listed = try await firstValue("the document", of: portal.documentUpdates(profileId: patientId)) { page in
            page.items.contains { $0.document.id == documentId }
        }
        XCTAssertEqual(listed.items.count, 1, "listed: \(listed)")
        XCTAssertEqual(listed.items.first?.offline, .notDownloaded, "listed: \(listed)")

        let steps = try await allValues("the download", of: portal.download(documentId: documentId), within: 30)
        var progress: [DownloadEvent] = []
        var received: [UInt64] = []
        for step in steps {
            if case let .progress(got, _) = step {
                progress.append(step)
                received.append(got)
            }
        }
        XCTAssertGreaterThanOrEqual(progress.count, 3, "progress: \(progress)")
        XCTAssertEqual(received, received.sorted(), "progress went back: \(progress)")
        XCTAssertEqual(received.last, UInt64(bytes.count), "last: \(String(describing: progress.last))")
        XCTAssertEqual(progress.last?.fraction, 1.0, "last: \(String(describing: progress.last))")
        XCTAssertEqual(steps.last, .done(.available), "end: \(String(describing: steps.last))")

        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("portal-export-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("report.pdf")
        let written = try await portal.exportDocument(documentId: documentId, destinationPath: out.path)
        XCTAssertEqual(written, UInt64(bytes.count))
        XCTAssertEqual(try Data(contentsOf: out), bytes, "the export differs")

        do {
            _ = try await portal.downloadDocument(documentId: "doc_not_here", listener: nil)
            XCTFail("an unknown document downloaded")
        } catch PortalError.UnknownDocument {
            // Expected: not in the offline copy.
        }
        try await portal.logout()
    }

    func testSearchFindsMessagesAndDocumentsOnTheDevice() async throws {
        let practice = try Practice()
        defer { practice.close() }
        let data = try DataDir()
        defer { data.close() }
        let (patientId, link) = try await practice.invite(firstName: "Morgan", email: "morgan@example.com")
        let (threadId, messageId) = try await practice.message(
            patientId: patientId,
            subject: "Your visit",
            body: "Bring your inhaler and the allergy results."
        )
        let documentId = try await practice.document(patientId: patientId, title: "Allergy panel", bytes: Data("%PDF-1.4".utf8))
        let (portal, _) = try await signedIn(practice, data, link: link)
        _ = try await firstValue("the document", of: portal.documentUpdates(profileId: patientId)) { !$0.items.isEmpty }

        let hits = try await portal.find(profileId: patientId, query: "allerg", limit: 10)
        let messages = hits.filter { $0.kind == .message }
        XCTAssertEqual(messages.count, 1, "hits: \(hits)")
        let message = try XCTUnwrap(messages.first, "hits: \(hits)")
        XCTAssertEqual(message.id, messageId, "message hit: \(message)")
        XCTAssertEqual(message.threadId, threadId, "message hit: \(message)")
        XCTAssertNotNil(message.snippet.range(of: "allergy", options: .caseInsensitive), "snippet: \(message.snippet)")
        let documents = hits.filter { $0.kind == .document }
        XCTAssertEqual(documents.count, 1, "hits: \(hits)")
        let document = try XCTUnwrap(documents.first, "hits: \(hits)")
        XCTAssertEqual(document.id, documentId, "document hit: \(document)")
        XCTAssertEqual(document.title, "Allergy panel", "document hit: \(document)")
        let nothing = try await portal.find(profileId: patientId, query: "zebra", limit: 10)
        XCTAssertTrue(nothing.isEmpty, "found what is not there: \(nothing)")
        try await portal.logout()
    }

    func testLockAndUnlockWithTheOfflineCopyClosedBetween() async throws {
        let practice = try Practice()
        defer { practice.close() }
        let data = try DataDir()
        defer { data.close() }
        let (patientId, link) = try await practice.invite(firstName: "Quinn", email: "quinn@example.com")
        let (portal, account) = try await signedIn(practice, data, link: link)
        guard case .unlocked = portal.lockState() else {
            XCTFail("state: \(portal.lockState())")
            return
        }

        // A stopped watch hears nothing more.
        let heard = CountingHomeListener()
        let subscription = try await portal.watchHome(profileId: patientId, listener: heard)
        XCTAssertEqual(heard.count, 1, "heard \(heard.count) times at once")
        subscription.stop()
        _ = try await practice.message(patientId: patientId, subject: "Hello", body: "A note from your care team.")
        _ = try await firstValue("the unread message", of: portal.homeUpdates(profileId: patientId)) {
            $0.unreadMessages == 1
        }
        XCTAssertEqual(heard.count, 1, "a stopped watch heard \(heard.count) times")

        portal.lock()
        let locked = portal.lockState()
        guard case let .locked(_, email) = locked, email == "quinn@example.com" else {
            XCTFail("locked: \(locked)")
            return
        }
        do {
            _ = try await portal.home(profileId: patientId)
            XCTFail("read while locked")
        } catch PortalError.Locked {
            // Expected: the offline copy is closed.
        }
        do {
            _ = try await portal.unlock(password: "not the password")
            XCTFail("a wrong password unlocked")
        } catch let PortalError.WrongPassword(attemptsLeft) {
            XCTAssertEqual(attemptsLeft, 4, "attempts left: \(attemptsLeft)")
        }
        let back = try await portal.unlock(password: password)
        XCTAssertEqual(back.accountId, account.accountId, "unlocked as \(back)")
        let home = try await portal.home(profileId: patientId)
        XCTAssertEqual(home.unreadMessages, 1, "the copy after unlock: \(home)")
        try await portal.logout()
    }

    func testGuardianSwitchesToAChildsProfile() async throws {
        let practice = try Practice()
        defer { practice.close() }
        let data = try DataDir()
        defer { data.close() }
        let (alexId, link) = try await practice.invite(firstName: "Alex", email: "alex@example.com")
        let (portal, _) = try await signedIn(practice, data, link: link)
        let provider = try await practice.providerOf(alexId)
        let (miaId, miaLink) = try await practice.child(firstName: "Mia", guardianEmail: "alex@example.com", providerId: provider)
        let visit = try await practice.appointment(patientId: miaId, startsAt: inDays(5))

        let token = try portal.parseLink(link: miaLink).token()
        let claimed = try await portal.claimInvite(token: token)
        XCTAssertEqual(Set(claimed.profiles.map(\.patientId)), [alexId, miaId], "profiles: \(claimed.profiles)")
        XCTAssertEqual(claimed.currentProfileId, alexId, "claiming changed the profile in use")
        let picked = try await portal.selectProfile(patientId: miaId)
        XCTAssertEqual(picked.currentProfileId, miaId, "picked: \(picked)")
        let page = try await firstValue(
            "Mia's visit",
            of: portal.appointmentUpdates(profileId: miaId, upcoming: true)
        ) { !$0.items.isEmpty }
        XCTAssertEqual(page.items.map(\.id), [visit], "Mia's page: \(page)")
        let alexPage = try await portal.appointmentPage(profileId: alexId, upcoming: true, limit: 10, after: nil)
        XCTAssertTrue(alexPage.items.isEmpty, "Alex sees Mia's visit: \(alexPage)")
        do {
            _ = try await portal.selectProfile(patientId: "pat_not_mine")
            XCTFail("selected a stranger's profile")
        } catch PortalError.UnknownProfile {
            // Expected: not one of the account's profiles.
        }
        try await portal.logout()
    }
}

/// Counts what a watch of the home screen hears.
final class CountingHomeListener: HomeListener, @unchecked Sendable {
    private let lock = NSLock()
    private var heard = 0

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return heard
    }

    func onHome(home: Home) {
        lock.lock()
        defer { lock.unlock() }
        heard += 1
    }
}

/// A seeded generator, for the same bytes on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

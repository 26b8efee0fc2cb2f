// What the Swift tests share: the real server binary on loopback (stoppable and
// restartable on its port, to take the network away), its admin API as a practice
// uses it, a host secret store, and waiting with a deadline. The server binary is
// PORTAL_SERVER_BIN (`cargo build -p portal-server`, target/debug/portal-server).
import Foundation
import PatientPortal

let adminToken = "swift-binding-admin-Lk3Vx8Qw1Nz6Rp4Hc9Tm2Bj7Fd5Gs0"
let password = "river otter paints blue"

/// A test's failure in words (a setup step that did not work, a wait that timed out).
struct TestFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// A host-side secret store, as an app would implement over its keychain.
final class MemorySecretStore: SecretStore, @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String: String] = [:]

    func get(key: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        return items[key]
    }

    func set(key: String, value: String) {
        lock.lock()
        defer { lock.unlock() }
        items[key] = value
    }

    func delete(key: String) {
        lock.lock()
        defer { lock.unlock() }
        items.removeValue(forKey: key)
    }
}

/// The real server binary and its admin API. `stop()` and `start()` take it off and
/// back on its port.
final class Practice {
    private let directory: URL
    private var process: Process?
    private var listen = "127.0.0.1:0"
    private(set) var base = ""
    private let session = URLSession(configuration: .ephemeral)

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("portal-swift-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            try start()
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Starts the server (again, on the same port and database after `stop()`).
    func start() throws {
        guard let binary = ProcessInfo.processInfo.environment["PORTAL_SERVER_BIN"], !binary.isEmpty else {
            throw TestFailure("PORTAL_SERVER_BIN is not set: build the server (cargo build -p portal-server) and set it to target/debug/portal-server")
        }
        let server = Process()
        server.executableURL = URL(fileURLWithPath: binary)
        server.arguments = [
            "serve",
            "--listen", listen,
            "--database", "sqlite://\(directory.path)/portal.db",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["PORTAL_ADMIN_TOKEN"] = adminToken
        // The tests read invite links from the built-in outbox.
        environment["PORTAL_OUTBOX_API"] = "true"
        server.environment = environment
        let output = Pipe()
        server.standardOutput = output
        server.standardError = FileHandle.nullDevice
        try server.run()
        process = server

        let printed = firstLine(of: output.fileHandleForReading)
        // Whatever the server prints later is read and dropped, so it never blocks on a
        // full pipe.
        output.fileHandleForReading.readabilityHandler = { handle in
            if handle.availableData.isEmpty {
                handle.readabilityHandler = nil
            }
        }
        let prefix = "portal-server listening on "
        guard let line = printed, line.hasPrefix(prefix) else {
            stop()
            let shown = printed.map { "'\($0)'" } ?? "nothing"
            throw TestFailure("the server printed \(shown) instead of its address")
        }
        base = String(line.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
        if base.hasPrefix("http://") {
            listen = String(base.dropFirst("http://".count))
        }
    }

    /// Stops the server: the client is offline until `start()`.
    func stop() {
        guard let server = process else { return }
        if server.isRunning {
            server.terminate()
        }
        server.waitUntilExit()
        process = nil
    }

    /// Stops the server and removes its database.
    func close() {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The first line `handle` gives (blocking until it does), or nil at its end.
    private func firstLine(of handle: FileHandle) -> String? {
        var bytes = Data()
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty {
                break
            }
            bytes.append(chunk)
            if let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) {
                return String(decoding: bytes[..<newline], as: UTF8.self)
            }
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    // MARK: The admin API

    private func send(_ request: URLRequest, _ what: String) async throws -> String {
        var request = request
        request.setValue("Bearer \(adminToken)", forHTTPHeaderField: "Authorization")
        let (body, response) = try await session.data(for: request)
        let text = String(decoding: body, as: UTF8.self)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200...299).contains(status) else {
            throw TestFailure("\(what): \(status) \(text)")
        }
        return text
    }

    private func url(_ path: String) throws -> URL {
        guard let url = URL(string: "\(base)/v1/admin/\(path)") else {
            throw TestFailure("not a URL: \(base)/v1/admin/\(path)")
        }
        return url
    }

    func call(_ method: String, _ path: String, _ body: [String: Any]?) async throws -> String {
        var request = URLRequest(url: try url(path))
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body, options: [.withoutEscapingSlashes])
        }
        return try await send(request, "\(method) \(path)")
    }

    /// The string field `name` of a JSON answer.
    func field(_ json: String, _ name: String) throws -> String {
        let pattern = "\"\(NSRegularExpression.escapedPattern(for: name))\":\"([^\"]+)\""
        let expression = try NSRegularExpression(pattern: pattern)
        let range = NSRange(json.startIndex..., in: json)
        guard let match = expression.firstMatch(in: json, range: range),
              let value = Range(match.range(at: 1), in: json) else {
            throw TestFailure("no \(name) in \(json)")
        }
        return String(json[value])
    }

    /// Adds a patient (with a provider of their own) and returns (patient id, invite link).
    func invite(firstName: String, email: String) async throws -> (patientId: String, link: String) {
        let providerAnswer = try await call("POST", "providers", ["name": "Dr. Maya Okafor", "email": "dr+\(email)"])
        let provider = try field(providerAnswer, "provider_id")
        let patientAnswer = try await call("POST", "patients", [
            "first_name": firstName,
            "last_name": "Rivera",
            "email": email,
            "primary_provider_id": provider,
        ])
        let patient = try field(patientAnswer, "patient_id")
        let link = try await lastLink()
        return (patient, link)
    }

    /// Adds a child whose guardian has `guardianEmail`; returns (child id, invite link).
    func child(firstName: String, guardianEmail: String, providerId: String) async throws -> (patientId: String, link: String) {
        let answer = try await call("POST", "patients", [
            "first_name": firstName,
            "last_name": "Rivera",
            "primary_provider_id": providerId,
            "guardian": ["name": "Alex Rivera", "email": guardianEmail],
        ])
        let patient = try field(answer, "patient_id")
        let link = try await lastLink()
        return (patient, link)
    }

    func providerOf(_ patientId: String) async throws -> String {
        let answer = try await call("GET", "patients/\(patientId)", nil)
        return try field(answer, "primary_provider_id")
    }

    /// Books a telehealth visit with the patient's primary provider; its id.
    func appointment(patientId: String, startsAt: Date) async throws -> String {
        let provider = try await providerOf(patientId)
        let answer = try await call("POST", "appointments", [
            "patient_id": patientId,
            "provider_id": provider,
            "starts_at": instant(startsAt),
            "duration_minutes": 30,
            "kind": "telehealth",
            "telehealth_url": "https://video.example.org/room/4",
        ])
        return try field(answer, "appointment_id")
    }

    /// A message from the patient's provider, in a new thread; (thread id, message id).
    func message(patientId: String, subject: String, body: String) async throws -> (threadId: String, messageId: String) {
        let provider = try await providerOf(patientId)
        let answer = try await call("POST", "messages", [
            "patient_id": patientId,
            "provider_id": provider,
            "subject": subject,
            "body": body,
        ])
        let threadId = try field(answer, "thread_id")
        let messageId = try field(answer, "message_id")
        return (threadId, messageId)
    }

    /// Shares a document (multipart upload, as the practice's staff do); its id.
    func document(patientId: String, title: String, bytes: Data, contentType: String = "application/pdf") async throws -> String {
        let boundary = "portal-\(UUID().uuidString)"
        var body = Data()
        func part(_ headers: String, _ content: Data) {
            body.append(Data("--\(boundary)\r\n\(headers)\r\n\r\n".utf8))
            body.append(content)
            body.append(Data("\r\n".utf8))
        }
        part("Content-Disposition: form-data; name=\"patient_id\"", Data(patientId.utf8))
        part("Content-Disposition: form-data; name=\"title\"", Data(title.utf8))
        part("Content-Disposition: form-data; name=\"file\"; filename=\"\(title).pdf\"\r\nContent-Type: \(contentType)", bytes)
        body.append(Data("--\(boundary)--\r\n".utf8))
        var request = URLRequest(url: try url("documents"))
        request.httpMethod = "POST"
        request.setValue("multipart/form-data; boundary=\(boundary)", forHTTPHeaderField: "Content-Type")
        request.httpBody = body
        let answer = try await send(request, "POST documents")
        return try field(answer, "document_id")
    }

    func resend(patientId: String) async throws -> String {
        _ = try await call("POST", "patients/\(patientId)/invite", [:])
        return try await lastLink()
    }

    /// The link of the last email the server sent.
    func lastLink() async throws -> String {
        let outbox = try await call("GET", "outbox", nil)
        let expression = try NSRegularExpression(pattern: "\"links\":\\[\"([^\"]+)\"")
        let matches = expression.matches(in: outbox, range: NSRange(outbox.startIndex..., in: outbox))
        guard let last = matches.last, let link = Range(last.range(at: 1), in: outbox) else {
            throw TestFailure("no link in the outbox: \(outbox)")
        }
        return String(outbox[link])
    }

    /// An instant as the server reads it: RFC 3339 in UTC, with milliseconds.
    private func instant(_ date: Date) -> String {
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return format.string(from: date)
    }
}

/// A fresh data directory for one client; `close()` removes it.
final class DataDir {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("portal-swift-data-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var path: String { url.path }

    func close() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// `days` from now, to the millisecond.
func inDays(_ days: Double) -> Date {
    let millis = (Date().addingTimeInterval(days * 86_400).timeIntervalSince1970 * 1000).rounded(.down)
    return Date(timeIntervalSince1970: millis / 1000)
}

// MARK: Waiting with a deadline

/// Carries a value into a child task; the tests hand each value to one task at a time.
struct Handed<Value>: @unchecked Sendable {
    let value: Value
}

/// `work`'s result, or a failure naming `what` once `seconds` have passed (the work's
/// task is then cancelled, which ends any stream it was iterating).
func withDeadline<Value>(
    _ seconds: Double,
    _ what: String,
    _ work: @escaping () async throws -> Value
) async throws -> Value {
    let job = Handed(value: work)
    return try await withThrowingTaskGroup(of: Handed<Value>.self) { group in
        group.addTask {
            Handed(value: try await job.value())
        }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
            throw TestFailure("timed out after \(Int(seconds)) s waiting for \(what)")
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else {
            throw TestFailure("nothing came for \(what)")
        }
        return first.value
    }
}

/// The first element of `sequence` that `matches`, or a failure naming `what` after
/// `seconds` (or when the sequence ends first).
func firstValue<Events: AsyncSequence>(
    _ what: String,
    of sequence: Events,
    within seconds: Double = 20,
    where matches: @escaping (Events.Element) -> Bool
) async throws -> Events.Element {
    let source = Handed(value: sequence)
    return try await withDeadline(seconds, what) {
        for try await element in source.value {
            if matches(element) {
                return element
            }
        }
        throw TestFailure("the stream ended before \(what)")
    }
}

/// Every element of `sequence` until it finishes, or a failure naming `what` after
/// `seconds`.
func allValues<Events: AsyncSequence>(
    _ what: String,
    of sequence: Events,
    within seconds: Double = 20
) async throws -> [Events.Element] {
    let source = Handed(value: sequence)
    return try await withDeadline(seconds, what) {
        var elements: [Events.Element] = []
        for try await element in source.value {
            elements.append(element)
        }
        return elements
    }
}

/// A client with its own data directory, signed in through an invite, and synced.
func signedIn(_ practice: Practice, _ data: DataDir, link: String) async throws -> (PortalClient, SignedIn) {
    let portal = try PortalClient(
        options: ClientOptions(serverUrl: practice.base, dataDir: data.path),
        secretStore: MemorySecretStore()
    )
    let token = try portal.parseLink(link: link).token()
    let account = try await portal.acceptInvite(token: token, password: password, deviceName: "swift sdk test")
    _ = try await firstValue("the first sync", of: portal.syncStates()) { $0.phase.isUpToDate }
    return (portal, account)
}

extension SyncPhase {
    var isUpToDate: Bool {
        if case .upToDate = self {
            return true
        }
        return false
    }

    var isOffline: Bool {
        if case .offline = self {
            return true
        }
        return false
    }
}

// The sample's state: one client, its onboarding flow, and, once signed in, the live
// queries of the profile in use. The screens only draw what is here.
import Foundation
import PatientPortal

/// What the main button does in the flow's current state.
enum NextAction: Equatable {
    case openLink
    case setPassword
    case renewInvite
    case signIn(email: String?)
    case unlock
    case signOut
    case wait

    var label: String {
        switch self {
        case .openLink: return "Open the invite"
        case .setPassword: return "Set the password"
        case .renewInvite: return "Send me a new invite"
        case .signIn: return "Sign in"
        case .unlock: return "Unlock"
        case .signOut: return "Sign out"
        case .wait: return "Please wait"
        }
    }

    var needsPassword: Bool {
        switch self {
        case .setPassword, .signIn, .unlock: return true
        case .openLink, .renewInvite, .signOut, .wait: return false
        }
    }
}

/// A problem of the sample's own (not the core's), already in words.
struct HelloProblem: Error {
    let sentence: String
}

/// Secrets in memory: enough for a sample, which forgets the session when it quits.
/// An app keeps them in the Keychain (`KeychainSecretStore`).
final class MemorySecrets: SecretStore, @unchecked Sendable {
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

@MainActor
final class HelloModel: ObservableObject {
    @Published var serverUrl: String
    @Published var link: String
    @Published var email = ""
    @Published var password = ""

    @Published private(set) var flowState: FlowState?
    /// The last thing that went wrong, in a sentence with its next step.
    @Published private(set) var problem: String?
    @Published private(set) var isWorking = false
    @Published private(set) var sync: SyncState?
    @Published private(set) var home: Home?
    @Published private(set) var unread: [ThreadItem] = []
    @Published private(set) var careTeam: [String: Provider] = [:]

    private var portal: PortalClient?
    private var flow: Flow?
    private var connectedUrl: String?
    private var flowWatch: Task<Void, Never>?
    private var watches: [Task<Void, Never>] = []
    private var watchedProfile: String?

    /// `arguments` as the command line gives them: `HelloPortal [server url] [invite link]`.
    init(arguments: [String]) {
        let given = HelloModel.positional(arguments)
        serverUrl = given.first ?? ""
        link = given.count > 1 ? given[1] : ""
    }

    /// The arguments that are not options (Xcode adds some, such as
    /// `-NSDocumentRevisionsDebugMode YES`).
    nonisolated static func positional(_ arguments: [String]) -> [String] {
        var found: [String] = []
        var skipNext = false
        for argument in arguments.dropFirst() {
            if skipNext {
                skipNext = false
            } else if argument.hasPrefix("-") {
                skipNext = !argument.contains("=")
            } else {
                found.append(argument)
            }
        }
        return found
    }

    var isSignedIn: Bool {
        if case .signedIn = flowState {
            return true
        }
        return false
    }

    /// The sign-in screen asks for an email when the flow does not know it.
    var asksForEmail: Bool {
        if case let .signIn(_, email, _) = flowState {
            return email == nil
        }
        return false
    }

    var canStartOver: Bool {
        guard let state = flowState else { return false }
        switch state {
        case .signedIn, .locked, .restoring, .checking, .welcome:
            return false
        default:
            return true
        }
    }

    var action: NextAction {
        guard let state = flowState else { return .openLink }
        switch state {
        case .welcome, .inviteRenewed, .forgotPassword, .join:
            return .openLink
        case .restoring, .checking:
            return .wait
        case .choosePassword, .resetPassword:
            return .setPassword
        case let .inviteUnusable(problem):
            return problem == .expired ? .renewInvite : .openLink
        case let .signIn(_, email, _):
            return .signIn(email: email)
        case .signedIn:
            return .signOut
        case .locked:
            return .unlock
        }
    }

    /// The main button: the next step of the flow's current state.
    func proceed() async {
        guard !isWorking else { return }
        isWorking = true
        defer { isWorking = false }
        problem = nil
        do {
            let flow = try connect()
            let next: FlowState
            switch action {
            case .openLink:
                let pasted = link.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !pasted.isEmpty else {
                    throw HelloProblem(sentence: "Paste the invite link from your email first, then press Open the invite again.")
                }
                next = await flow.openLink(link: pasted)
            case .setPassword:
                next = await flow.submitPassword(password: password)
            case .renewInvite:
                next = await flow.renewInvite()
            case let .signIn(known):
                next = await flow.signIn(email: known ?? email, password: password)
            case .unlock:
                next = await flow.unlock(password: password)
            case .signOut:
                next = await flow.signOut()
            case .wait:
                return
            }
            apply(next)
        } catch {
            problem = Words.sentence(for: error, doing: "connecting to the portal")
        }
    }

    /// Back to the start of the flow, to open another link.
    func startOver() {
        problem = nil
        if let flow {
            apply(flow.startOver())
        }
    }

    /// The flow of a client for the address typed (a new client if it changed).
    private func connect() throws -> Flow {
        let address = serverUrl.trimmingCharacters(in: .whitespacesAndNewlines)
        if let flow, address == connectedUrl {
            return flow
        }
        guard !address.isEmpty else {
            throw HelloProblem(sentence: "Type your practice's portal address first (such as https://portal.example-practice.org), then press the button again.")
        }
        stopWatching()
        flowWatch?.cancel()
        let data = FileManager.default.temporaryDirectory
            .appendingPathComponent("hello-portal-\(UUID().uuidString)", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        } catch {
            throw HelloProblem(sentence: "This Mac has no room for the portal's records (\(error.localizedDescription)). Free some space and try again.")
        }
        let options = ClientOptions(
            serverUrl: address,
            dataDir: data.path,
            deviceName: "Hello Portal on \(ProcessInfo.processInfo.hostName)"
        )
        let client = try PortalClient(options: options, secretStore: MemorySecrets())
        let started = client.flow()
        portal = client
        flow = started
        connectedUrl = address
        flowWatch = Task { [weak self] in
            for await state in started.states() {
                self?.apply(state)
            }
        }
        return started
    }

    private func apply(_ state: FlowState) {
        flowState = state
        if case let .signedIn(account, _, _, _) = state,
           let profileId = account.currentProfileId ?? account.profiles.first?.patientId {
            startWatching(profileId)
        } else {
            // Locked or signed out: the offline copy is closed and its watches with it.
            stopWatching()
        }
    }

    /// The live queries of the profile in use; each task ends its stream when cancelled.
    private func startWatching(_ profileId: String) {
        guard let portal, watchedProfile != profileId else { return }
        stopWatching()
        watchedProfile = profileId
        watches = [
            Task { [weak self] in
                for await state in portal.syncStates() {
                    self?.sync = state
                }
            },
            Task { [weak self] in
                do {
                    for try await home in portal.homeUpdates(profileId: profileId) {
                        self?.home = home
                        await self?.knowProvider(of: home.nextAppointment)
                    }
                } catch {
                    self?.problem = Words.sentence(for: error, doing: "showing your next appointment")
                }
            },
            Task { [weak self] in
                do {
                    for try await page in portal.threadUpdates(profileId: profileId) {
                        self?.unread = page.items.filter { $0.thread.unreadCount > 0 }
                    }
                } catch {
                    self?.problem = Words.sentence(for: error, doing: "showing your conversations")
                }
            },
        ]
    }

    private func stopWatching() {
        watches.forEach { $0.cancel() }
        watches = []
        watchedProfile = nil
        sync = nil
        home = nil
        unread = []
    }

    /// Loads the care team when an appointment names a provider not known yet (the
    /// team arrives with the first sync).
    private func knowProvider(of appointment: Appointment?) async {
        guard let appointment, careTeam[appointment.providerId] == nil,
              let portal, let profileId = watchedProfile else { return }
        do {
            let team = try await portal.careTeam(profileId: profileId)
            careTeam = Dictionary(team.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        } catch {
            problem = Words.sentence(for: error, doing: "finding who your appointment is with")
        }
    }
}

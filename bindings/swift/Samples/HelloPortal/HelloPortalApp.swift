// Hello portal: the smallest SwiftUI app on the SDK. It opens an invite link, sets the
// password, follows the first sync, and shows the next appointment and the unread
// conversations. Run it on a Mac with
//   cd bindings && swift run HelloPortal [server url] [invite link]
// (scripts/hello-kotlin.sh shows how to start a demo practice that prints both).
// An iOS app does the same, with KeychainSecretStore and its own screens.
import PatientPortal
import SwiftUI
#if os(macOS)
import AppKit
#endif

@main
struct HelloPortalApp: App {
    #if os(macOS)
    @NSApplicationDelegateAdaptor(AppDelegate.self) private var appDelegate
    #endif
    @StateObject private var model = HelloModel(arguments: CommandLine.arguments)

    var body: some Scene {
        WindowGroup("Hello Portal") {
            HelloView(model: model)
                .frame(minWidth: 520, minHeight: 600)
        }
    }
}

#if os(macOS)
/// Run from a terminal (`swift run`), the app is no bundle: this makes it a regular app
/// with a window in front and a Dock icon.
final class AppDelegate: NSObject, NSApplicationDelegate {
    func applicationDidFinishLaunching(_ notification: Notification) {
        NSApplication.shared.setActivationPolicy(.regular)
        NSApplication.shared.activate(ignoringOtherApps: true)
    }

    func applicationShouldTerminateAfterLastWindowClosed(_ sender: NSApplication) -> Bool {
        true
    }
}
#endif

/// The one screen: where to connect, what the flow says and asks, then the portal.
struct HelloView: View {
    @ObservedObject var model: HelloModel

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 16) {
                connection
                situation
                if model.isSignedIn {
                    syncing
                    nextAppointment
                    conversations
                }
            }
            .padding(20)
        }
    }

    private var connection: some View {
        GroupBox {
            VStack(alignment: .leading, spacing: 8) {
                TextField("Portal address, such as https://portal.example-practice.org", text: $model.serverUrl)
                TextField("Invite link from your email", text: $model.link)
                if model.asksForEmail {
                    TextField("Email", text: $model.email)
                }
                if model.action.needsPassword {
                    SecureField("Password", text: $model.password)
                }
                HStack {
                    Button(model.action.label) {
                        Task { await model.proceed() }
                    }
                    .keyboardShortcut(.defaultAction)
                    .disabled(model.isWorking || model.action == .wait)
                    if model.canStartOver {
                        Button("Start over") {
                            model.startOver()
                        }
                        .disabled(model.isWorking)
                    }
                    if model.isWorking {
                        ProgressView()
                            .controlSize(.small)
                    }
                }
            }
            .textFieldStyle(.roundedBorder)
        } label: {
            Text("Your portal")
        }
    }

    private var situation: some View {
        let words = Words.situation(model.flowState)
        return GroupBox {
            VStack(alignment: .leading, spacing: 6) {
                Text(words.title)
                    .font(.headline)
                if let detail = words.detail {
                    Text(detail)
                }
                Text("Next: \(words.nextStep)")
                    .foregroundColor(.secondary)
                if let problem = model.problem {
                    Text(problem)
                        .foregroundColor(.red)
                }
            }
            .frame(maxWidth: .infinity, alignment: .leading)
        } label: {
            Text("Where you are")
        }
    }

    private var syncing: some View {
        GroupBox {
            VStack(alignment: .leading, spacing: 6) {
                if let sync = model.sync {
                    Text(Words.sync(sync))
                    if sync.firstSync {
                        // The core does not know the total ahead: an indefinite bar.
                        ProgressView()
                            .progressViewStyle(.linear)
                    }
                } else {
                    Text("Waiting to hear how the sync is going.")
                }
            }
            .frame(maxWidth: .infinity, alignment: .leading)
        } label: {
            Text("Your records on this Mac")
        }
    }

    private var nextAppointment: some View {
        GroupBox {
            VStack(alignment: .leading, spacing: 6) {
                if let home = model.home {
                    if let next = home.nextAppointment {
                        Text(Words.when(next))
                            .font(.headline)
                        Text(Words.visit(next, with: model.careTeam[next.providerId]))
                        if let address = next.telehealthUrl, let url = URL(string: address) {
                            Link("Open the video visit link", destination: url)
                        }
                    } else {
                        Text("No appointment is booked. Call the practice to book one.")
                    }
                } else {
                    Text("Looking for your next appointment on this Mac.")
                }
            }
            .frame(maxWidth: .infinity, alignment: .leading)
        } label: {
            Text("Next appointment")
        }
    }

    private var conversations: some View {
        GroupBox {
            VStack(alignment: .leading, spacing: 10) {
                if model.unread.isEmpty {
                    Text("No unread messages: you are all caught up.")
                } else {
                    ForEach(model.unread, id: \.thread.id) { item in
                        VStack(alignment: .leading, spacing: 2) {
                            Text(item.thread.subject)
                                .font(.headline)
                            Text(Words.unread(item))
                                .foregroundColor(.secondary)
                        }
                    }
                }
            }
            .frame(maxWidth: .infinity, alignment: .leading)
        } label: {
            Text("Unread conversations")
        }
    }
}

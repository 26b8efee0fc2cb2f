// The sample's words: every flow state, notice, failure and error as sentences with a
// next step. An app would put these in its string catalogue.
import Foundation
import PatientPortal

/// What the screen says about the flow's state.
struct Situation {
    let title: String
    let detail: String?
    let nextStep: String
}

enum Words {
    static func situation(_ state: FlowState?) -> Situation {
        guard let state else {
            return Situation(
                title: "Not connected yet",
                detail: nil,
                nextStep: "Type your practice's portal address, paste the invite link from your email, and press Open the invite."
            )
        }
        switch state {
        case let .welcome(notice):
            return Situation(
                title: "Welcome to your patient portal",
                detail: notice.map { sentence($0) },
                nextStep: "Paste the invite link from your email and press Open the invite."
            )
        case .restoring:
            return Situation(title: "Looking for your account on this Mac", detail: nil, nextStep: "Wait a moment.")
        case .checking:
            return Situation(title: "Checking with the portal", detail: nil, nextStep: "Wait a moment.")
        case let .choosePassword(invite, hintOnDevice, notice):
            var whom = invite.role == .guardian
                ? "You are invited to look after \(invite.patientFirstName)'s care (\(invite.emailHint))."
                : "This invite is for \(invite.patientFirstName) (\(invite.emailHint))."
            if hintOnDevice == .matchesNone {
                whom += " None of the accounts on this Mac uses this address: if you did not expect it, do not choose a password, and call your practice."
            }
            return Situation(
                title: "\(invite.practiceName) invites you",
                detail: joined(whom, notice.map { sentence($0) }),
                nextStep: "Choose a password, a few words are easiest to remember, and press Set the password. "
                    + "The invite can be used until \(invite.expiresAt.formatted(date: .long, time: .shortened))."
            )
        case let .inviteUnusable(problem):
            return unusable(problem)
        case let .inviteRenewed(providerNotified):
            return providerNotified
                ? Situation(
                    title: "Your care team was asked for a new invite",
                    detail: "This invite can no longer be renewed by email.",
                    nextStep: "Wait for the new invite in your email, then open its link here."
                )
                : Situation(
                    title: "A new invite is on its way",
                    detail: "The old link no longer works.",
                    nextStep: "Open the link in the new email and paste it here."
                )
        case let .resetPassword(emailHint, notice):
            return Situation(
                title: "Choose a new password for \(emailHint)",
                detail: notice.map { sentence($0) },
                nextStep: "Type a new password and press Set the password."
            )
        case let .forgotPassword(notice):
            return Situation(
                title: "Forgot your password?",
                detail: notice.map { sentence($0) },
                nextStep: "Open the password reset link from your email here, or press Start over."
            )
        case let .join(practiceName, groupName, expiresAt, notice):
            return Situation(
                title: "\(practiceName) invites the \(groupName) group",
                detail: joined(
                    "This link can be used until \(expiresAt.formatted(date: .long, time: .omitted)).",
                    notice.map { sentence($0) }
                ),
                nextStep: "This sample only opens personal invites: open the link in the Patient Portal app to join."
            )
        case let .signIn(notice, email, claimFor):
            let claim = claimFor.map { "Once you are signed in, \($0) is added to your account." }
            return Situation(
                title: email.map { "Sign in as \($0)" } ?? "Sign in",
                detail: joined(claim, notice.map { sentence($0) }),
                nextStep: email == nil
                    ? "Type your email and password and press Sign in."
                    : "Type your password and press Sign in."
            )
        case let .signedIn(account, _, offline, notice):
            return Situation(
                title: "Signed in as \(account.email)",
                detail: joined(
                    offline ? "The portal cannot be reached right now: you see what this Mac already has." : nil,
                    notice.map { sentence($0) }
                ),
                nextStep: "Your next appointment and unread conversations are below. Press Sign out when you are done."
            )
        case let .locked(email, notice):
            return Situation(
                title: "Locked",
                detail: joined("The portal of \(email) locked itself after a while without use.", notice.map { sentence($0) }),
                nextStep: "Type your password and press Unlock."
            )
        }
    }

    private static func unusable(_ problem: InviteProblem) -> Situation {
        switch problem {
        case .expired:
            return Situation(
                title: "This invite has expired",
                detail: "Invites work for a limited time, for your safety.",
                nextStep: "Press Send me a new invite: it goes to the same email address."
            )
        case .used:
            return Situation(
                title: "This invite was already used",
                detail: "An account was made with it.",
                nextStep: "Sign in with that account's email and password in the Patient Portal app."
            )
        case .revoked:
            return Situation(
                title: "This invite was withdrawn by the practice",
                detail: "A newer invite may be in your email.",
                nextStep: "Open the newest invite email, or call the practice."
            )
        case .notFound:
            return Situation(
                title: "This link is not a known invite",
                detail: "Part of the link may be missing.",
                nextStep: "Copy the whole link from the email and press Open the invite again."
            )
        }
    }

    static func sentence(_ notice: FlowNotice) -> String {
        switch notice {
        case let .failed(failure):
            return sentence(failure)
        case let .invalidLink(detail):
            return "That link cannot be opened here: \(detail)"
        case .noLinkOpen:
            return "No link is open: paste the link from your email first."
        case .resetExpired:
            return "That password reset link has expired: ask for a new one."
        case .resetUsed:
            return "That password reset link was already used: sign in with your new password."
        case .resetNotFound:
            return "That password reset link is not known: copy the whole link from the email."
        case .passwordChanged:
            return "Your password was changed: sign in with the new one."
        case .resetRequested:
            return "If that email has an account, a reset link is on its way: check your email."
        case .joinLinkExpired:
            return "That join link has expired: ask the practice for a new one."
        case .joinLinkNotFound:
            return "That join link is not known: copy the whole link."
        case .joinRequested:
            return "Your request to join was sent: continue from the email you will receive."
        case .sessionEnded:
            return "You were signed out by the portal (your password may have changed): sign in again."
        case .signedOut:
            return "You signed out. Nothing of your portal stays on this Mac."
        case .idleLocked:
            return "The portal locked itself after a while without use, to keep your records private."
        }
    }

    static func sentence(_ failure: Failure) -> String {
        switch failure {
        case let .network(detail):
            return "The portal could not be reached (\(detail)). Check the connection and the address, then try again."
        case let .server(code, detail):
            return server(code, detail)
        case let .weakPassword(reasons):
            let why = reasons.map { rule($0) }.joined(separator: ", ")
            return "That password is too easy to guess (\(why)). Choose a longer one, a few unrelated words work well."
        case let .wrongPassword(attemptsLeft):
            return "That password is not right. \(count(Int(attemptsLeft), "attempt")) left before this Mac signs you out."
        case .tooManyUnlockAttempts:
            return "Too many wrong passwords: you were signed out on this Mac. Sign in again with your email."
        case let .keychain(detail):
            return "This Mac could not keep your session safe (\(detail)). Unlock your keychain and try again."
        case let .other(detail):
            return "Something went wrong (\(detail)). Try again; if it keeps happening, call the practice."
        }
    }

    private static func server(_ code: ErrorCode, _ detail: String) -> String {
        switch code {
        case .invalidCredentials:
            return "That email and password do not match. Check both and try again."
        case .rateLimited:
            return "Too many tries in a short time. Wait a minute, then try again."
        case .sessionExpired, .sessionRevoked:
            return "Your session ended. Sign in again."
        case .weakPassword:
            return "The portal found that password too easy to guess (\(detail)). Choose another."
        case .emailMismatch:
            return "That account's email is not the one the invite was sent to (\(detail)). Sign in with the invited email."
        default:
            return "The portal said no (\(detail)). Try again, or call the practice if it keeps happening."
        }
    }

    private static func rule(_ rule: PasswordRule) -> String {
        switch rule {
        case .tooShort: return "it is too short"
        case .tooLong: return "it is too long"
        case .common: return "it is a commonly used password"
        case .equalsEmail: return "it is your email address"
        }
    }

    /// An error thrown to the sample, in a sentence saying what failed and what to do.
    static func sentence(for error: Error, doing what: String) -> String {
        if let problem = error as? HelloProblem {
            return problem.sentence
        }
        guard let portal = error as? PortalError else {
            return "Something went wrong while \(what) (\(error.localizedDescription)). Try again."
        }
        switch portal {
        case let .Config(detail):
            return "The portal address cannot be used (\(detail)). Use the https:// address your practice gave you; http:// only works for a server on this Mac."
        case let .InvalidLink(detail):
            return "That link cannot be opened here: \(detail)"
        case let .WeakPassword(reasons):
            return sentence(.weakPassword(reasons: reasons))
        case let .Network(detail):
            return sentence(.network(detail: detail))
        case let .Server(code, detail):
            return server(code, detail)
        case let .UnexpectedResponse(status):
            return "The portal gave an answer this app does not understand (HTTP \(status)) while \(what). The app may need an update."
        case let .Keychain(detail):
            return sentence(.keychain(detail: detail))
        case .NotSignedIn:
            return "You are not signed in any more, so this stopped while \(what). Sign in again."
        case let .InvalidArgument(detail), let .InvalidInput(detail):
            return "That did not work while \(what): \(detail). Check what you typed."
        case .Locked:
            return "The portal is locked, so this stopped while \(what). Type your password and press Unlock."
        case let .WrongPassword(attemptsLeft):
            return sentence(.wrongPassword(attemptsLeft: attemptsLeft))
        case .TooManyUnlockAttempts:
            return sentence(.tooManyUnlockAttempts)
        case .UnknownAccount:
            return "That account is not on this Mac any more. Sign in again."
        case .UnknownProfile:
            return "That patient is not part of this account. Start over and open their invite."
        case let .Storage(detail):
            return "This Mac could not read or keep the portal's records while \(what) (\(detail)). Free some space and try again."
        case .UnknownDocument:
            return "That document is not on this Mac yet. Wait for the sync and try again."
        case .DocumentCorrupt:
            return "That document arrived damaged and was discarded. Download it again."
        }
    }

    /// Where the sync stands, for a status line.
    static func sync(_ state: SyncState) -> String {
        switch state.phase {
        case .starting:
            return "Getting ready to bring your records to this Mac."
        case let .syncing(_, changes):
            return state.firstSync
                ? "Bringing your records to this Mac for the first time: \(count(Int(changes), "record")) so far."
                : "Bringing in what changed: \(count(Int(changes), "record")) so far."
        case let .upToDate(at):
            return "Up to date as of \(at.formatted(date: .omitted, time: .shortened))."
        case let .offline(retryAt):
            return "Offline: you see what this Mac already has. Trying again at \(retryAt.formatted(date: .omitted, time: .shortened))."
        case .stopped:
            return "Syncing is paused while the portal is locked or signed out."
        }
    }

    /// When an appointment is, in the person's language and calendar.
    static func when(_ appointment: Appointment) -> String {
        appointment.startsAt.formatted(date: .complete, time: .shortened)
    }

    /// With whom and how.
    static func visit(_ appointment: Appointment, with provider: Provider?) -> String {
        let whom = provider?.name ?? "your care team"
        switch appointment.kind {
        case .telehealth:
            return "Video visit with \(whom)."
        case .inPerson:
            return "With \(whom), \(appointment.location ?? "at the practice")."
        case .unknown:
            return "With \(whom)."
        }
    }

    /// An unread conversation's line: how many, and the start of the newest message.
    static func unread(_ item: ThreadItem) -> String {
        let how = "\(count(Int(item.thread.unreadCount), "unread message"))"
        guard let last = item.lastMessage else { return how }
        let start = last.body.count > 80 ? "\(last.body.prefix(80))…" : last.body
        return "\(how): \(start)"
    }

    private static func count(_ number: Int, _ thing: String) -> String {
        number == 1 ? "1 \(thing)" : "\(number) \(thing)s"
    }

    private static func joined(_ parts: String?...) -> String? {
        let present = parts.compactMap { $0 }
        return present.isEmpty ? nil : present.joined(separator: " ")
    }
}

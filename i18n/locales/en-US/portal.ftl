# Patient Portal, desktop: the signed-in pages (English).
# Ids are grouped by page; arguments are in { $braces }.

bridge-failed = The app could not start properly

## Around every page
nav-label = Sections
nav-home = Home
nav-appointments = Appointments
nav-messages = Messages
nav-account = Account
unread-badge = { $count } unread
greeting-self = You're all set, { $name }
greeting-other = Looking after { $name }
greeting-none = You're all set
signed-in-as = Signed in on this computer as
viewing-label = Viewing
offline-banner = You are offline. What you see was saved on this computer; changes you make are kept and sent when the connection is back.
offline-try-now = Try now
updated-ago = Updated { $minutes ->
    [0] just now
    [one] 1 minute ago
   *[other] { $minutes } minutes ago
}
updating = Updating…
not-updated-yet = Showing what was saved on this computer.
first-sync = Getting your information: { $count } items so far…
loading = Loading…
try-again = Try again
show-more = Show more
back = Back
lock = Lock
sign-out = Sign out
signing-out = Signing out…
no-profiles = Your practice has not linked any patient to this account yet. Ask them to send you an invitation.

## Home
home-next-appointment = Next appointment
home-no-appointment = No upcoming appointments.
home-see-appointments = See all appointments
home-messages = Messages
home-unread = { $count ->
    [0] No unread messages
    [one] 1 unread message
   *[other] { $count } unread messages
}
home-open-messages = Open messages
home-balance = Balance due
home-no-balance = Nothing to pay.
home-documents = Documents
home-documents-new = { $count ->
    [0] No new documents
    [one] 1 new document to review
   *[other] { $count } new documents to review
}
home-forms = Forms
home-forms-waiting = { $count ->
    [0] No forms to complete
    [one] 1 form to complete
   *[other] { $count } forms to complete
}

## Appointments
appointments-title = Appointments
appointments-upcoming = Upcoming
appointments-past = Past
appointments-none-upcoming = You have no upcoming appointments. Your practice adds them here when you book.
appointments-none-past = No past appointments yet.
appointment-with = with { $name }
appointment-provider-unknown = your care team
appointment-kind = { $kind ->
    [in_person] In person
    [telehealth] Video visit
   *[other] Visit
}
appointment-status = { $status ->
    [scheduled] Scheduled
    [confirmed] Confirmed
    [cancelled] Cancelled
    [completed] Completed
    [no_show] Missed
   *[other] Status unknown
}
appointment-gone = This appointment is no longer in your portal. Your practice may have removed it.
appointment-where = Where
appointment-when = When
appointment-confirm = Confirm I'll be there
appointment-cancel = Cancel appointment
appointment-cancel-reason = Reason (optional, shared with your practice)
appointment-cancel-send = Cancel this appointment
appointment-cancel-keep = Keep it
appointment-late-hint = Online cancellation closes { $deadline }. After that, your practice may refuse it.
appointment-join = Join the video visit
appointment-pending = { $state ->
    [queued] Your change is saved on this computer and will be sent when you are back online.
    [sending] Sending your change…
   *[other] Your practice has your change.
}
appointment-message-practice = Message your care team

## Messages
messages-title = Messages
messages-new = New message
messages-none = No messages yet. Start a conversation with your care team.
messages-no-text = (no text)
message-you = You
message-delivery = { $state ->
    [queued] Waiting to send: kept on this computer
    [sending] Sending…
   *[sent] Sent
}
message-refused = Not sent
message-retry = Send again
message-discard = Discard
compose-label = Your message
compose-placeholder = Write to your care team
compose-send = Send
compose-sending = Saving…
compose-to = To
compose-subject = Subject
compose-choose = Choose someone
compose-no-team = Your practice has not set up your care team yet, so there is no one to write to. Call your practice instead.
conversation-gone = This conversation is not on this computer. If you just wrote it, it appears in Messages once it is sent.
conversation-older = Older messages are not shown here.

## Account
account-title = Account
account-profiles = Your profiles
account-guardian = Guardian
account-viewing = Viewing
account-view = View
account-accounts = Accounts on this computer
account-in-use = In use
account-switch = Switch to this account
account-add = Add another account

## Sections added with billing, documents, forms, profile and search
nav-billing = Billing
nav-documents = Documents
nav-forms = Forms
nav-profile = Profile
nav-search = Search
home-open-billing = See invoices
home-open-documents = See documents
home-open-forms = See forms

## Billing
billing-title = Billing
billing-none = No invoices yet.
invoice-number = Invoice { $number }
invoice-status = { $status ->
    [open] Open
    [paid] Paid
    [void] Cancelled
   *[other] Status unknown
}
invoice-dates = Issued { $issued } · due { $due }
invoice-line = Item
invoice-quantity = Qty
invoice-amount = Amount
invoice-total = Total
invoice-balance = Left to pay
invoice-superbill = Superbill for your insurer

## Documents
documents-title = Documents
documents-none = No documents yet. What your practice shares with you appears here.
document-category = { $category ->
    [shared] From your practice
    [upload] Sent by you
    [superbill] Superbill
   *[other] Document
}
document-state = { $state ->
    [none] Not on this computer
    [partial] Partly downloaded
    [available] On this computer
   *[pinned] Kept for offline use
}
document-downloading = Downloading
document-working = Working…
document-open = Open
document-download = Download
document-pin = Keep offline
document-unpin = Stop keeping offline
upload-title = Send a document to your practice
upload-name = Title (optional)
upload-file = File (PDF, PNG or JPEG)
upload-send = Send
upload-kept = Kept on this computer; it is sent to your practice as soon as it can be.
upload-unreadable = That file could not be read
upload-unreadable-detail = Pick it again. If it keeps failing, save it again and pick the new copy.

## Forms
forms-title = Forms
forms-none = No forms to fill in.
form-state = { $state ->
    [new] Not started
    [draft] Draft saved
   *[submitted] Submitted
}
form-due = due { $due }
form-gone = This form is no longer in your portal. Your practice may have withdrawn it.
form-submitted = Submitted. Your practice has your answers.
form-pending = { $state ->
    [queued] Your answers are saved on this computer and will be sent when you are back online.
    [sending] Sending your answers…
   *[other] Your practice has your answers.
}
form-choose = Choose one
form-signature-hint = Type your full name to sign.
form-field-flagged = Please check this answer.
form-save = Save draft
form-submit = Submit
form-saved = Draft saved on this computer.

## Profile
profile-title = Your contact details
profile-gone = Your details are not on this computer yet. They appear after the next update.
profile-name = Name
profile-born = Date of birth
profile-email = Email
profile-email-hint = Your email address signs you in; ask your practice to change it.
profile-phone = Phone
profile-address = Address
profile-preferred = Preferred name
profile-save = Save changes
profile-empty = (empty)
contact-field = { $field ->
    [phone] Phone
    [address] Address
   *[preferred_name] Preferred name
}
conflict-title = Your practice changed these details at the same time
conflict-detail = Nothing was lost: here are both versions. Choose which to keep.
conflict-field = Detail
conflict-mine = Yours
conflict-theirs = Your practice's
conflict-keep-mine = Keep mine
conflict-keep-theirs = Keep my practice's

## Search
search-title = Search
search-label = Search your messages and documents
search-go = Search
search-hint = Searches what is saved on this computer, so it works offline too.
search-none = Nothing matches "{ $query }".
search-kind = { $kind ->
    [message] Message
    [thread] Conversation
   *[document] Document
}
document-partial = Partly downloaded
compose-attach = Attach files (PDF, PNG or JPEG)

## Settings
nav-settings = Settings
settings-title = Settings
settings-language = Language
settings-language-hint = The language of Patient Portal on this computer
settings-idle-lock = Lock after
settings-idle-hint = Patient Portal locks itself after this long without use, so that nobody else can read your information.
settings-idle-minutes = { $minutes ->
    [one] 1 minute
   *[other] { $minutes } minutes
}
settings-idle-hours = { $hours ->
    [one] 1 hour
   *[other] { $hours } hours
}
settings-idle-seconds = { $seconds } seconds
settings-password = Password
settings-current-password = Current password
settings-password-mismatch = The two new passwords are not the same.
settings-password-changed = Your password was changed. Your other devices were signed out; this one stays signed in.
settings-sign-out = Sign out
settings-sign-out-hint = Signing out removes the account's copy from this computer. Signing out of every account leaves nothing of any of them here.
settings-sign-out-all = Sign out of every account on this computer
settings-about = About
settings-version = Patient Portal { $version }
settings-licence = Free software under the GNU Affero General Public License, version 3 or later: you may use, study, share and change it.
settings-practice = Your practice
settings-practice-hint = Patient Portal talks to your practice's portal at this address.
settings-practice-fixed = This computer's administrator set this address.
settings-change-practice = Use another practice…
settings-change-practice-warning = You are signed out of every account on this computer, and what it keeps of them is removed. Then you enter your new practice's portal address.
settings-change-practice-confirm = Sign out and change practice
settings-change-practice-keep = Keep this practice
settings-components = Open-source components
settings-components-hint = Patient Portal is built with the work of others, each under its own licence.
settings-components-show = Show the components and their licences
settings-components-count = { $count } components

## Desktop notifications: no health information unless the settings ask for the sender
alert-new-message = New message from your care team
alert-new-message-from = New message from { $name }
alert-new-message-body = Open Patient Portal to read it.
alert-activity = Something new in your patient portal
alert-activity-body = Unlock Patient Portal to see it.
alert-open = Open
settings-notifications = Notifications
settings-notify-sender = Show who wrote in notifications
settings-notify-hint = Off, a notification says only that your care team wrote, so nothing about your health shows on your screen.

## Onboarding: words several screens share
onboarding-sign-in = Sign in
onboarding-email = Email address
onboarding-password = Password
onboarding-forgot-password = Forgot your password?
onboarding-sending = Sending…
onboarding-open-different-link = Open a different link

## Onboarding: while the shell works, and when it cannot start
onboarding-starting = Opening Patient Portal…
onboarding-checking-invite = Checking your invitation…
onboarding-restoring = Looking for your account on this computer…
fatal-detail = Please close Patient Portal and open it again. If this keeps happening, reinstall the app.
fatal-technical = Technical details

## Onboarding: the first run, with no practice chosen yet
choose-server-title = Which practice is yours?
choose-server-intro = Patient Portal connects to your practice's own portal. Give its address once; it is kept on this computer.
choose-server-label = Your practice's portal address
choose-server-hint = It is in your invitation email: the start of the link, before /invite/.
choose-server-from-link = This address comes from the link you opened. Continue only if it is your practice's portal.
choose-server-continue = Continue
choose-server-checking = Checking the address…

## Onboarding: welcome
welcome-title = Welcome to your patient portal
welcome-intro = Your practice sends you an invitation by email. Open the link in that email on this computer, and Patient Portal takes you to the next step.
welcome-paste-label = Or paste the link from the email here
welcome-paste-placeholder = https://…/invite/…
welcome-opening = Opening…
welcome-open = Open link
# Followed by a "Sign in" button.
welcome-already-set = Already set your password?

## Onboarding: choose a password (a valid invite)
invite-welcome = Welcome, { $name }
invite-guardian-heading = Set up access for { $name }
# Between the practice's name and the email address, both in bold.
invite-practice-invited = invited you to its patient portal. Choose a password to finish setting up your account for
# After the email address, which is in bold.
invite-practice-end = .
# $date is the day and time the invitation stops working.
invite-expiry = This invitation works until { $date }.
invite-address-intro = This invitation is for the email address
invite-address-unknown = None of the accounts on this computer uses this address. If you did not expect an invitation for it, do not choose a password: the account may not be yours. Open the link from your own email, or call your practice.
invite-address-confirm = This is my email address
invite-account-exists = You already have an account with this email address. Sign in, and { $name } will be added to it.
invite-set-password = Set password and sign in
invite-setting-password = Setting your password…
invite-not-me = This isn't me — open a different link

## Onboarding: an invite that cannot be used
invite-expired-title = This invitation has expired
invite-expired-detail = Invitations work for a few days. Ask for a new one here: it goes to the email address your practice has on file.
invite-used-title = This invitation was already used
invite-used-detail = A password has already been set with this invitation, so your account is ready. Sign in with your email and password.
invite-revoked-title = A newer invitation was sent
invite-revoked-detail = Your practice sent you a newer invitation, which replaces this one. Check your email for the most recent message and open its link.
invite-not-found-title = We could not find this invitation
invite-not-found-detail = The link may be incomplete. Open it again straight from the email, or copy the whole link and paste it here.
invite-renewing = Asking for a new invitation…
invite-renew = Send me a new invitation

## Onboarding: a new invitation was asked for
invite-renewed-notified-title = Your care team was told
invite-renewed-notified-detail = Your practice sends new invitations itself. We let your care team know, and they will email you a new invitation. Open the link in that email to choose your password.
invite-renewed-title = Check your email
invite-renewed-detail = A new invitation is on its way to the email address your practice has on file. Open the link in it to choose your password; the old link no longer works.

## Onboarding: the new password form
password-rules-unavailable = The password rules could not be loaded from your practice; the usual rules are shown, and your practice checks them again when you continue.
password-new = New password
password-again = Type it again
password-rule-too-short = At least { $count } characters
password-rule-too-long = At most { $count } characters
password-rule-common = Not a commonly used password
password-rule-equals-email = Not your email address
password-match = Both entries match
password-hint = A few unrelated words make a strong password that is easy to remember. It can't be your email address.

## Onboarding: reset password
reset-title = Choose a new password
# Followed by the account's email address, in bold.
reset-for-account = For your patient portal account
# After the email address, which is in bold.
reset-signed-out = . Every device will be signed out.
reset-change-password = Change password
reset-changing-password = Changing your password…
reset-cancel = Cancel

## Onboarding: forgot password
forgot-intro = Give the email address your practice has on file. We will email you a link to choose a new password (or, if your account was never set up, a new invitation).
forgot-submit = Email me a link

## Onboarding: join a practice
join-title = Join { $practice }
join-intro = Sign up for the patient portal of { $practice } ({ $group }). Your practice will email you a link to choose a password.
# $forms is the list of form titles, separated by commas.
join-intake = After you join, you will be asked to fill in: { $forms }
join-first-name = First name
join-last-name = Last name
join-dob = Date of birth
join-dob-hint = For example 27 3 1990
join-dob-day = Day
join-dob-month = Month
join-dob-year = Year
join-dob-error = This is not a date: check the day, month and year.
join-phone = Phone (optional)
join-submit = Join

## Onboarding: sign in
sign-in-claim-note = Sign in to the account you already have, and { $name } will be added to it.
sign-in-intro = Use the email address and password of your patient portal account.
sign-in-busy = Signing in…
sign-in-other-practice = Not your practice? Use another portal address

## Onboarding: locked
locked-title = Patient Portal is locked
# Followed by the account's email address, in bold.
locked-enter-password = Enter the password of
# After the email address, which is in bold.
locked-to-continue = to continue.
locked-checking = Checking…
locked-unlock = Unlock
locked-sign-out = Sign out of this computer

## The shell's notices: each message is a title, its .detail the next step.
notice-no-invite = Open your invitation first
    .detail = Open the link from your practice's email to choose a password.
notice-reset-expired = This reset link has expired
    .detail = Reset links work for one hour. Ask for a new one below.
notice-reset-used = This reset link was already used
    .detail = Sign in with your new password, or ask for another link.
notice-reset-not-found = We could not find this reset link
    .detail = The link may be incomplete. Ask for a new one below.
notice-password-changed = Your password was changed
    .detail = Every device was signed out. Sign in with your new password.
notice-reset-requested = Check your email
    .detail = If this address has an account, or an invitation waiting, we sent it a link to choose a password. Open that link on this computer.
notice-join-link-expired = This sign-up link has expired
    .detail = Sign-up links work for a few days. Ask your practice for a new one.
notice-join-link-not-found = We could not find this sign-up link
    .detail = The link may be incomplete. Copy the whole link from your practice's message.
notice-join-requested = Check your email
    .detail = Your practice will email you an invitation (or, if you already have an account, a way to sign in). Open the link in that email on this computer.
notice-session-ended = Please sign in again
    .detail = Your session ended (it expired, or your password was changed). Sign in to continue.
notice-signed-out = You are signed out
    .detail = Nothing of that account is left on this computer.
notice-idle-locked = Locked to keep your information private
    .detail = Patient Portal locks after a while without use. Enter your password to continue.
notice-invalid-link = This link can't be opened
    .detail = { $reason ->
        [empty] The link is empty.
        [too_long] The link is too long to be one of ours.
        [bad_characters] The link contains spaces or invisible characters. Copy it again from the email.
        [not_a_link] This is not a web or app link.
        [wrong_scheme] Links must start with https:// (or the app's own scheme).
        [user_info] The link carries a user name or password, which our links never do.
        [unknown_host] This link is not from your practice's portal ({ $host }).
        [wrong_port] This link points to a different port than your practice's portal.
        [unknown_action] This link does not open anything in the portal.
        [extra_parts] The link has extra parts after the code. Copy the link exactly as in the email.
       *[bad_token] The code in the link is incomplete or damaged. Copy the whole link from the email.
    }
notice-weak-password = Please choose a different password
    .detail = Your password needs to be: { $needs }.
notice-network = Can't reach your practice's portal
    .detail = Check your internet connection and try again. Nothing was changed.
notice-secrets = Your sign-in can't be stored safely
    .detail = This computer's keychain did not answer: { $detail }
notice-account-exists = You already have an account
    .detail = An account with this email address already exists. Sign in with it, and this profile will be added.
notice-rate-limited = Too many attempts
    .detail = Please wait a few minutes, then try again.
notice-server-refused = Your practice's portal refused this
    .detail = { $detail }
notice-unexpected-response = Your practice's portal gave an unexpected answer
    .detail = Please try again later. (HTTP { $status })
notice-config = Patient Portal is not set up correctly
    .detail = Ask your practice for help with this message: { $detail }
notice-not-signed-in = Please sign in
    .detail = Sign in to continue.
notice-locked = Patient Portal is locked
    .detail = Enter your password to continue.
notice-wrong-password = That password is not right
    .detail = { $left ->
        [one] Try again. After one more wrong password you will be signed out of this computer.
       *[other] Try again. You have { $left } tries left before you are signed out of this computer.
    }
notice-too-many-unlock-attempts = You were signed out
    .detail = Too many wrong passwords were entered, so this computer signed you out to keep your information safe. Sign in again, or reset your password.
notice-unknown-account = That account is no longer signed in here
    .detail = Sign in to it again to use it on this computer.
notice-invalid-input = Please check what you entered
    .detail = { $detail }
notice-storage = The copy on this computer could not be read
    .detail = Patient Portal will download your information again. If this keeps happening, sign out and in again.
notice-unknown-profile = That profile is no longer available
    .detail = Your practice may have changed who you can act for. The list has been refreshed.
notice-unknown-document = That document is not on this computer
    .detail = It may have been removed by your practice. Refresh and try again.
notice-document-corrupt = The document arrived damaged
    .detail = The damaged copy was thrown away. Try downloading it again.
notice-too-late = It is too late to cancel online
    .detail = This appointment is close, so your practice takes changes by phone. Call them, or send your care team a message. The appointment is still booked.
notice-conflict = Your practice changed this at the same time
    .detail = Both versions are shown. Choose which to keep.
notice-invalid-answers = Some answers need another look
    .detail = { $detail }
notice-not-yours = This is no longer yours to change
    .detail = Your practice may have changed who you can act for. Discard it.
notice-refused = Your practice's portal refused this
    .detail = { $detail } Try again, or discard it.
notice-no-telehealth-link = This appointment has no video link yet
    .detail = Your practice adds it before the visit. Check again closer to the time, or send them a message.
notice-browser-failed = Your web browser did not open
    .detail = Open your browser yourself and try again, or ask your practice for the link.
notice-cannot-open-document = The document could not be opened
    .detail = Patient Portal could not make a copy for your viewer. Check that your disk is not full, then try again.
notice-no-viewer = No app on this computer opened the document
    .detail = A copy is saved at { $path } until you sign out. Open it with a PDF viewer.
notice-unreadable-file = That file could not be read
    .detail = Pick it again. If it keeps failing, save it again and pick the new copy.
notice-invalid-credentials = The email or password is not right
    .detail = Check both and try again. If you forgot your password, choose "Forgot your password?" to get a link.
notice-email-mismatch = This invitation is for a different email address
    .detail = It was sent to another address than the account you are signed in with. Sign in with the account it was sent to, or open the link from your own email.
notice-server-busy = Your practice's portal is busy
    .detail = Please try again in a moment. Nothing was changed.
notice-internal = Something went wrong at your practice's portal
    .detail = Please try again later. If it keeps happening, call your practice.
notice-wrong-current-password = Your current password is not right
    .detail = Type the password you sign in with now, then try again. Nothing was changed.
notice-settings-not-saved = Your choice could not be kept
    .detail = It applies until Patient Portal closes. Check that the disk is not full, then choose again.
notice-practice-fixed = This computer's administrator set your practice's address
    .detail = Ask them to change it, or use Patient Portal on another computer.
notice-bad-address = This is not an address Patient Portal can use
    .detail = Use the https address from your invitation email: the part before /invite/, such as https://portal.example-practice.org.
notice-server-unreachable = No patient portal answered at this address
    .detail = Check the address and your internet connection, then try again.
notice-not-a-portal = This address is not a patient portal
    .detail = Check that it is the part of your invitation's link before /invite/, such as https://portal.example-practice.org.
# What a refused write was, in the notice's list.
write-cancel-appointment = Cancel this appointment
write-confirm-appointment = Confirm this appointment
write-contact = Change your contact details
sender-care-team = Your care team

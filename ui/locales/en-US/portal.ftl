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

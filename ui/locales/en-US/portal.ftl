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

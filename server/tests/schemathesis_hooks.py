"""schemathesis hooks for server/tests/openapi.rs.

Random ids only ever find "not found". Before each call, about half of the ids, tokens
and codes in the path and the JSON body are swapped for real ones that the test created
(PORTAL_ST_IDS), so that the generated data reaches the server's rules.
"""

import json
import os
import random

import schemathesis

IDS = json.loads(os.environ.get("PORTAL_ST_IDS", "{}"))
RNG = random.Random(20260101)

# Which fixture a path parameter names, by the operation's path template.
PATH_IDS = [
    ("/v1/admin/patients/{id}", "patient_id"),
    ("/v1/admin/appointments/{id}", "appointment_id"),
    ("/v1/admin/invoices/{id}", "invoice_id"),
    ("/v1/admin/documents/{id}", "document_id"),
    ("/v1/admin/messages/{id}", "message_id"),
    ("/v1/documents/{id}", "document_id"),
    ("/v1/admin/forms/{id}", "form_template_id"),
    ("/v1/admin/groups/{id}", "group_id"),
    ("/v1/invites/{token}", "invite_token"),
    ("/invite/{token}", "invite_token"),
    ("/v1/auth/password-reset/{token}", "reset_token"),
    ("/reset/{token}", "reset_token"),
    ("/v1/join/{code}", "join_code"),
    ("/join/{code}", "join_code"),
]

# Body fields that hold an id, and the fixture to put there.
BODY_IDS = {
    "patient_id": "patient_id",
    "profile_id": "patient_id",
    "provider_id": "provider_id",
    "primary_provider_id": "provider_id",
    "appointment_id": "appointment_id",
    "thread_id": "thread_id",
    "up_to_message_id": "message_id",
    "form_id": "form_id",
    "group_id": "group_id",
    "upload_id": "upload_id",
}

MUTATION_KINDS = [
    "send_message",
    "mark_read",
    "cancel_appointment",
    "confirm_appointment",
    "save_form_draft",
    "submit_form",
    "update_contact",
    "upload_document",
]


def swap_ids(value, mutations):
    """Replaces string ids in a JSON value, recursively, half of the time each; in a
    mutation batch, also picks real mutation kinds."""
    if isinstance(value, dict):
        for key, inner in value.items():
            fixture = IDS.get(BODY_IDS.get(key, ""))
            if fixture and isinstance(inner, str) and RNG.random() < 0.5:
                value[key] = fixture
            elif mutations and key == "kind" and isinstance(inner, str) and RNG.random() < 0.5:
                value[key] = RNG.choice(MUTATION_KINDS)
            else:
                swap_ids(inner, mutations)
    elif isinstance(value, list):
        for inner in value:
            swap_ids(inner, mutations)


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    path = case.operation.path
    for prefix, fixture in PATH_IDS:
        # DELETE /v1/admin/forms/{id} takes a patient's form, not a template.
        if path == "/v1/admin/forms/{id}" and case.method.upper() == "DELETE":
            fixture = "form_id"
        if path.startswith(prefix) and IDS.get(fixture) and RNG.random() < 0.5:
            name = prefix.rsplit("{", 1)[1].rstrip("}")
            if case.path_parameters and isinstance(case.path_parameters.get(name), str):
                case.path_parameters[name] = IDS[fixture]
            break
    if path == "/v1/mutations" or path.startswith("/v1/admin/"):
        swap_ids(case.body, path == "/v1/mutations")

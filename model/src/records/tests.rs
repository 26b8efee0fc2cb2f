use super::*;
use serde_json::json;

fn appointment() -> Value {
    json!({
        "id": "apt_1", "profile_id": "pat_1", "rev": 2,
        "updated_at": "2026-12-01T09:00:00.000Z",
        "provider_id": "prv_1",
        "starts_at": "2026-12-10T15:00:00.000Z",
        "ends_at": "2026-12-10T15:30:00.000Z",
        "kind": "telehealth", "location": null,
        "telehealth_url": "https://video.example/room",
        "status": "scheduled",
        "cancellable_until": "2026-12-09T15:00:00.000Z",
    })
}

#[test]
fn a_record_reads_as_its_type_and_writes_back_the_same() {
    let data = appointment();
    let record = Record::decode_strict("appointment", &data).unwrap();
    let Record::Appointment(a) = &record else {
        panic!("{record:?}")
    };
    assert_eq!(a.kind, AppointmentKind::Telehealth);
    assert_eq!(a.status, AppointmentStatus::Scheduled);
    assert_eq!(a.rev, 2);
    assert_eq!(record.to_value().unwrap(), data);
}

#[test]
fn a_newer_servers_values_fields_and_kinds_are_kept_not_refused() {
    let mut data = appointment();
    data["status"] = json!("rescheduled_by_robot");
    data["room_number"] = json!(12);
    let text = data.to_string();
    let Record::Appointment(a) = Record::from_json("appointment", &text).unwrap() else {
        panic!("not an appointment")
    };
    assert_eq!(
        a.status,
        AppointmentStatus::Unknown("rescheduled_by_robot".into())
    );
    assert_eq!(a.status.as_str(), "rescheduled_by_robot");
    assert!(!a.status.is_active());

    let unknown = Record::from_json("lab_result", r#"{"id":"lab_1","value":3}"#).unwrap();
    assert_eq!(unknown.kind(), "lab_result");
    assert_eq!(unknown.id(), "lab_1");
    assert_eq!(
        unknown.to_value().unwrap(),
        json!({"id": "lab_1", "value": 3})
    );
}

#[test]
fn the_strict_check_names_what_an_app_would_lose() {
    let mut data = appointment();
    data["room_number"] = json!(12);
    let error = Record::decode_strict("appointment", &data).unwrap_err();
    assert!(error.reason.contains(".room_number"), "{error}");

    let mut data = appointment();
    data["status"] = json!("rescheduled");
    let error = Record::decode_strict("appointment", &data).unwrap_err();
    assert!(error.reason.contains("rescheduled"), "{error}");

    let mut data = appointment();
    data.as_object_mut().unwrap().remove("location");
    let error = Record::decode_strict("appointment", &data).unwrap_err();
    assert!(error.reason.contains(".location is missing"), "{error}");

    let error = Record::decode_strict("lab_result", &json!({"id": "x"})).unwrap_err();
    assert!(error.reason.contains("lab_result"), "{error}");

    let mut data = appointment();
    data["starts_at"] = json!("not a time");
    let error = Record::decode_strict("appointment", &data).unwrap_err();
    assert_eq!(error.id, "apt_1");
}

#[test]
fn times_are_written_with_milliseconds_and_read_in_any_rfc3339_form() {
    let mut data = appointment();
    data["starts_at"] = json!("2026-12-10T16:00:00+01:00");
    let Record::Appointment(a) = Record::from_json("appointment", &data.to_string()).unwrap()
    else {
        panic!("not an appointment")
    };
    let back = serde_json::to_value(&a).unwrap();
    assert_eq!(back["starts_at"], "2026-12-10T15:00:00.000Z");
}

#[test]
fn form_answers_keep_their_shape() {
    let data = json!({
        "id": "rsp_frm_1", "profile_id": "pat_1", "rev": 1,
        "updated_at": "2026-12-01T09:00:00.000Z",
        "form_id": "frm_1", "status": "draft",
        "answers": {"name": "Jo", "agree": true, "allergies": ["nuts", "dust"], "dob": null},
        "submitted_at": null,
    });
    let Record::FormResponse(r) = Record::decode_strict("form_response", &data).unwrap() else {
        panic!("not a response")
    };
    assert_eq!(r.answers["name"], FormAnswer::Text("Jo".into()));
    assert_eq!(r.answers["agree"], FormAnswer::Checked(true));
    assert_eq!(
        r.answers["allergies"],
        FormAnswer::Choices(vec!["nuts".into(), "dust".into()])
    );
    assert!(r.answers["dob"].is_blank());
    assert_eq!(FormResponse::id_for("frm_1"), r.id);
}

#[test]
fn open_enums_list_what_they_know() {
    assert_eq!(RecordKind::KNOWN.len(), 9);
    for text in RecordKind::KNOWN {
        assert!(RecordKind::parse(text).is_known());
        assert_eq!(RecordKind::parse(text).as_str(), *text);
    }
    assert_eq!(ProfileRole::Patient.as_str(), "self");
    assert_eq!(
        serde_json::from_str::<ProfileRole>("\"self\"").unwrap(),
        ProfileRole::Patient
    );
}

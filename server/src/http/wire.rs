//! The admin API's request bodies are the model's wire types (which carry the OpenAPI
//! schemas); the services take their own input types. These conversions are the seam,
//! so a field added on one side and not the other fails to compile.

use crate::service::appointments::{AppointmentChange, NewAppointment};
use crate::service::bookings::{Booker, Booking};
use crate::service::forms::{Assignment, NewForm};
use crate::service::invoices::{InvoiceChange, NewInvoice};
use crate::service::messages::ProviderMessage;
use portal_model::admin as wire;

impl From<wire::NewAppointment> for NewAppointment {
    fn from(new: wire::NewAppointment) -> Self {
        Self {
            patient_id: new.patient_id,
            provider_id: new.provider_id,
            starts_at: new.starts_at,
            duration_minutes: new.duration_minutes,
            kind: new.kind.as_str().to_owned(),
            location: new.location,
            telehealth_url: new.telehealth_url,
        }
    }
}

impl From<wire::AppointmentChange> for AppointmentChange {
    fn from(change: wire::AppointmentChange) -> Self {
        Self {
            starts_at: change.starts_at,
            duration_minutes: change.duration_minutes,
            status: change.status.map(|s| s.as_str().to_owned()),
        }
    }
}

impl From<wire::Booking> for Booking {
    fn from(booking: wire::Booking) -> Self {
        Self {
            patient: Booker {
                first_name: booking.patient.first_name,
                last_name: booking.patient.last_name,
                email: booking.patient.email,
                phone: booking.patient.phone,
            },
            provider_id: booking.provider_id,
            starts_at: booking.starts_at,
            duration_minutes: booking.duration_minutes,
            kind: booking.kind.as_str().to_owned(),
            location: booking.location,
            telehealth_url: booking.telehealth_url,
        }
    }
}

impl From<wire::ProviderMessage> for ProviderMessage {
    fn from(message: wire::ProviderMessage) -> Self {
        Self {
            patient_id: message.patient_id,
            provider_id: message.provider_id,
            body: message.body,
            thread_id: message.thread_id,
            subject: message.subject,
        }
    }
}

impl From<wire::NewForm> for NewForm {
    fn from(form: wire::NewForm) -> Self {
        Self {
            title: form.title,
            fields: form.fields,
        }
    }
}

impl From<wire::FormAssignment> for Assignment {
    fn from(assignment: wire::FormAssignment) -> Self {
        Self {
            patient_id: assignment.patient_id,
            due_at: assignment.due_at,
        }
    }
}

impl From<wire::NewInvoice> for NewInvoice {
    fn from(invoice: wire::NewInvoice) -> Self {
        Self {
            patient_id: invoice.patient_id,
            number: invoice.number,
            due_at: invoice.due_at,
            currency: invoice.currency,
            lines: invoice.lines,
            superbill: invoice.superbill,
        }
    }
}

impl From<wire::InvoiceChange> for InvoiceChange {
    fn from(change: wire::InvoiceChange) -> Self {
        Self {
            status: change.status.as_str().to_owned(),
        }
    }
}

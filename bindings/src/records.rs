//! The offline copy as typed records, the same per-profile queries as the core's
//! `client.records()`: appointments, threads and their messages, invoices, documents
//! with their state on this device, forms with their answers, the care team, and the
//! home screen's numbers. The records are `portal_model`'s own types (the generated
//! `portal_model` module); statuses are enums with an `Unknown` case for a value from
//! a newer server. A record this version cannot read is skipped and counted
//! (`skipped`), never an error. Each list can also be watched: the listener hears the
//! page at once and again whenever a change touches it, until the subscription is
//! stopped or the store closes (lock, sign-out, a session ended).

use crate::PortalClient;
use crate::background::Subscription;
use crate::error::PortalError;
use crate::offline::{Balance, DocumentState};
use portal_core::{TypedPage, When};
use portal_model::records::{
    Appointment, Document, Form, FormResponse, Invoice, Message, Profile, Provider, Thread,
};
use portal_model::views::SearchHit;
use std::sync::Arc;

/// A page of appointments; `next` asks for the following one.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AppointmentPage {
    pub items: Vec<Appointment>,
    pub next: Option<String>,
    pub skipped: u32,
}

/// A conversation with its newest message.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ThreadItem {
    pub thread: Thread,
    pub last_message: Option<Message>,
}

/// A page of conversations, the latest first.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ThreadPage {
    pub items: Vec<ThreadItem>,
    pub next: Option<String>,
    pub skipped: u32,
}

/// A page of a conversation's messages, oldest first.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MessagePage {
    pub items: Vec<Message>,
    pub next: Option<String>,
    pub skipped: u32,
}

/// A page of invoices, the latest first.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct InvoicePage {
    pub items: Vec<Invoice>,
    pub next: Option<String>,
    pub skipped: u32,
}

/// A shared document and where its bytes are on this device.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DocumentItem {
    pub document: Document,
    pub offline: DocumentState,
}

/// A page of documents, the latest first.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DocumentPage {
    pub items: Vec<DocumentItem>,
    pub next: Option<String>,
    pub skipped: u32,
}

/// A form with the patient's answers so far (a draft) or as submitted.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FormItem {
    pub form: Form,
    pub response: Option<FormResponse>,
}

/// A page of forms.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FormPage {
    pub items: Vec<FormItem>,
    pub next: Option<String>,
    pub skipped: u32,
}

/// The home screen of one profile.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Home {
    pub next_appointment: Option<Appointment>,
    pub unread_messages: i64,
    /// What is owed, per currency, in minor units.
    pub balance_due: Vec<Balance>,
    pub forms_waiting: i64,
    pub documents_unopened: i64,
}

impl From<TypedPage<Appointment>> for AppointmentPage {
    fn from(page: TypedPage<Appointment>) -> Self {
        Self {
            items: page.items,
            next: page.next,
            skipped: page.skipped,
        }
    }
}

impl From<TypedPage<portal_core::ThreadItem>> for ThreadPage {
    fn from(page: TypedPage<portal_core::ThreadItem>) -> Self {
        Self {
            items: page
                .items
                .into_iter()
                .map(|item| ThreadItem {
                    thread: item.thread,
                    last_message: item.last_message,
                })
                .collect(),
            next: page.next,
            skipped: page.skipped,
        }
    }
}

impl From<TypedPage<Message>> for MessagePage {
    fn from(page: TypedPage<Message>) -> Self {
        Self {
            items: page.items,
            next: page.next,
            skipped: page.skipped,
        }
    }
}

impl From<TypedPage<Invoice>> for InvoicePage {
    fn from(page: TypedPage<Invoice>) -> Self {
        Self {
            items: page.items,
            next: page.next,
            skipped: page.skipped,
        }
    }
}

impl From<TypedPage<portal_core::DocumentItem>> for DocumentPage {
    fn from(page: TypedPage<portal_core::DocumentItem>) -> Self {
        Self {
            items: page
                .items
                .into_iter()
                .map(|item| DocumentItem {
                    document: item.document,
                    offline: item.offline.into(),
                })
                .collect(),
            next: page.next,
            skipped: page.skipped,
        }
    }
}

impl From<TypedPage<portal_core::FormItem>> for FormPage {
    fn from(page: TypedPage<portal_core::FormItem>) -> Self {
        Self {
            items: page
                .items
                .into_iter()
                .map(|item| FormItem {
                    form: item.form,
                    response: item.response,
                })
                .collect(),
            next: page.next,
            skipped: page.skipped,
        }
    }
}

impl From<portal_core::Home> for Home {
    fn from(home: portal_core::Home) -> Self {
        Self {
            next_appointment: home.next_appointment,
            unread_messages: home.unread_messages,
            balance_due: home
                .balance_due
                .into_iter()
                .map(|money| Balance {
                    currency: money.currency,
                    amount: money.amount,
                })
                .collect(),
            forms_waiting: home.forms_waiting,
            documents_unopened: home.documents_unopened,
        }
    }
}

/// Hears a watched home screen (from a background thread).
#[uniffi::export(with_foreign)]
pub trait HomeListener: Send + Sync {
    fn on_home(&self, home: Home);
}

/// Hears a watched page of appointments.
#[uniffi::export(with_foreign)]
pub trait AppointmentPageListener: Send + Sync {
    fn on_page(&self, page: AppointmentPage);
}

/// Hears a watched page of conversations.
#[uniffi::export(with_foreign)]
pub trait ThreadPageListener: Send + Sync {
    fn on_page(&self, page: ThreadPage);
}

/// Hears a watched page of a conversation's messages.
#[uniffi::export(with_foreign)]
pub trait MessagePageListener: Send + Sync {
    fn on_page(&self, page: MessagePage);
}

/// Hears a watched page of invoices.
#[uniffi::export(with_foreign)]
pub trait InvoicePageListener: Send + Sync {
    fn on_page(&self, page: InvoicePage);
}

/// Hears a watched page of documents.
#[uniffi::export(with_foreign)]
pub trait DocumentPageListener: Send + Sync {
    fn on_page(&self, page: DocumentPage);
}

/// Hears a watched page of forms.
#[uniffi::export(with_foreign)]
pub trait FormPageListener: Send + Sync {
    fn on_page(&self, page: FormPage);
}

/// Hears a watched profile (`None` once the account no longer has it).
#[uniffi::export(with_foreign)]
pub trait ProfileListener: Send + Sync {
    fn on_profile(&self, profile: Option<Profile>);
}

/// Hands `watch`'s result to `deliver` now and at every change, until stopped.
pub(crate) fn forward<T, F>(mut watch: portal_core::Watch<T>, deliver: F) -> Arc<Subscription>
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) + Send + Sync + 'static,
{
    deliver(watch.latest());
    let task = tokio::spawn(async move {
        while let Some(result) = watch.next().await {
            deliver(result);
        }
    });
    Arc::new(Subscription::of(vec![task]))
}

#[uniffi::export(async_runtime = "tokio")]
impl PortalClient {
    /// Watches the home screen: `listener` hears it now and at every change.
    pub async fn watch_home(
        &self,
        profile_id: String,
        listener: Arc<dyn HomeListener>,
    ) -> Result<Arc<Subscription>, PortalError> {
        let watch = self.inner.records().watch_home(&profile_id).await?;
        Ok(forward(watch, move |home| listener.on_home(home.into())))
    }

    /// Watches the first `limit` upcoming (or past) appointments.
    pub async fn watch_appointments(
        &self,
        profile_id: String,
        upcoming: bool,
        limit: u32,
        listener: Arc<dyn AppointmentPageListener>,
    ) -> Result<Arc<Subscription>, PortalError> {
        let when = if upcoming { When::Upcoming } else { When::Past };
        let watch = self
            .inner
            .records()
            .watch_appointments(&profile_id, when, limit)
            .await?;
        Ok(forward(watch, move |page| listener.on_page(page.into())))
    }

    /// Watches the first `limit` conversations.
    pub async fn watch_threads(
        &self,
        profile_id: String,
        limit: u32,
        listener: Arc<dyn ThreadPageListener>,
    ) -> Result<Arc<Subscription>, PortalError> {
        let watch = self
            .inner
            .records()
            .watch_threads(&profile_id, limit)
            .await?;
        Ok(forward(watch, move |page| listener.on_page(page.into())))
    }

    /// Watches the first `limit` messages of a conversation.
    pub async fn watch_messages(
        &self,
        profile_id: String,
        thread_id: String,
        limit: u32,
        listener: Arc<dyn MessagePageListener>,
    ) -> Result<Arc<Subscription>, PortalError> {
        let watch = self
            .inner
            .records()
            .watch_thread_messages(&profile_id, &thread_id, limit)
            .await?;
        Ok(forward(watch, move |page| listener.on_page(page.into())))
    }

    /// Watches the first `limit` invoices.
    pub async fn watch_invoices(
        &self,
        profile_id: String,
        limit: u32,
        listener: Arc<dyn InvoicePageListener>,
    ) -> Result<Arc<Subscription>, PortalError> {
        let watch = self
            .inner
            .records()
            .watch_invoices(&profile_id, limit)
            .await?;
        Ok(forward(watch, move |page| listener.on_page(page.into())))
    }

    /// Watches the first `limit` documents, with their state on this device.
    pub async fn watch_documents(
        &self,
        profile_id: String,
        limit: u32,
        listener: Arc<dyn DocumentPageListener>,
    ) -> Result<Arc<Subscription>, PortalError> {
        let watch = self
            .inner
            .records()
            .watch_documents(&profile_id, limit)
            .await?;
        Ok(forward(watch, move |page| listener.on_page(page.into())))
    }

    /// Watches the first `limit` forms, with their answers.
    pub async fn watch_forms(
        &self,
        profile_id: String,
        limit: u32,
        listener: Arc<dyn FormPageListener>,
    ) -> Result<Arc<Subscription>, PortalError> {
        let watch = self.inner.records().watch_forms(&profile_id, limit).await?;
        Ok(forward(watch, move |page| listener.on_page(page.into())))
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl PortalClient {
    /// Appointments from now on, the earliest first (`upcoming`), or before now, the
    /// latest first.
    pub async fn appointment_page(
        &self,
        profile_id: String,
        upcoming: bool,
        limit: u32,
        after: Option<String>,
    ) -> Result<AppointmentPage, PortalError> {
        let when = if upcoming { When::Upcoming } else { When::Past };
        let page = self
            .inner
            .records()
            .appointments(&profile_id, when, limit, after)
            .await?;
        Ok(page.into())
    }

    /// Conversations, the latest first, each with its newest message.
    pub async fn thread_page(
        &self,
        profile_id: String,
        limit: u32,
        after: Option<String>,
    ) -> Result<ThreadPage, PortalError> {
        let page = self
            .inner
            .records()
            .threads(&profile_id, limit, after)
            .await?;
        Ok(page.into())
    }

    /// A conversation's messages, oldest first.
    pub async fn message_page(
        &self,
        profile_id: String,
        thread_id: String,
        limit: u32,
        after: Option<String>,
    ) -> Result<MessagePage, PortalError> {
        let page = self
            .inner
            .records()
            .thread_messages(&profile_id, &thread_id, limit, after)
            .await?;
        Ok(page.into())
    }

    /// Invoices, the latest first.
    pub async fn invoice_page(
        &self,
        profile_id: String,
        limit: u32,
        after: Option<String>,
    ) -> Result<InvoicePage, PortalError> {
        let page = self
            .inner
            .records()
            .invoices(&profile_id, limit, after)
            .await?;
        Ok(page.into())
    }

    /// Shared documents, the latest first, each with its state on this device.
    pub async fn document_page(
        &self,
        profile_id: String,
        limit: u32,
        after: Option<String>,
    ) -> Result<DocumentPage, PortalError> {
        let page = self
            .inner
            .records()
            .documents(&profile_id, limit, after)
            .await?;
        Ok(page.into())
    }

    /// Forms, each with its draft or submitted answers.
    pub async fn form_page(
        &self,
        profile_id: String,
        limit: u32,
        after: Option<String>,
    ) -> Result<FormPage, PortalError> {
        let page = self
            .inner
            .records()
            .forms(&profile_id, limit, after)
            .await?;
        Ok(page.into())
    }

    /// The profile's care team.
    pub async fn care_team(&self, profile_id: String) -> Result<Vec<Provider>, PortalError> {
        Ok(self.inner.records().care_team(&profile_id).await?)
    }

    /// The home screen: next appointment, unread messages, balance due, forms waiting,
    /// documents not yet opened.
    pub async fn home(&self, profile_id: String) -> Result<Home, PortalError> {
        Ok(self.inner.records().home(&profile_id).await?.into())
    }

    /// The patient's profile (name, date of birth, contact details) as the device has
    /// it, with contact changes not yet sent already applied.
    pub async fn profile(&self, profile_id: String) -> Result<Option<Profile>, PortalError> {
        Ok(self.inner.records().profile(&profile_id).await?)
    }

    /// Watches the profile (for a contact details screen).
    pub async fn watch_profile(
        &self,
        profile_id: String,
        listener: Arc<dyn ProfileListener>,
    ) -> Result<Arc<Subscription>, PortalError> {
        let watch = self.inner.records().watch_profile(&profile_id).await?;
        Ok(forward(watch, move |profile| listener.on_profile(profile)))
    }

    /// One form with its answers so far (a draft) or as submitted.
    pub async fn form(
        &self,
        profile_id: String,
        form_id: String,
    ) -> Result<Option<FormItem>, PortalError> {
        Ok(self
            .inner
            .records()
            .form(&profile_id, &form_id)
            .await?
            .map(|item| FormItem {
                form: item.form,
                response: item.response,
            }))
    }

    /// Messages, conversations and documents matching what the person typed (word
    /// prefixes, accents ignored), searched on the device: each hit with a title and
    /// the words around the match. A message's hit names its conversation.
    pub async fn find(
        &self,
        profile_id: String,
        query: String,
        limit: u32,
    ) -> Result<Vec<SearchHit>, PortalError> {
        Ok(self
            .inner
            .records()
            .find(&profile_id, &query, limit)
            .await?)
    }
}

//! Page reads that block the calling thread instead of returning a future: for a
//! host's background thread (Kotlin's `Dispatchers.IO`, a Swift `Task.detached`, a
//! Python worker thread), never its main thread. The same reads as the `async` ones,
//! without the cost of crossing the FFI as a future (UniFFI polls a foreign future
//! through a callback per wake-up, about 0.1 ms a call from the JVM): one call in, one
//! answer out.

use crate::PortalClient;
use crate::error::PortalError;
use crate::records::{
    AppointmentPage, DocumentPage, FormPage, Home, InvoicePage, MessagePage, ThreadPage,
};

/// Runs `future` to its end on this thread, inside the tokio runtime UniFFI's async
/// calls use (the core's reads hop to the database's thread from there).
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    futures_executor::block_on(uniffi::deps::async_compat::Compat::new(future))
}

#[uniffi::export]
impl PortalClient {
    /// [`PortalClient::appointment_page`], blocking the calling thread.
    pub fn appointment_page_blocking(
        &self,
        profile_id: String,
        upcoming: bool,
        limit: u32,
        after: Option<String>,
    ) -> Result<AppointmentPage, PortalError> {
        block_on(self.appointment_page(profile_id, upcoming, limit, after))
    }

    /// [`PortalClient::thread_page`], blocking the calling thread.
    pub fn thread_page_blocking(
        &self,
        profile_id: String,
        limit: u32,
        after: Option<String>,
    ) -> Result<ThreadPage, PortalError> {
        block_on(self.thread_page(profile_id, limit, after))
    }

    /// [`PortalClient::message_page`], blocking the calling thread.
    pub fn message_page_blocking(
        &self,
        profile_id: String,
        thread_id: String,
        limit: u32,
        after: Option<String>,
    ) -> Result<MessagePage, PortalError> {
        block_on(self.message_page(profile_id, thread_id, limit, after))
    }

    /// [`PortalClient::invoice_page`], blocking the calling thread.
    pub fn invoice_page_blocking(
        &self,
        profile_id: String,
        limit: u32,
        after: Option<String>,
    ) -> Result<InvoicePage, PortalError> {
        block_on(self.invoice_page(profile_id, limit, after))
    }

    /// [`PortalClient::document_page`], blocking the calling thread.
    pub fn document_page_blocking(
        &self,
        profile_id: String,
        limit: u32,
        after: Option<String>,
    ) -> Result<DocumentPage, PortalError> {
        block_on(self.document_page(profile_id, limit, after))
    }

    /// [`PortalClient::form_page`], blocking the calling thread.
    pub fn form_page_blocking(
        &self,
        profile_id: String,
        limit: u32,
        after: Option<String>,
    ) -> Result<FormPage, PortalError> {
        block_on(self.form_page(profile_id, limit, after))
    }

    /// [`PortalClient::home`], blocking the calling thread.
    pub fn home_blocking(&self, profile_id: String) -> Result<Home, PortalError> {
        block_on(self.home(profile_id))
    }
}

//! Business rules, independent of HTTP: each function takes the state and typed input
//! and returns typed output or a [`crate::error::ServerError`] with a protocol code.

pub mod appointments;
pub mod audit;
pub mod auth;
pub mod blob_store;
pub mod bookings;
pub mod documents;
pub mod events;
pub mod feed;
pub mod files;
pub mod forms;
pub mod housekeeping;
pub mod invites;
pub mod invoices;
pub mod join;
pub mod limits;
pub mod messages;
pub mod mutations;
pub mod names;
pub mod page_cache;
pub mod password_change;
pub mod patients;
pub mod publish;
pub mod records;
pub mod reset;
pub mod seed;
pub mod sessions;
pub mod settings;

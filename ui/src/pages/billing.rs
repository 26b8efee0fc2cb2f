//! Billing: each invoice with its lines, total and balance, and its superbill (a PDF
//! the practice made for the insurer) to download with progress and open.

use super::documents::DocumentActions;
use super::show;
use super::when::{date_time, money};
use crate::i18n::{tr, tr_args};
use crate::live::use_view;
use dioxus::prelude::*;
use portal_model::desktop::{PAGE_SIZE, View, ViewData};
use portal_model::records::Invoice;
use portal_model::views::DocumentStatus;

#[component]
pub fn Billing() -> Element {
    let mut limit = use_signal(|| PAGE_SIZE);
    let list = use_view(use_memo(move || View::Invoices { limit: limit() }));
    let loaded = list.read();
    rsx! {
        section { class: "card", id: "billing",
            h2 { {tr("billing-title")} }
            {show(&loaded, "invoices", |data| {
                let ViewData::Invoices(page) = data else { return None };
                Some(rsx! {
                    if page.items.is_empty() {
                        p { class: "empty", id: "invoices-empty", {tr("billing-none")} }
                    }
                    ul { class: "list", id: "invoice-list", "data-ready": "true",
                        for item in page.items.iter() {
                            InvoiceCard {
                                key: "{item.invoice.id}",
                                invoice: item.invoice.clone(),
                                superbill: item.invoice.superbill_document_id.clone().zip(item.superbill),
                            }
                        }
                    }
                    if page.next.is_some() {
                        button { class: "link", id: "invoices-more", onclick: move |_| limit += PAGE_SIZE, {tr("show-more")} }
                    }
                })
            })}
        }
    }
}

#[component]
fn InvoiceCard(invoice: Invoice, superbill: Option<(String, DocumentStatus)>) -> Element {
    rsx! {
        li { class: "invoice", "data-invoice": "{invoice.number}",
            div { class: "title-row",
                h3 { {tr_args("invoice-number", &[("number", invoice.number.clone().into())])} }
                span { class: "status", "data-status": "{invoice.status.as_str()}",
                    {tr_args("invoice-status", &[("status", invoice.status.as_str().into())])}
                }
            }
            p { class: "muted",
                {tr_args("invoice-dates", &[
                    ("issued", date_time(invoice.issued_at).into()),
                    ("due", date_time(invoice.due_at).into()),
                ])}
            }
            table { class: "lines",
                thead { tr {
                    th { scope: "col", {tr("invoice-line")} }
                    th { scope: "col", class: "num", {tr("invoice-quantity")} }
                    th { scope: "col", class: "num", {tr("invoice-amount")} }
                } }
                tbody {
                    for (n, line) in invoice.lines.iter().enumerate() {
                        tr { key: "{n}",
                            td { "{line.description}" }
                            td { class: "num", "{line.quantity}" }
                            td { class: "num", "{money(&invoice.currency, line.total())}" }
                        }
                    }
                }
                tfoot {
                    tr { th { scope: "row", colspan: "2", {tr("invoice-total")} } td { class: "num", "{money(&invoice.currency, invoice.total)}" } }
                    tr { th { scope: "row", colspan: "2", {tr("invoice-balance")} } td { class: "num balance", "{money(&invoice.currency, invoice.balance)}" } }
                }
            }
            if let Some((id, status)) = superbill {
                div { class: "superbill",
                    strong { {tr("invoice-superbill")} }
                    DocumentActions { id, status }
                }
            }
        }
    }
}

//! The typed queries: the feed's records as `portal_model::records` types, per profile,
//! paged, and live ([`Watch`]). A stored record that this version cannot read as its
//! type is skipped and counted, never lost (the store keeps it as it came).

use super::Records;
use super::snippet::snippet;
use crate::error::CoreError;
use crate::store::blobs::document_status;
use crate::store::read::{ListQuery, Owner};
use crate::store::{ListOrder, Page, Store, StoredRecord};
use crate::watch::{self, Watch};
use portal_model::records::{
    Appointment, Document, FeedRecord, Form, FormResponse, Invoice, Message, Profile, Provider,
    RecordKind, Thread,
};
use portal_model::views::{
    DocumentItem, FormItem, Home, Money, SearchHit, ThreadItem, TypedPage, When,
};

/// Reads a stored record as `T`; `None` (logged with its kind, never its content) when
/// it is not one.
fn decode<T: FeedRecord>(record: &StoredRecord) -> Option<T> {
    match serde_json::from_str(record.data.json()) {
        Ok(value) => Some(value),
        Err(error) => {
            tracing::debug!(kind = %record.kind, %error, "a stored record does not read as its type");
            None
        }
    }
}

/// A page of stored records as `T`, skipping (and counting) what does not read.
fn typed<T: FeedRecord>(page: Page) -> TypedPage<T> {
    let mut items = Vec::with_capacity(page.items.len());
    let mut skipped = 0;
    for record in &page.items {
        match decode(record) {
            Some(item) => items.push(item),
            None => skipped += 1,
        }
    }
    TypedPage {
        items,
        next: page.next,
        skipped,
    }
}

/// A page of the records of `T`'s kind of a profile (or under a parent), as `T`.
async fn page<T: FeedRecord + Send + 'static>(
    store: &Store,
    owner: Owner,
    order: ListOrder,
    limit: u32,
    after: Option<String>,
) -> Result<TypedPage<T>, CoreError> {
    store
        .list_with(
            ListQuery::new(T::KIND, owner, order, limit, after),
            typed::<T>,
        )
        .await
}

/// The newest record of `T`'s kind under `parent` (a thread's last message, a form's
/// answers).
async fn newest<T: FeedRecord>(store: &Store, parent: &str) -> Result<Option<T>, CoreError> {
    let newest = store
        .list(ListQuery::new(
            T::KIND,
            Owner::Parent(parent.to_owned()),
            ListOrder::NewestFirst,
            1,
            None,
        ))
        .await?;
    Ok(newest.items.first().and_then(decode))
}

impl Records {
    /// The account's database, once the account is known to act for `profile_id`.
    async fn store_for(&self, profile_id: &str) -> Result<Store, CoreError> {
        if !self.ctx.require_unlocked()?.acts_for(profile_id) {
            return Err(CoreError::UnknownProfile);
        }
        Ok(self.ctx.store().await?.0)
    }

    /// The profile's own record: name, contact details (with their `rev`, the base of
    /// an edit), care team.
    pub async fn profile(&self, profile_id: &str) -> Result<Option<Profile>, CoreError> {
        let store = self.store_for(profile_id).await?;
        let record = store.get(Profile::KIND, profile_id).await?;
        Ok(record.as_ref().and_then(decode))
    }

    /// One record of `T`'s kind: the profile's own, or practice-wide (a provider).
    /// `None` when this device does not have it (or it is another profile's).
    pub async fn get<T: FeedRecord>(
        &self,
        profile_id: &str,
        id: &str,
    ) -> Result<Option<T>, CoreError> {
        let store = self.store_for(profile_id).await?;
        let record = store.get(T::KIND, id).await?;
        Ok(record
            .filter(|r| {
                r.profile_id
                    .as_deref()
                    .is_none_or(|owner| owner == profile_id)
            })
            .as_ref()
            .and_then(decode))
    }

    /// Upcoming (from now, earliest first) or past (latest first) appointments.
    pub async fn appointments(
        &self,
        profile_id: &str,
        when: When,
        limit: u32,
        after: Option<String>,
    ) -> Result<TypedPage<Appointment>, CoreError> {
        let store = self.store_for(profile_id).await?;
        let order = match when {
            When::Upcoming => ListOrder::OldestFirst,
            When::Past => ListOrder::NewestFirst,
        };
        let mut list = ListQuery::new(
            Appointment::KIND,
            Owner::Profile(profile_id.to_owned()),
            order,
            limit,
            after,
        );
        list.from_ms = Some(self.ctx.now().timestamp_millis());
        // Decoded on the database's thread, while the rows are in its cache.
        store.list_with(list, typed::<Appointment>).await
    }

    /// Conversations, the latest first, each with its newest message.
    pub async fn threads(
        &self,
        profile_id: &str,
        limit: u32,
        after: Option<String>,
    ) -> Result<TypedPage<ThreadItem>, CoreError> {
        let store = self.store_for(profile_id).await?;
        let owner = Owner::Profile(profile_id.to_owned());
        let threads: TypedPage<Thread> =
            page(&store, owner, ListOrder::NewestFirst, limit, after).await?;
        let mut items = Vec::with_capacity(threads.items.len());
        for thread in threads.items {
            let last_message = newest::<Message>(&store, &thread.id).await?;
            items.push(ThreadItem {
                thread,
                last_message,
            });
        }
        Ok(TypedPage {
            items,
            next: threads.next,
            skipped: threads.skipped,
        })
    }

    /// A conversation's messages, oldest first (the profile's own, checked).
    pub async fn thread_messages(
        &self,
        profile_id: &str,
        thread_id: &str,
        limit: u32,
        after: Option<String>,
    ) -> Result<TypedPage<Message>, CoreError> {
        let store = self.store_for(profile_id).await?;
        let owner = Owner::Parent(thread_id.to_owned());
        let mut messages: TypedPage<Message> =
            page(&store, owner, ListOrder::OldestFirst, limit, after).await?;
        messages.items.retain(|m| m.profile_id == profile_id);
        Ok(messages)
    }

    /// Invoices, the latest first.
    pub async fn invoices(
        &self,
        profile_id: &str,
        limit: u32,
        after: Option<String>,
    ) -> Result<TypedPage<Invoice>, CoreError> {
        let store = self.store_for(profile_id).await?;
        let owner = Owner::Profile(profile_id.to_owned());
        page(&store, owner, ListOrder::NewestFirst, limit, after).await
    }

    /// Documents, the latest first, each with where its bytes are on this device.
    pub async fn documents(
        &self,
        profile_id: &str,
        limit: u32,
        after: Option<String>,
    ) -> Result<TypedPage<DocumentItem>, CoreError> {
        let store = self.store_for(profile_id).await?;
        let owner = Owner::Profile(profile_id.to_owned());
        let documents: TypedPage<Document> =
            page(&store, owner, ListOrder::NewestFirst, limit, after).await?;
        let mut items = Vec::with_capacity(documents.items.len());
        for document in documents.items {
            let offline = document_status(store.download(&document.id).await?.as_ref());
            items.push(DocumentItem { document, offline });
        }
        Ok(TypedPage {
            items,
            next: documents.next,
            skipped: documents.skipped,
        })
    }

    /// Forms, the soonest due first, each with the answers so far (a draft or
    /// submitted).
    pub async fn forms(
        &self,
        profile_id: &str,
        limit: u32,
        after: Option<String>,
    ) -> Result<TypedPage<FormItem>, CoreError> {
        let store = self.store_for(profile_id).await?;
        let owner = Owner::Profile(profile_id.to_owned());
        let forms: TypedPage<Form> =
            page(&store, owner, ListOrder::OldestFirst, limit, after).await?;
        let mut items = Vec::with_capacity(forms.items.len());
        for form in forms.items {
            let response = newest::<FormResponse>(&store, &form.id).await?;
            items.push(FormItem { form, response });
        }
        Ok(TypedPage {
            items,
            next: forms.next,
            skipped: forms.skipped,
        })
    }

    /// One form with the patient's answers so far (a draft, or submitted), if any.
    pub async fn form(
        &self,
        profile_id: &str,
        form_id: &str,
    ) -> Result<Option<FormItem>, CoreError> {
        let Some(form) = self.get::<Form>(profile_id, form_id).await? else {
            return Ok(None);
        };
        let store = self.store_for(profile_id).await?;
        let response = newest::<FormResponse>(&store, &form.id).await?;
        Ok(Some(FormItem { form, response }))
    }

    /// The providers who may message the patient (the primary one first).
    pub async fn care_team(&self, profile_id: &str) -> Result<Vec<Provider>, CoreError> {
        let store = self.store_for(profile_id).await?;
        let Some(profile) = store
            .get(Profile::KIND, profile_id)
            .await?
            .as_ref()
            .and_then(decode::<Profile>)
        else {
            return Ok(Vec::new());
        };
        let mut ids = vec![profile.primary_provider_id.clone()];
        for id in profile.care_team_ids {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let mut team = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(provider) = store
                .get(Provider::KIND, &id)
                .await?
                .as_ref()
                .and_then(decode)
            {
                team.push(provider);
            }
        }
        Ok(team)
    }

    /// The home screen's numbers: the next appointment, unread messages, the balance
    /// due, forms waiting and documents not yet opened.
    pub async fn home(&self, profile_id: &str) -> Result<Home, CoreError> {
        let store = self.store_for(profile_id).await?;
        let summary = store
            .summary(profile_id, self.ctx.now().timestamp_millis())
            .await?;
        Ok(Home {
            next_appointment: summary.next_appointment.as_ref().and_then(decode),
            unread_messages: summary.unread_messages,
            balance_due: summary
                .balance_due
                .into_iter()
                .map(|(currency, amount)| Money { currency, amount })
                .collect(),
            forms_waiting: summary.forms_waiting,
            documents_unopened: summary.documents_unopened,
        })
    }

    /// Messages, conversations and documents matching what the person typed, searched
    /// on this device, with the words around each match.
    pub async fn find(
        &self,
        profile_id: &str,
        typed_query: &str,
        limit: u32,
    ) -> Result<Vec<SearchHit>, CoreError> {
        let store = self.store_for(profile_id).await?;
        let found = store.search(profile_id, typed_query, limit).await?;
        let mut hits = Vec::with_capacity(found.len());
        for record in &found {
            let hit = match RecordKind::parse(&record.kind) {
                RecordKind::Message => decode::<Message>(record).map(|m| SearchHit {
                    kind: RecordKind::Message,
                    title: snippet(&m.body, ""),
                    snippet: snippet(&m.body, typed_query),
                    thread_id: Some(m.thread_id),
                    id: m.id,
                }),
                RecordKind::Thread => decode::<Thread>(record).map(|t| SearchHit {
                    kind: RecordKind::Thread,
                    snippet: snippet(&t.subject, typed_query),
                    title: t.subject,
                    thread_id: Some(t.id.clone()),
                    id: t.id,
                }),
                RecordKind::Document => decode::<Document>(record).map(|d| SearchHit {
                    kind: RecordKind::Document,
                    snippet: snippet(&d.title, typed_query),
                    title: d.title,
                    thread_id: None,
                    id: d.id,
                }),
                _ => None,
            };
            hits.extend(hit);
        }
        Ok(hits)
    }

    /// [`Records::home`], live.
    pub async fn watch_home(&self, profile_id: &str) -> Result<Watch<Home>, CoreError> {
        let (this, profile) = (self.clone(), profile_id.to_owned());
        watch::of_kinds(
            &self.ctx,
            &[
                "appointment",
                "thread",
                "message",
                "invoice",
                "document",
                "form",
                "form_response",
            ],
            move || {
                let (this, profile) = (this.clone(), profile.clone());
                async move { this.home(&profile).await }
            },
        )
        .await
    }

    /// The first page of [`Records::appointments`], live.
    pub async fn watch_appointments(
        &self,
        profile_id: &str,
        when: When,
        limit: u32,
    ) -> Result<Watch<TypedPage<Appointment>>, CoreError> {
        let (this, profile) = (self.clone(), profile_id.to_owned());
        watch::of_kinds(&self.ctx, &["appointment"], move || {
            let (this, profile) = (this.clone(), profile.clone());
            async move { this.appointments(&profile, when, limit, None).await }
        })
        .await
    }

    /// The first page of [`Records::threads`], live.
    pub async fn watch_threads(
        &self,
        profile_id: &str,
        limit: u32,
    ) -> Result<Watch<TypedPage<ThreadItem>>, CoreError> {
        let (this, profile) = (self.clone(), profile_id.to_owned());
        watch::of_kinds(&self.ctx, &["thread", "message"], move || {
            let (this, profile) = (this.clone(), profile.clone());
            async move { this.threads(&profile, limit, None).await }
        })
        .await
    }

    /// The first page of [`Records::thread_messages`], live.
    pub async fn watch_thread_messages(
        &self,
        profile_id: &str,
        thread_id: &str,
        limit: u32,
    ) -> Result<Watch<TypedPage<Message>>, CoreError> {
        let (this, profile, thread) = (self.clone(), profile_id.to_owned(), thread_id.to_owned());
        watch::of_kinds(&self.ctx, &["message"], move || {
            let (this, profile, thread) = (this.clone(), profile.clone(), thread.clone());
            async move { this.thread_messages(&profile, &thread, limit, None).await }
        })
        .await
    }

    /// The first page of [`Records::invoices`], live.
    pub async fn watch_invoices(
        &self,
        profile_id: &str,
        limit: u32,
    ) -> Result<Watch<TypedPage<Invoice>>, CoreError> {
        let (this, profile) = (self.clone(), profile_id.to_owned());
        watch::of_kinds(&self.ctx, &["invoice"], move || {
            let (this, profile) = (this.clone(), profile.clone());
            async move { this.invoices(&profile, limit, None).await }
        })
        .await
    }

    /// The first page of [`Records::documents`], live.
    pub async fn watch_documents(
        &self,
        profile_id: &str,
        limit: u32,
    ) -> Result<Watch<TypedPage<DocumentItem>>, CoreError> {
        let (this, profile) = (self.clone(), profile_id.to_owned());
        watch::of_kinds(&self.ctx, &["document"], move || {
            let (this, profile) = (this.clone(), profile.clone());
            async move { this.documents(&profile, limit, None).await }
        })
        .await
    }

    /// The first page of [`Records::forms`], live.
    pub async fn watch_forms(
        &self,
        profile_id: &str,
        limit: u32,
    ) -> Result<Watch<TypedPage<FormItem>>, CoreError> {
        let (this, profile) = (self.clone(), profile_id.to_owned());
        watch::of_kinds(&self.ctx, &["form", "form_response"], move || {
            let (this, profile) = (this.clone(), profile.clone());
            async move { this.forms(&profile, limit, None).await }
        })
        .await
    }

    /// [`Records::profile`], live (a contact change, from this device or the practice).
    pub async fn watch_profile(
        &self,
        profile_id: &str,
    ) -> Result<Watch<Option<Profile>>, CoreError> {
        let (this, profile) = (self.clone(), profile_id.to_owned());
        watch::of_kinds(&self.ctx, &["profile"], move || {
            let (this, profile) = (this.clone(), profile.clone());
            async move { this.profile(&profile).await }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::RecordData;
    use portal_model::records::AppointmentStatus;

    fn stored(json: &str) -> StoredRecord {
        StoredRecord {
            kind: "appointment".into(),
            id: "a".into(),
            profile_id: Some("p".into()),
            rev: 1,
            data: RecordData::from_json(json.to_owned()),
        }
    }

    #[test]
    fn records_that_do_not_read_are_skipped_and_counted_and_new_values_kept() {
        let good = r#"{"id":"a1","profile_id":"p","rev":1,"updated_at":"2026-01-01T00:00:00.000Z",
            "provider_id":"prv","starts_at":"2026-01-02T09:00:00.000Z",
            "ends_at":"2026-01-02T09:30:00.000Z","kind":"in_person","location":"Room 1",
            "telehealth_url":null,"status":"rescheduled_by_robot",
            "cancellable_until":"2026-01-01T09:00:00.000Z","floor":3}"#;
        let bad = r#"{"id":"a2","starts_at":"not a time"}"#;
        let page = Page {
            items: vec![stored(good), stored(bad), stored("not json")],
            next: Some("t".into()),
        };
        let typed: TypedPage<Appointment> = typed(page);
        assert_eq!(typed.items.len(), 1);
        assert_eq!(typed.skipped, 2);
        assert_eq!(typed.next.as_deref(), Some("t"));
        assert_eq!(
            typed.items[0].status,
            AppointmentStatus::Unknown("rescheduled_by_robot".into())
        );
    }
}

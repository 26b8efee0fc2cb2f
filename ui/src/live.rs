//! Live data for the signed-in pages: a page opens a view of the offline copy through
//! the shell and gets its data at once; the shell's view events keep it current until
//! the page goes away. The sync line is shared the same way.

use crate::bridge;
use dioxus::core::spawn_forever;
use dioxus::prelude::*;
use portal_model::desktop::{
    DOWNLOAD_EVENT, DocumentProgress, Notice, SYNC_EVENT, SyncBar, VIEW_EVENT, View, ViewData,
    ViewUpdate,
};
use portal_model::views::DownloadProgress;
use std::cell::RefCell;
use std::collections::HashMap;

/// Where a page's data stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded {
    Loading,
    Ready(ViewData),
    Failed(Notice),
}

thread_local! {
    /// The open views' signals, by the shell's watch id.
    static OPEN: RefCell<HashMap<u64, Signal<Loaded>>> = RefCell::new(HashMap::new());
    /// Updates that came before the answer that opened their view (an event can
    /// overtake a command's answer): the latest of each, newer than that answer.
    static EARLY: RefCell<HashMap<u64, ViewData>> = RefCell::new(HashMap::new());
}

/// Downloads under way, by document id (shared by every page that shows documents).
pub type Downloads = Signal<HashMap<String, DownloadProgress>>;

/// A conversation a clicked notification asked to open (its thread id), until the
/// signed-in frame opens it.
#[derive(Clone, Copy)]
pub struct OpenThread(pub Signal<Option<String>>);

/// Starts delivering the shell's view, sync and download events (once, at start-up),
/// the three listeners asked for together.
pub async fn listen(
    mut sync: Signal<SyncBar>,
    mut downloads: Downloads,
    OpenThread(mut open_thread): OpenThread,
) -> Result<(), Notice> {
    let downloads_heard = bridge::listen(DOWNLOAD_EVENT, move |event: DocumentProgress| {
        downloads.write().insert(event.document_id, event.progress);
    });
    let views_heard = bridge::listen(VIEW_EVENT, |update: ViewUpdate| {
        let target = OPEN.with(|open| open.borrow().get(&update.watch).copied());
        match target {
            Some(mut signal) => signal.set(Loaded::Ready(update.data)),
            None => EARLY.with(|early| {
                early.borrow_mut().insert(update.watch, update.data);
            }),
        }
    });
    let sync_heard = bridge::listen(SYNC_EVENT, move |bar: SyncBar| sync.set(bar));
    let threads_heard = bridge::listen(
        portal_model::desktop::OPEN_THREAD_EVENT,
        move |thread_id: String| open_thread.set(Some(thread_id)),
    );
    futures_util::future::try_join4(downloads_heard, views_heard, sync_heard, threads_heard)
        .await?;
    Ok(())
}

/// The sync line as it stands (after `listen`, so that no change falls in between).
pub async fn refresh_sync(mut sync: Signal<SyncBar>) {
    if let Ok(bar) = bridge::sync_status().await {
        sync.set(bar);
    }
}

fn close(watch: u64) {
    OPEN.with(|open| open.borrow_mut().remove(&watch));
    EARLY.with(|early| early.borrow_mut().remove(&watch));
    spawn_forever(async move {
        // A view that cannot be closed only sends events nobody listens to.
        let _ = bridge::close_view(watch).await;
    });
}

/// The live data of `view` for the profile in use (opened again whenever either
/// changes), closed with the page.
pub fn use_view(view: Memo<View>) -> Signal<Loaded> {
    let mut state = use_signal(|| Loaded::Loading);
    let mut watch = use_signal(|| None::<u64>);
    // Counts openings, so that an answer for a view the page left is closed at once.
    let mut generation = use_signal(|| 0_u64);
    // Another profile chosen: the same page reads again, for it.
    let session = crate::pages::use_session();
    let profile = use_memo(move || session.read().current_profile_id.clone());
    use_effect(move || {
        let view = view();
        let _for_profile = profile();
        if let Some(old) = watch.write().take() {
            close(old);
        }
        let mine = *generation.peek() + 1;
        generation.set(mine);
        spawn(async move {
            match bridge::open_view(view).await {
                Ok(update) if *generation.peek() == mine => {
                    crate::mark("ui-view-opened");
                    OPEN.with(|open| open.borrow_mut().insert(update.watch, state));
                    let newer = EARLY.with(|early| early.borrow_mut().remove(&update.watch));
                    watch.set(Some(update.watch));
                    state.set(Loaded::Ready(newer.unwrap_or(update.data)));
                }
                Ok(update) => close(update.watch),
                Err(notice) => state.set(Loaded::Failed(notice)),
            }
        });
    });
    use_drop(move || {
        if let Some(old) = *watch.peek() {
            close(old);
        }
    });
    state
}

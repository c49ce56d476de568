//! Each user's address book of one `google` or `office365` source, kept in memory.
//!
//! - A user's first lookup fetches the book; concurrent lookups of that user wait for that one
//!   fetch instead of making their own.
//! - For `ttl` the kept book answers; after that the next lookup is still answered from it while
//!   one background fetch replaces it.
//! - When wazo-auth says the user has no such account (or the provider refuses the user's token),
//!   the book is dropped: the user gets nothing, and asking again waits `NO_ACCOUNT_RETRY` at most.
//! - Books nobody read for four `ttl`s are forgotten.

use super::WazoTokens;
use crate::backends::{Context, RawContact, SourceSpec};
use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How soon a user without an account is asked about again.
const NO_ACCOUNT_RETRY: Duration = Duration::from_secs(30);

/// A user's contacts, as the backend converted them, with the folded text of their searched
/// columns (so that a lookup folds its term once, not every value of every contact).
#[derive(Debug, Default)]
pub struct AddressBook {
    contacts: Vec<RawContact>,
    /// Per contact: its searched columns' values, folded, one per line.
    haystacks: Vec<String>,
    /// Per contact: the digits of its searched values written as numbers, one per line.
    numbers: Vec<String>,
    /// Per contact: its name as a keypad spells it, for dial-pad searches.
    names: Vec<crate::text::t9::Name>,
    /// Per contact: the texts of its first-matched columns (list items and map values too).
    matched: Vec<Vec<String>>,
    /// `matched` by E.164 number and last digits, keyed at the first reverse lookup.
    number_index: crate::numbers::LazyIndex,
}

/// Per contact, what `add` gathers from the values of its `columns`.
fn gather<T: Default>(
    contacts: &[RawContact],
    columns: &[String],
    add: fn(&serde_json::Value, &mut T),
) -> Vec<T> {
    let each = contacts.iter().map(|contact| {
        let mut gathered = T::default();
        for value in columns.iter().filter_map(|c| contact.fields.get(c)) {
            add(value, &mut gathered);
        }
        gathered
    });
    each.collect()
}

impl AddressBook {
    pub fn new(contacts: Vec<RawContact>, spec: &SourceSpec) -> Self {
        use super::matching::{digits_into, fold_into, texts_into};
        let matched = gather(&contacts, &spec.first_matched_columns, texts_into);
        let numbers = gather(&contacts, &spec.searched_columns, digits_into);
        let haystacks = gather(&contacts, &spec.searched_columns, fold_into);
        let name_columns = crate::backends::name_columns(spec);
        let names = contacts
            .iter()
            .map(|contact| crate::backends::t9_name(&name_columns, &contact.fields))
            .collect();
        AddressBook {
            contacts,
            haystacks,
            numbers,
            names,
            matched,
            number_index: crate::numbers::LazyIndex::default(),
        }
    }

    /// `caller`'s contacts by tier: the exact string (case-insensitive, as `first_match`), then
    /// the index of the first-matched numbers.
    pub fn tiers(
        &self,
        columns: &[String],
        caller: &crate::numbers::Caller,
    ) -> crate::numbers::Tiers<RawContact> {
        let index = self.number_index.get(caller.rule, |rule| {
            let rows = self.matched.iter();
            crate::numbers::NumberIndex::build(rule, rows.map(|t| t.iter().map(String::as_str)))
        });
        let mut tiers = index
            .find(caller)
            .map(|row| self.contacts.get(row as usize).cloned().unwrap_or_default());
        tiers.exact = super::matching::first_match(&self.contacts, columns, &caller.raw).cloned();
        tiers
    }

    /// The contacts whose searched columns contain `term`, case- and accent-insensitively (or,
    /// for a term written as a number of three digits or more, its digits in a number).
    pub fn search(&self, term: &str) -> Vec<RawContact> {
        let needle = crate::numbers::Needle::new(term, crate::text::fold);
        self.haystacks
            .iter()
            .zip(&self.numbers)
            .zip(&self.contacts)
            .filter(|((haystack, numbers), _)| {
                needle.found_in([haystack.as_str()], [numbers.as_str()])
            })
            .map(|(_, contact)| contact.clone())
            .collect()
    }

    /// The contacts whose names spell `digits` on a keypad (a user's book is small: each is
    /// checked).
    pub fn dial(&self, digits: &str) -> Vec<RawContact> {
        self.names
            .iter()
            .zip(&self.contacts)
            .filter(|(name, _)| name.matches(digits).is_some())
            .map(|(_, contact)| contact.clone())
            .collect()
    }
}

impl std::ops::Deref for AddressBook {
    type Target = [RawContact];
    fn deref(&self) -> &[RawContact] {
        &self.contacts
    }
}

/// A user's address book, shared by the lookups that read it.
pub type Book = Arc<AddressBook>;

/// What a fetch found.
#[derive(Debug)]
pub enum Fetched {
    Book(Vec<RawContact>),
    /// wazo-auth has no token of this kind for the user, or the provider refused it.
    NoAccount,
}

/// Why a book could not be fetched.
#[derive(Debug, Clone)]
pub enum FetchError {
    /// wazo-auth did not give the user's OAuth token (away, or refusing the token it was asked with).
    Auth(String),
    /// The provider failed (away, an error status, an unreadable answer).
    Provider(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Auth(message) | FetchError::Provider(message) => f.write_str(message),
        }
    }
}

/// Fetches one user's book: given the source, the wazo-auth token to read the user's OAuth token
/// with, and the user.
pub type Fetcher = Arc<
    dyn Fn(Arc<SourceSpec>, String, String) -> BoxFuture<'static, Result<Fetched, FetchError>>
        + Send
        + Sync,
>;

#[derive(Debug)]
struct Kept {
    book: Book,
    /// wazo-auth or the provider said the user has no account.
    no_account: bool,
    /// When it should be fetched again.
    due: Instant,
    read: Instant,
}

#[derive(Default)]
struct Slot {
    kept: Mutex<Option<Kept>>,
    /// Held by the one fetch of this user's book.
    fetching: tokio::sync::Mutex<()>,
    refreshing: AtomicBool,
}

impl Slot {
    fn kept(&self) -> std::sync::MutexGuard<'_, Option<Kept>> {
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The books of one source, by user.
pub struct Books {
    spec: Arc<SourceSpec>,
    ttl: Duration,
    tokens: WazoTokens,
    fetcher: Fetcher,
    slots: Mutex<HashMap<String, Arc<Slot>>>,
}

impl std::fmt::Debug for Books {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Books")
            .field("source", &self.spec.uuid)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl Books {
    pub fn new(spec: Arc<SourceSpec>, ttl: Duration, tokens: WazoTokens, fetcher: Fetcher) -> Self {
        Books {
            spec,
            ttl,
            tokens,
            fetcher,
            slots: Mutex::new(HashMap::new()),
        }
    }

    pub fn spec(&self) -> &SourceSpec {
        &self.spec
    }

    /// Whether the last fetch of `user`'s book found no account.
    pub fn has_no_account(&self, user: &str) -> bool {
        let slots = self
            .slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        slots
            .get(user)
            .is_some_and(|slot| slot.kept().as_ref().is_some_and(|kept| kept.no_account))
    }

    fn slot(&self, user: &str) -> Arc<Slot> {
        let mut slots = self
            .slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(slot) = slots.get(user) {
            return Arc::clone(slot);
        }
        let forgotten = self.ttl * 4;
        slots.retain(|_, slot| {
            slot.kept()
                .as_ref()
                .is_some_and(|kept| kept.read.elapsed() < forgotten)
        });
        let slot = Arc::new(Slot::default());
        slots.insert(user.to_owned(), Arc::clone(&slot));
        slot
    }

    /// The caller's address book (empty without a user or an account).
    pub async fn get(self: &Arc<Self>, context: &Context) -> Result<Book, FetchError> {
        let Some(user) = context.user_uuid.clone().filter(|u| !u.is_empty()) else {
            return Ok(Book::default());
        };
        let slot = self.slot(&user);
        if let Some(book) = self.kept(&slot, &user, context) {
            return Ok(book);
        }
        let _fetching = slot.fetching.lock().await;
        if let Some(book) = self.kept(&slot, &user, context) {
            return Ok(book);
        }
        let fetched = self.fetch(&user, context).await?;
        Ok(self.keep(&slot, fetched))
    }

    /// The kept book, if any; starts its background refresh when it is due.
    fn kept(self: &Arc<Self>, slot: &Arc<Slot>, user: &str, context: &Context) -> Option<Book> {
        let mut kept = slot.kept();
        let kept = kept.as_mut()?;
        kept.read = Instant::now();
        if Instant::now() >= kept.due && !slot.refreshing.swap(true, Ordering::AcqRel) {
            let (books, slot, user, context) = (
                Arc::clone(self),
                Arc::clone(slot),
                user.to_owned(),
                context.clone(),
            );
            tokio::spawn(async move {
                let _fetching = slot.fetching.lock().await;
                match books.fetch(&user, &context).await {
                    Ok(fetched) => {
                        books.keep(&slot, fetched);
                    }
                    Err(error) => {
                        tracing::warn!(source = %books.spec.name, %user, %error, "could not refresh an address book; the kept one goes on answering");
                        if let Some(kept) = slot.kept().as_mut() {
                            kept.due = Instant::now() + NO_ACCOUNT_RETRY.min(books.ttl);
                        }
                    }
                }
                slot.refreshing.store(false, Ordering::Release);
            });
        }
        Some(Arc::clone(&kept.book))
    }

    async fn fetch(&self, user: &str, context: &Context) -> Result<Fetched, FetchError> {
        let token = self.tokens.token(context).await.map_err(FetchError::Auth)?;
        (self.fetcher)(Arc::clone(&self.spec), token, user.to_owned()).await
    }

    fn keep(&self, slot: &Slot, fetched: Fetched) -> Book {
        let now = Instant::now();
        let no_account = matches!(fetched, Fetched::NoAccount);
        let (book, due) = match fetched {
            Fetched::Book(contacts) => (
                Arc::new(AddressBook::new(contacts, &self.spec)),
                now + self.ttl,
            ),
            Fetched::NoAccount => (Book::default(), now + NO_ACCOUNT_RETRY.min(self.ttl)),
        };
        *slot.kept() = Some(Kept {
            no_account,
            book: Arc::clone(&book),
            due,
            read: now,
        });
        book
    }
}

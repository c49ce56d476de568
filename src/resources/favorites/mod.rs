//! Favorites: a user's marked contacts, as (source, contact id) pairs in `dird_favorite`.

pub(crate) mod dao;
pub(crate) mod notifier;
pub mod service;

//! Displays: which columns a formatted result has.

pub(crate) mod dao;
pub mod model;
pub(crate) mod notifier;
pub mod service;
pub(crate) mod validator;

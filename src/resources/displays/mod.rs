//! Displays: which columns a formatted result has.

pub(crate) mod dao;
pub mod model;
pub mod service;
pub(crate) mod validator;

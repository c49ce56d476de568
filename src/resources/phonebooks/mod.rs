//! Company phonebooks of a tenant (`dird_phonebook`) and their contacts (`dird_contact` with the
//! phonebook, fields in `dird_contact_fields`).

pub(crate) mod dao;
pub mod model;
pub(crate) mod notifier;
pub mod service;
pub(crate) mod validator;

//! Tenants and users as dird stores them (`dird_tenant`, `dird_user`): the tenant's country, and
//! the removal of a deleted user (with its personal contacts and favorites, by cascade).

pub(crate) mod dao;
pub mod service;

//! Each tenant's country, as `dird_tenant.country` stores it and `localization_edited` changes it.

use super::{Caller, Rule, Settings};
use phonenumber::country;
use std::collections::HashMap;
use std::sync::RwLock;

/// The countries of the tenants and the `number_matching` settings: the rule of each tenant.
#[derive(Debug, Default)]
pub struct Countries {
    settings: Settings,
    by_tenant: RwLock<HashMap<String, country::Id>>,
}

impl Countries {
    pub fn new(settings: Settings) -> Self {
        Countries {
            settings,
            by_tenant: RwLock::default(),
        }
    }

    /// How `tenant`'s numbers compare now.
    pub fn rule(&self, tenant: &str) -> Rule {
        let country = self
            .by_tenant
            .read()
            .ok()
            .and_then(|countries| countries.get(tenant).copied());
        Rule::new(&self.settings, country)
    }

    /// `raw` as `tenant`'s caller asks for it.
    pub fn caller(&self, tenant: &str, raw: &str) -> Caller {
        Caller::new(self.rule(tenant), raw)
    }

    /// Sets `tenant`'s country (`None`, or a code libphonenumber does not know: the default).
    pub fn set(&self, tenant: &str, code: Option<&str>) {
        let country = code.and_then(super::country);
        if let Ok(mut countries) = self.by_tenant.write() {
            match country {
                Some(id) => countries.insert(tenant.to_owned(), id),
                None => countries.remove(tenant),
            };
        }
    }

    /// Replaces every tenant's country (as read from the database).
    pub fn replace(&self, rows: impl IntoIterator<Item = (String, String)>) {
        let countries: HashMap<String, country::Id> = rows
            .into_iter()
            .filter_map(|(tenant, code)| Some((tenant, super::country(&code)?)))
            .collect();
        if let Ok(mut current) = self.by_tenant.write() {
            *current = countries;
        }
    }
}

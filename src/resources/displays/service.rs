//! The displays the daemon serves.

use super::model::Display;
use std::sync::{Arc, RwLock};

#[derive(Debug, Default)]
pub struct DisplayService {
    displays: RwLock<Arc<Vec<Arc<Display>>>>,
}

impl DisplayService {
    pub fn replace(&self, displays: Vec<Display>) {
        if let Ok(mut current) = self.displays.write() {
            *current = Arc::new(displays.into_iter().map(Arc::new).collect());
        }
    }

    fn snapshot(&self) -> Arc<Vec<Arc<Display>>> {
        self.displays
            .read()
            .map(|d| Arc::clone(&d))
            .unwrap_or_default()
    }

    pub fn get(&self, uuid: &str) -> Option<Arc<Display>> {
        self.snapshot()
            .iter()
            .find(|display| display.uuid == uuid)
            .cloned()
    }

    pub fn list(&self, tenants: &[String]) -> Vec<Arc<Display>> {
        self.snapshot()
            .iter()
            .filter(|display| tenants.contains(&display.tenant_uuid))
            .cloned()
            .collect()
    }
}

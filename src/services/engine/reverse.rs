//! Reverse lookups: each number asked of the profile's reverse sources once, the answers chosen
//! by the tiers of the number matching rule (`crate::numbers`).

use super::{log_failures, Engine, Service};
use crate::backends::Context;
use crate::numbers::{Caller, Tier, Tiers};
use crate::resources::profiles::model::Profile;
use crate::services::source_actor::{SourceRequest, SourceResponse, SourceResult};
use actors::gather_until;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

impl Engine {
    /// The contact the profile's `reverse` sources know by `exten`, by the number matching rule
    /// of the profile's tenant (docs/plugins.md): the first source to find the exact string wins
    /// at once (as in wazo-dird, fastest first); else, once every source answered, the first to
    /// know the same E.164 number; else the one contact of the profile with the same last digits.
    pub async fn reverse(
        &self,
        profile: &Profile,
        exten: &str,
        context: &Context,
    ) -> Option<SourceResult> {
        let caller = self.deps.countries.caller(&profile.tenant_uuid, exten);
        let mut found = self
            .match_numbers(profile, vec![caller], context, |answer| {
                answer.first().is_some_and(|tiers| tiers.exact.is_some())
            })
            .await;
        found.pop().flatten()
    }

    /// For many numbers at once (bulk caller ID), one contact per number from the profile's reverse
    /// sources, each asked once, by the tiers of [`Engine::reverse`] (in the order the sources
    /// answered within a tier: wazo-dird's fix of `reverse_many`, PR #259, so that GraphQL and
    /// REST name a caller alike). Keyed by the numbers as given.
    pub async fn reverse_many(
        &self,
        profile: &Profile,
        extens: &[String],
        context: &Context,
    ) -> HashMap<String, SourceResult> {
        let callers = extens
            .iter()
            .map(|exten| self.deps.countries.caller(&profile.tenant_uuid, exten))
            .collect();
        let found = self
            .match_numbers(profile, callers, context, |_| false)
            .await;
        extens
            .iter()
            .zip(found)
            .filter_map(|(exten, result)| Some((exten.clone(), result?)))
            .collect()
    }

    /// For each of `callers`, its contact by tier from the profile's reverse sources, asked until
    /// every one answered or an answer is `enough` (not asked at all when no caller has a number).
    async fn match_numbers(
        &self,
        profile: &Profile,
        callers: Vec<Caller>,
        context: &Context,
        mut enough: impl FnMut(&[Tiers<SourceResult>]) -> bool,
    ) -> Vec<Option<SourceResult>> {
        let count = callers.len();
        let numbers: Arc<[Caller]> = callers.into();
        let anything = numbers.iter().any(|caller| !caller.names_nothing());
        let calls = self.scatter(profile, Service::Reverse, |_| {
            anything.then(|| SourceRequest::Numbers {
                numbers: Arc::clone(&numbers),
                context: context.clone(),
            })
        });
        let gathered = gather_until(calls, |response| match response {
            SourceResponse::Tiered(tiers) => enough(tiers),
            _ => false,
        })
        .await;
        log_failures(Service::Reverse.name(), &gathered.failures);
        let mut answers: Vec<Vec<Tiers<SourceResult>>> = gathered
            .results
            .into_iter()
            .filter_map(|(_, response)| match response {
                SourceResponse::Tiered(tiers) => Some(tiers),
                _ => None,
            })
            .collect();
        (0..count)
            .map(|number| {
                let tiers = answers.iter_mut().map(|answer| {
                    answer
                        .get_mut(number)
                        .map(std::mem::take)
                        .unwrap_or_default()
                });
                let (found, tier) = match numbers[number].names_nothing() {
                    true => (None, None),
                    false => choose(tiers),
                };
                self.tier_hits.count(tier);
                found
            })
            .collect()
    }
}

/// The contact for one number from every source's tiers (in the order they answered): the first
/// by exact string, else the first by E.164 number, else the only one by suffix; with its tier,
/// `None` when nothing, or only an ambiguous suffix, matched.
fn choose(
    answers: impl Iterator<Item = Tiers<SourceResult>>,
) -> (Option<SourceResult>, Option<Tier>) {
    let mut same = None;
    let mut suffix: Vec<SourceResult> = Vec::new();
    for tiers in answers {
        if let Some(exact) = tiers.exact {
            return (Some(exact), Some(Tier::Exact));
        }
        if same.is_none() {
            same = tiers.same;
        }
        suffix.extend(tiers.suffix);
    }
    if same.is_some() {
        return (same, Some(Tier::Same));
    }
    match suffix.len() {
        1 => (suffix.pop(), Some(Tier::Suffix)),
        _ => (None, None),
    }
}

/// The numbers reverse lookups named, by tier, and those they could not (`/metrics`).
#[derive(Debug, Default)]
pub struct TierHits {
    by_tier: [AtomicU64; 3],
    missed: AtomicU64,
}

impl TierHits {
    fn count(&self, tier: Option<Tier>) {
        let counter = match tier {
            Some(Tier::Exact) => &self.by_tier[0],
            Some(Tier::Same) => &self.by_tier[1],
            Some(Tier::Suffix) => &self.by_tier[2],
            None => &self.missed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// `(tier label, count)`: each tier's hits, then `none` for the numbers not named.
    pub fn snapshot(&self) -> [(&'static str, u64); 4] {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        [
            (Tier::Exact.name(), read(&self.by_tier[0])),
            (Tier::Same.name(), read(&self.by_tier[1])),
            (Tier::Suffix.name(), read(&self.by_tier[2])),
            ("none", read(&self.missed)),
        ]
    }
}

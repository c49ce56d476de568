//! Phone numbers as reverse lookups compare them, whatever form they arrive in (docs/plugins.md,
//! "Number matching"). The one module that knows libphonenumber (the `phonenumber` crate):
//!
//! - a [`Rule`] per tenant (its country, else `number_matching.default_country`) cleans a number
//!   and gives its [`Keys`]: its E.164 form when it is a valid number of the plan, and its last
//!   `suffix_min_digits` digits; short numbers (extensions, feature codes, emergency numbers) have
//!   no keys, so they match their exact string only;
//! - an in-memory copy indexes its numbers once in a [`NumberIndex`], so that a reverse lookup is a
//!   hash probe; a remote source is asked for the few [`Caller::forms`] of the number;
//! - [`Tiers`] hold what one source found for one number: the exact string (upstream's match), the
//!   same E.164 number, the same last digits (kept only when one contact of the whole profile has
//!   them, which the engine decides);
//! - [`Countries`] keeps each tenant's country (`dird_tenant.country`, `localization_edited`).

mod countries;
mod index;

pub use countries::Countries;
pub use index::{LazyIndex, NumberIndex};

use phonenumber::{country, Mode};

/// The `number_matching` settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// The country of a tenant that has none.
    pub default_country: Option<country::Id>,
    /// Numbers of at most this many digits match their exact string only.
    pub short_number_max_digits: usize,
    /// How many last digits must be equal for a match by suffix.
    pub suffix_min_digits: usize,
}

impl Default for Settings {
    /// What `config/config.yml` sets (for tests and tools that run without a configuration).
    fn default() -> Self {
        Settings {
            default_country: None,
            short_number_max_digits: 6,
            suffix_min_digits: 7,
        }
    }
}

/// A country code as the configuration and `localization_edited` spell it (ISO 3166 alpha-2, any
/// case), if libphonenumber knows it.
pub fn country(code: &str) -> Option<country::Id> {
    code.trim().to_ascii_uppercase().parse().ok()
}

/// Decodes libphonenumber's metadata now rather than on the first call (it takes about 0.1 s).
pub fn load_metadata() {
    let _ = phonenumber::parse(Some(country::Id::FR), "+33612345601");
}

/// How one tenant's numbers compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub country: Option<country::Id>,
    short_number_max_digits: usize,
    suffix_min_digits: usize,
}

/// What a number is compared by, beyond its exact string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    /// `+<country code><national number>` when the number is valid in the numbering plan.
    pub e164: Option<String>,
    /// Its last `suffix_min_digits` digits, when it has that many.
    pub suffix: Option<String>,
}

/// The digits of `text`, in order.
pub fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// `text` as a number is written, with its punctuation: a leading `+`, then digits and the
/// separators a person or a carrier writes (at least one digit).
pub fn looks_like_number(text: &str) -> bool {
    let body = text.trim().strip_prefix('+').unwrap_or(text.trim());
    body.chars().any(|c| c.is_ascii_digit())
        && body.chars().all(|c| c.is_ascii_digit() || is_separator(c))
}

/// A lookup's term of at least this many digits also matches numbers on their digits.
pub const LOOKUP_MIN_DIGITS: usize = 3;

/// The digits of `value` when it is written as a number (`06.12.34.56.01` → `0612345601`).
pub fn number_digits(value: &str) -> Option<String> {
    looks_like_number(value).then(|| digits(value))
}

/// What a lookup's `term` is compared with: its folded text in every searched value and, when the
/// term is written as a number of at least [`LOOKUP_MIN_DIGITS`] digits, its digits in the digits
/// of the values written as numbers (`term=06 12 34` finds `0612345601`, `term=0612345601` finds
/// `06.12.34.56.01`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needle {
    pub text: String,
    pub digits: Option<String>,
}

impl Needle {
    /// `term` folded with `fold` (each copy folds as its source compares).
    pub fn new(term: &str, fold: impl Fn(&str) -> String) -> Self {
        Needle {
            text: fold(term),
            digits: number_digits(term).filter(|d| d.len() >= LOOKUP_MIN_DIGITS),
        }
    }

    /// What an index is asked for: the folded term, and its digits when they differ from it.
    pub fn needles(&self) -> impl Iterator<Item = &str> {
        let digits = self.digits.as_deref().filter(|digits| *digits != self.text);
        std::iter::once(self.text.as_str()).chain(digits)
    }

    /// Whether one of `texts` (folded values) holds the term, or one of `numbers` (the digits of
    /// the values written as numbers) its digits.
    pub fn found_in<'a>(
        &self,
        texts: impl IntoIterator<Item = &'a str>,
        numbers: impl IntoIterator<Item = &'a str>,
    ) -> bool {
        texts.into_iter().any(|text| text.contains(&self.text))
            || self
                .digits
                .as_deref()
                .is_some_and(|digits| numbers.into_iter().any(|number| number.contains(digits)))
    }

    /// Whether the raw `value` holds the term (folded with `fold`) or, as a number, its digits.
    pub fn found_in_value(&self, value: &str, fold: impl Fn(&str) -> String) -> bool {
        fold(value).contains(&self.text)
            || self.digits.as_deref().is_some_and(|digits| {
                number_digits(value).is_some_and(|number| number.contains(digits))
            })
    }
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '.' | '-' | '/' | '(' | ')' | '\u{a0}' | '\u{202f}' | '\t'
    )
}

impl Rule {
    pub fn new(settings: &Settings, country: Option<country::Id>) -> Self {
        Rule {
            country: country.or(settings.default_country),
            short_number_max_digits: settings.short_number_max_digits,
            suffix_min_digits: settings.suffix_min_digits,
        }
    }

    /// `raw` without its separators, `00` read as `+`, a national `(0)` after a country code
    /// dropped; `None` for what names no number (empty, `anonymous`, `unknown`).
    fn clean(raw: &str) -> Option<String> {
        let raw = raw.trim();
        if raw.is_empty()
            || raw.eq_ignore_ascii_case("anonymous")
            || raw.eq_ignore_ascii_case("unknown")
        {
            return None;
        }
        let international = raw.starts_with('+') || raw.starts_with("00");
        let raw = if international {
            raw.replacen("(0)", "", 1)
        } else {
            raw.to_owned()
        };
        let cleaned: String = raw.chars().filter(|c| !is_separator(*c)).collect();
        match cleaned.strip_prefix("00") {
            Some(rest) => Some(format!("+{rest}")),
            None if cleaned.is_empty() => None,
            None => Some(cleaned),
        }
    }

    /// Whether `cleaned` matches by its exact string only.
    fn is_short(&self, cleaned: &str) -> bool {
        cleaned.contains(['*', '#']) || digits(cleaned).len() <= self.short_number_max_digits
    }

    /// The number parsed in this rule's country, when it is valid there.
    fn parse(&self, cleaned: &str) -> Option<phonenumber::PhoneNumber> {
        let number = phonenumber::parse(self.country, cleaned).ok()?;
        number.is_valid().then_some(number)
    }

    /// The keys of `raw`; `None` when it matches by its exact string only (short, or no number).
    pub fn keys(&self, raw: &str) -> Option<Keys> {
        let cleaned = Self::clean(raw)?;
        self.keys_of_cleaned(&cleaned).map(|(keys, _)| keys)
    }

    /// The keys of a cleaned number, with the number when it is valid; `None` when it is short.
    fn keys_of_cleaned(&self, cleaned: &str) -> Option<(Keys, Option<phonenumber::PhoneNumber>)> {
        if self.is_short(cleaned) {
            return None;
        }
        let parsed = self.parse(cleaned);
        let e164 = parsed
            .as_ref()
            .map(|number| number.format().mode(Mode::E164).to_string());
        let all = digits(e164.as_deref().unwrap_or(cleaned));
        let suffix = (all.len() >= self.suffix_min_digits)
            .then(|| all[all.len() - self.suffix_min_digits..].to_owned());
        Some((Keys { e164, suffix }, parsed))
    }
}

/// A number a caller asks about, with its keys in its tenant's rule (cleaned and parsed once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The caller's own string (answers echo it).
    pub raw: String,
    pub keys: Option<Keys>,
    pub rule: Rule,
    /// What a remote source is asked for ([`Caller::forms`]).
    forms: Vec<String>,
    /// Empty, `anonymous` or `unknown`.
    names_nothing: bool,
}

impl Caller {
    pub fn new(rule: Rule, raw: &str) -> Self {
        let cleaned = Rule::clean(raw);
        let found = cleaned.as_deref().and_then(|c| rule.keys_of_cleaned(c));
        let mut forms = vec![raw.to_owned()];
        if let (Some(cleaned), Some((_, parsed))) = (&cleaned, &found) {
            let e164 = parsed
                .as_ref()
                .map(|n| n.format().mode(Mode::E164).to_string());
            let national = parsed
                .as_ref()
                .map(|n| digits(&n.format().mode(Mode::National).to_string()));
            for form in [e164, national, Some(digits(cleaned))]
                .into_iter()
                .flatten()
            {
                if !form.is_empty() && !forms.contains(&form) {
                    forms.push(form);
                }
            }
        }
        Caller {
            raw: raw.to_owned(),
            keys: found.map(|(keys, _)| keys),
            rule,
            forms,
            names_nothing: cleaned.is_none(),
        }
    }

    /// Whether the caller has no number at all (empty, `anonymous`, `unknown`): it names nobody,
    /// not even a contact whose number is empty.
    pub fn names_nothing(&self) -> bool {
        self.names_nothing
    }

    /// At most four strings a remote source is asked for (as given, E.164, national, digits):
    /// whatever it finds is then compared by the tiers.
    pub fn forms(&self) -> &[String] {
        &self.forms
    }

    /// The tier by which a stored `value` matches this number, if any.
    pub fn tier_of(&self, value: &str) -> Option<Tier> {
        if value == self.raw {
            return Some(Tier::Exact);
        }
        let wanted = self.keys.as_ref()?;
        let stored = self.rule.keys(value)?;
        if wanted.e164.is_some() && wanted.e164 == stored.e164 {
            return Some(Tier::Same);
        }
        let both_valid = wanted.e164.is_some() && stored.e164.is_some();
        (!both_valid && wanted.suffix.is_some() && wanted.suffix == stored.suffix)
            .then_some(Tier::Suffix)
    }
}

/// How a stored number matched a caller's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// The exact string (upstream's match).
    Exact,
    /// The same E.164 number.
    Same,
    /// The same last digits, one side not a valid number.
    Suffix,
}

impl Tier {
    /// The `tier` label of the metrics.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Exact => "exact",
            Tier::Same => "e164",
            Tier::Suffix => "suffix",
        }
    }
}

/// What one source found for one number, by tier: the first contact of each, and up to two
/// contacts by suffix (two are enough to know it is ambiguous).
#[derive(Debug, Clone, PartialEq)]
pub struct Tiers<C> {
    pub exact: Option<C>,
    pub same: Option<C>,
    pub suffix: Vec<C>,
}

impl<C> Default for Tiers<C> {
    fn default() -> Self {
        Tiers {
            exact: None,
            same: None,
            suffix: Vec::new(),
        }
    }
}

/// Most contacts by suffix a source reports for one number.
pub const SUFFIX_CANDIDATES: usize = 2;

impl<C> Tiers<C> {
    /// Adds a contact that matched by `tier` (kept when its tier has room).
    pub fn add(&mut self, tier: Tier, contact: C) {
        match tier {
            Tier::Exact => {
                self.exact.get_or_insert(contact);
            }
            Tier::Same => {
                self.same.get_or_insert(contact);
            }
            Tier::Suffix if self.suffix.len() < SUFFIX_CANDIDATES => self.suffix.push(contact),
            Tier::Suffix => {}
        }
    }

    pub fn map<D>(self, mut f: impl FnMut(C) -> D) -> Tiers<D> {
        Tiers {
            exact: self.exact.map(&mut f),
            same: self.same.map(&mut f),
            suffix: self.suffix.into_iter().map(f).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.exact.is_none() && self.same.is_none() && self.suffix.is_empty()
    }
}

/// For `caller`, the tiers of `contacts` whose `values` (their numbers) match it, in order: what a
/// source that cannot index numbers (a remote one, or the changes over a copy) answers.
pub fn tiers_among<C>(
    caller: &Caller,
    contacts: impl IntoIterator<Item = (C, Vec<String>)>,
) -> Tiers<C> {
    let mut tiers = Tiers::default();
    for (contact, values) in contacts {
        if let Some(tier) = values.iter().filter_map(|v| caller.tier_of(v)).min() {
            tiers.add(tier, contact);
        }
    }
    tiers
}

#[cfg(test)]
mod tests;

use super::*;

fn rule(code: Option<&str>) -> Rule {
    Rule::new(&Settings::default(), code.and_then(country))
}

/// The tier by which `stored` matches the caller's `number` in `code`'s plan.
fn tier(code: Option<&str>, number: &str, stored: &str) -> Option<Tier> {
    Caller::new(rule(code), number).tier_of(stored)
}

#[test]
fn numbers_written_differently_match_by_their_e164_form() {
    let cases = [
        ("FR", "+33 6 12 34 56 01", "0612345601"),
        ("FR", "0033612345601", "06.12.34.56.01"),
        ("FR", "+33612345601", "+33 (0)6 12 34 56 01"),
        ("FR", "0044 20 7946 0018", "+44 20 7946 0018"),
        ("US", "+1 212-555-0101", "(212) 555-0101"),
        ("US", "2125550101", "1-212-555-0101"),
        ("US", "011 33 6 12 34 56 01", "+33 6 12 34 56 01"),
        ("DE", "+49 30 1234567", "030-123 45 67"),
        ("DE", "0049 151 23456789", "0151/23456789"),
        ("DE", "+49 (0)30 1234567", "030 1234567"),
        ("GB", "+44 20 7946 0018", "0207 946 0018"),
        ("GB", "07911 123456", "+44 7911 123456"),
        ("GB", "00 44 161 496 0123", "0161 496 0123"),
        ("BE", "+32 470 12 34 56", "0470 12 34 56"),
        ("BE", "0032 2 512 34 56", "02/512.34.56"),
    ];
    for (code, number, stored) in cases {
        assert_eq!(
            tier(Some(code), number, stored),
            Some(Tier::Same),
            "{code}: {number} vs {stored}"
        );
    }
}

#[test]
fn a_number_the_plan_does_not_validate_matches_by_its_last_digits() {
    assert_eq!(
        tier(Some("US"), "5550101", "212.555.0101"),
        Some(Tier::Suffix)
    );
    assert_eq!(
        tier(Some("BE"), "+33 6 12 34 56 01", "0612345601"),
        Some(Tier::Suffix)
    );
    assert_eq!(tier(None, "+33612345601", "0612345601"), Some(Tier::Suffix));
}

#[test]
fn two_different_valid_numbers_never_match() {
    assert_eq!(tier(Some("FR"), "+33 6 12 34 56 02", "0612345601"), None);
    assert_eq!(tier(Some("FR"), "+33 6 99 34 56 01", "0612345601"), None);
}

#[test]
fn short_numbers_match_their_exact_string_only() {
    assert_eq!(tier(Some("FR"), "1001", "1001"), Some(Tier::Exact));
    assert_eq!(tier(Some("FR"), "1001", "06 12 34 10 01"), None);
    assert_eq!(tier(Some("US"), "911", "911"), Some(Tier::Exact));
    assert_eq!(tier(Some("BE"), "112", "+32112"), None);
    assert_eq!(tier(Some("FR"), "*10", "*10"), Some(Tier::Exact));
    assert!(
        rule(Some("FR")).keys("*3361234560#").is_none(),
        "feature codes"
    );
    assert!(rule(Some("FR")).keys("123456").is_none());
}

#[test]
fn nothing_and_the_anonymous_match_nothing_but_themselves() {
    for nothing in ["", "  ", "anonymous", "Unknown"] {
        assert!(rule(Some("FR")).keys(nothing).is_none(), "{nothing:?}");
    }
}

#[test]
fn remote_sources_are_asked_at_most_four_forms() {
    let caller = Caller::new(rule(Some("FR")), "+33 6 12 34 56 01");
    assert_eq!(
        caller.forms(),
        [
            "+33 6 12 34 56 01",
            "+33612345601",
            "0612345601",
            "33612345601"
        ]
    );
    assert_eq!(Caller::new(rule(Some("FR")), "1001").forms(), ["1001"]);
    assert!(Caller::new(rule(None), "0612345601").forms().len() <= 4);
}

#[test]
fn the_index_answers_each_tier_and_reports_an_ambiguous_suffix() {
    let rows = [
        vec!["(212) 555-0101", "Martin"],
        vec!["(646) 555-0101"],
        vec!["1001"],
        vec!["+33 6 12 34 56 01"],
    ];
    let us = rule(Some("US"));
    let index = NumberIndex::build(us, rows.iter().map(|r| r.iter().copied()));
    let find = |number: &str| index.find(&Caller::new(us, number));
    assert_eq!(find("+1 212 555 0101").same, Some(0));
    assert_eq!(find("5550101").suffix, [0, 1], "two contacts: ambiguous");
    assert!(find("+1 212 555 0101").suffix.is_empty(), "both valid");
    assert!(find("1001").is_empty(), "short numbers are not indexed");
    assert_eq!(find("011 33 6 12 34 56 01").same, Some(3));
}

#[test]
fn a_tenant_without_country_takes_the_default_and_a_change_applies_at_once() {
    let settings = Settings {
        default_country: country("fr"),
        ..Settings::default()
    };
    let countries = Countries::new(settings);
    assert_eq!(countries.rule("t").country, country("FR"));
    countries.set("t", Some("BE"));
    assert_eq!(countries.rule("t").country, country("BE"));
    let lazy = LazyIndex::default();
    let rows = [["02/512.34.56"]];
    let build = |rule| NumberIndex::build(rule, rows.iter().map(|r| r.iter().copied()));
    let caller = countries.caller("t", "+32 2 512 34 56");
    assert_eq!(lazy.get(caller.rule, build).find(&caller).same, Some(0));
    assert!(lazy.is_in(caller.rule));
    countries.set("t", Some("FR"));
    let caller = countries.caller("t", "+32 2 512 34 56");
    assert!(!lazy.is_in(caller.rule), "keyed in another country");
    let index = lazy.get(caller.rule, build);
    assert_eq!(index.rule().country, country("FR"), "re-keyed");
    assert_eq!(index.find(&caller).same, None);
    assert_eq!(index.find(&caller).suffix, [0]);
    countries.set("t", None);
    assert_eq!(
        countries.rule("t").country,
        country("FR"),
        "the default again"
    );
}

#[test]
fn a_number_with_its_country_code_needs_no_tenant_country() {
    let caller = Caller::new(rule(None), "+79000001005");
    assert_eq!(
        caller.forms(),
        ["+79000001005", "89000001005", "79000001005"]
    );
    assert_eq!(caller.tier_of("+79000001005"), Some(Tier::Exact));
}

#[test]
fn lookups_of_three_digits_or_more_match_numbers_on_their_digits() {
    let needle = |term: &str| super::Needle::new(term, crate::text::fold);
    let number = |value: &str| super::number_digits(value);
    assert_eq!(number("06.12.34.56.01").as_deref(), Some("0612345601"));
    assert_eq!(number("+33 (0)6 12"), Some("330612".into()));
    assert_eq!(number("Room 12, floor 3"), None);
    assert_eq!(number("*10"), None);
    let found = |term: &str, value: &str| needle(term).found_in_value(value, crate::text::fold);
    assert!(found("0612345601", "06.12.34.56.01"));
    assert!(found("06 12 34", "0612345601"));
    assert!(found("846", "06 27 84 60 00"));
    assert!(found("1001", "1001"));
    assert!(!found("61", "06.12.34.56.01"), "two digits compare as text");
    assert!(
        !found("0612", "Room 06, 12th floor"),
        "a value that is no number"
    );
    assert!(found("ali", "Alice"));
    assert_eq!(needle("Ali").digits, None);
    assert_eq!(needle("06-12").digits.as_deref(), Some("0612"));
}

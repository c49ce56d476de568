//! LDAP filters built as wazo-dird builds them, with every term escaped per RFC 4515, so that a term
//! such as `*)(uid=*` matches literally and never widens the search.

use ldap3::ldap_escape;

/// One item stays as is; several are ORed; none is a filter that matches nothing.
fn any_of(items: Vec<String>) -> String {
    match items.len() {
        1 => items.into_iter().next().unwrap_or_default(),
        _ => format!("(|{})", items.concat()),
    }
}

/// `%Q` in the custom filter becomes the escaped term.
fn custom(custom_filter: Option<&str>, term: &str) -> Option<String> {
    custom_filter.map(|f| f.replace("%Q", &ldap_escape(term)))
}

fn and(custom: Option<String>, columns: Option<String>) -> Option<String> {
    match (custom, columns) {
        (Some(c), Some(s)) => Some(format!("(&{c}{s})")),
        (Some(c), None) => Some(c),
        (None, Some(s)) => Some(s),
        (None, None) => None,
    }
}

/// Substring search on the searched columns (and the custom filter).
pub fn search(columns: &[String], custom_filter: Option<&str>, term: &str) -> Option<String> {
    let escaped = ldap_escape(term);
    let columns = (!columns.is_empty()).then(|| {
        any_of(
            columns
                .iter()
                .map(|c| format!("({c}=*{escaped}*)"))
                .collect(),
        )
    });
    and(custom(custom_filter, term), columns)
}

/// Equality on the first-matched columns (and the custom filter).
pub fn first_match(columns: &[String], custom_filter: Option<&str>, exten: &str) -> Option<String> {
    let escaped = ldap_escape(exten);
    let columns = (!columns.is_empty())
        .then(|| any_of(columns.iter().map(|c| format!("({c}={escaped})")).collect()));
    and(custom(custom_filter, exten), columns)
}

/// One search for many numbers.
pub fn match_all(columns: &[String], custom_filter: Option<&str>, extens: &[String]) -> String {
    any_of(
        extens
            .iter()
            .filter_map(|exten| first_match(columns, custom_filter, exten))
            .collect(),
    )
}

/// Entries whose unique column is one of `ids`; binary UUIDs are written byte by byte.
pub fn by_ids(column: &str, ids: &[String], binary_uuid: bool) -> String {
    any_of(
        ids.iter()
            .filter_map(|id| {
                if binary_uuid {
                    let uuid = uuid::Uuid::parse_str(id).ok()?;
                    let bytes: String = uuid
                        .as_bytes()
                        .iter()
                        .map(|b| format!("\\{b:02x}"))
                        .collect();
                    Some(format!("({column}={bytes})"))
                } else {
                    Some(format!("({column}={})", ldap_escape(id)))
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn filters_like_wazo_dird() {
        assert_eq!(
            search(&cols(&["cn"]), None, "foo").as_deref(),
            Some("(cn=*foo*)")
        );
        assert_eq!(
            search(&cols(&["givenName", "sn"]), None, "foo").as_deref(),
            Some("(|(givenName=*foo*)(sn=*foo*))")
        );
        assert_eq!(
            search(&cols(&["sn"]), Some("(cn=*%Q*)"), "foo").as_deref(),
            Some("(&(cn=*foo*)(sn=*foo*))")
        );
        assert_eq!(
            search(&[], Some("(mail=%Q)"), "a").as_deref(),
            Some("(mail=a)")
        );
        assert_eq!(search(&[], None, "a"), None);
        assert_eq!(
            first_match(&cols(&["telephoneNumber"]), None, "1001").as_deref(),
            Some("(telephoneNumber=1001)")
        );
        assert_eq!(
            match_all(&cols(&["telephoneNumber"]), None, &cols(&["1001", "1002"])),
            "(|(telephoneNumber=1001)(telephoneNumber=1002))"
        );
        assert_eq!(match_all(&[], None, &cols(&["1"])), "(|)");
    }

    #[test]
    fn terms_are_escaped_everywhere() {
        assert_eq!(
            search(&cols(&["cn"]), None, "*)(uid=*").as_deref(),
            Some("(cn=*\\2a\\29\\28uid=\\2a*)")
        );
        assert_eq!(
            search(&cols(&["cn"]), Some("(sn=%Q)"), "a\\b").as_deref(),
            Some("(&(sn=a\\5cb)(cn=*a\\5cb*))")
        );
        assert_eq!(
            first_match(&cols(&["tel"]), None, "1)(x=1").as_deref(),
            Some("(tel=1\\29\\28x=1)")
        );
        assert_eq!(by_ids("uid", &cols(&["a*"]), false), "(uid=a\\2a)");
    }

    #[test]
    fn binary_uuids_are_written_as_bytes() {
        assert_eq!(
            by_ids(
                "objectGUID",
                &cols(&["f3bc2a27-7f38-4e30-adf5-873fe5ac484f"]),
                true
            ),
            "(objectGUID=\\f3\\bc\\2a\\27\\7f\\38\\4e\\30\\ad\\f5\\87\\3f\\e5\\ac\\48\\4f)"
        );
    }
}

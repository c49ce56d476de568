//! ACLs: rendering a route's ACL template, and matching a required ACL against a token's ACL list
//! with wazo-auth's rules (used by the `static` auth backend; wazo-auth does it otherwise).
//!
//! Rules: `*` matches within one dot-separated segment, `#` matches anything (dots included, possibly
//! nothing), a segment that is exactly `me` also matches the token's user (`auth_id`), `edit` also
//! matches `update`, and an entry starting with `!` denies: any matching negative entry wins over
//! every positive one.

use std::collections::HashMap;

/// Renders an ACL template such as `dird.directories.lookup.{profile}.read`: each `{name}` becomes the
/// path variable's value with `.` replaced by `_` (so a value cannot add ACL segments).
pub fn render_template(template: &str, variables: &HashMap<&str, &str>) -> String {
    let mut rendered = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(length) = rest[start..].find('}') else {
            break;
        };
        rendered.push_str(&rest[..start]);
        let name = &rest[start + 1..start + length];
        match variables.get(name) {
            Some(value) => rendered.push_str(&value.replace('.', "_")),
            None => rendered.push_str(&rest[start..=start + length]),
        }
        rest = &rest[start + length + 1..];
    }
    rendered.push_str(rest);
    rendered
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    /// Any run of characters without `.` or `#`.
    Star,
    /// Any run of characters.
    Hash,
    /// One of several literal words (a whole segment).
    OneOf(Vec<String>),
}

/// Whether a token whose ACL list is `token_acl` (and whose user is `auth_id`) may do `required`.
/// An empty `required` is always allowed.
pub fn is_allowed(token_acl: &[String], required: &str, auth_id: Option<&str>) -> bool {
    if required.is_empty() {
        return true;
    }
    let mut allowed = false;
    for entry in token_acl {
        if let Some(negative) = entry.strip_prefix('!') {
            if matches(&compile(negative, auth_id), required) {
                return false;
            }
        } else if !allowed && matches(&compile(entry, auth_id), required) {
            allowed = true;
        }
    }
    allowed
}

fn compile(pattern: &str, auth_id: Option<&str>) -> Vec<Piece> {
    let mut pieces = Vec::new();
    for (index, segment) in pattern.split('.').enumerate() {
        if index > 0 {
            pieces.push(Piece::Literal(".".into()));
        }
        match segment {
            "me" => pieces.push(Piece::OneOf(
                ["me"]
                    .into_iter()
                    .chain(auth_id)
                    .map(str::to_owned)
                    .collect(),
            )),
            "edit" => pieces.push(Piece::OneOf(vec!["edit".into(), "update".into()])),
            _ => {
                let mut literal = String::new();
                for c in segment.chars() {
                    if c == '*' || c == '#' {
                        if !literal.is_empty() {
                            pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                        }
                        pieces.push(if c == '*' { Piece::Star } else { Piece::Hash });
                    } else {
                        literal.push(c);
                    }
                }
                if !literal.is_empty() {
                    pieces.push(Piece::Literal(literal));
                }
            }
        }
    }
    pieces
}

fn matches(pieces: &[Piece], text: &str) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return text.is_empty();
    };
    match first {
        Piece::Literal(literal) => text
            .strip_prefix(literal.as_str())
            .is_some_and(|tail| matches(rest, tail)),
        Piece::OneOf(words) => words.iter().any(|word| {
            text.strip_prefix(word.as_str())
                .is_some_and(|tail| matches(rest, tail))
        }),
        Piece::Star => {
            let stop = text.find(['.', '#']).unwrap_or(text.len());
            (0..=stop)
                .filter(|i| text.is_char_boundary(*i))
                .any(|i| matches(rest, &text[i..]))
        }
        Piece::Hash => (0..=text.len())
            .filter(|i| text.is_char_boundary(*i))
            .any(|i| matches(rest, &text[i..])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acl(entries: &[&str]) -> Vec<String> {
        entries.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn templates_replace_dots_in_variables() {
        let vars = HashMap::from([("profile", "a.b"), ("user_uuid", "u1")]);
        assert_eq!(
            render_template("dird.directories.lookup.{profile}.{user_uuid}.read", &vars),
            "dird.directories.lookup.a_b.u1.read"
        );
        assert_eq!(
            render_template("dird.status.read", &vars),
            "dird.status.read"
        );
    }

    #[test]
    fn hash_matches_any_number_of_segments() {
        assert!(is_allowed(
            &acl(&["dird.#"]),
            "dird.directories.lookup.default.read",
            None
        ));
        assert!(!is_allowed(&acl(&["dird.#"]), "dird", None));
        assert!(is_allowed(&acl(&["#"]), "confd.users.read", None));
        assert!(is_allowed(
            &acl(&["dird.#.read"]),
            "dird.profiles.x.read",
            None
        ));
        assert!(!is_allowed(
            &acl(&["dird.#.read"]),
            "dird.profiles.x.delete",
            None
        ));
    }

    #[test]
    fn star_matches_one_segment() {
        assert!(is_allowed(
            &acl(&["dird.*.read"]),
            "dird.profiles.read",
            None
        ));
        assert!(!is_allowed(
            &acl(&["dird.*.read"]),
            "dird.profiles.x.read",
            None
        ));
        assert!(is_allowed(
            &acl(&["dird.directories.lookup.*.read"]),
            "dird.directories.lookup.default.read",
            None
        ));
        assert!(is_allowed(
            &acl(&["dird.pro*.read"]),
            "dird.profiles.read",
            None
        ));
    }

    #[test]
    fn negative_entries_win() {
        let entries = acl(&["dird.#", "!dird.config.#"]);
        assert!(!is_allowed(&entries, "dird.config.read", None));
        assert!(is_allowed(&entries, "dird.status.read", None));
        let reversed = acl(&["!dird.config.#", "dird.#"]);
        assert!(!is_allowed(&reversed, "dird.config.update", None));
    }

    #[test]
    fn me_matches_the_tokens_user_and_edit_matches_update() {
        let entries = acl(&["dird.directories.lookup.default.me.read"]);
        assert!(is_allowed(
            &entries,
            "dird.directories.lookup.default.U1.read",
            Some("U1")
        ));
        assert!(is_allowed(
            &entries,
            "dird.directories.lookup.default.me.read",
            Some("U1")
        ));
        assert!(!is_allowed(
            &entries,
            "dird.directories.lookup.default.U2.read",
            Some("U1")
        ));
        assert!(is_allowed(
            &acl(&["dird.personal.edit"]),
            "dird.personal.update",
            None
        ));
        assert!(!is_allowed(
            &acl(&["dird.personal.edit"]),
            "dird.personal.delete",
            None
        ));
    }

    #[test]
    fn no_entry_or_exact_entry() {
        assert!(!is_allowed(&[], "dird.status.read", None));
        assert!(is_allowed(&[], "", None));
        assert!(is_allowed(
            &acl(&["dird.status.read"]),
            "dird.status.read",
            None
        ));
        assert!(!is_allowed(
            &acl(&["dird.status.read"]),
            "dird.status.readx",
            None
        ));
    }
}

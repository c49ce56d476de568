//! The Relay connection of `contacts` (graphql-relay's shapes): edges with array cursors
//! (`base64("arrayconnection:<index>")`), `first`/`last`/`before`/`after` windows and `pageInfo`.

use super::ContactInterface;
use async_graphql::SimpleObject;

/// Relay pagination arguments of `contacts`.
#[derive(Debug, Default)]
pub(super) struct Window {
    pub before: Option<String>,
    pub after: Option<String>,
    pub first: Option<i32>,
    pub last: Option<i32>,
}

/// The Relay compliant `PageInfo` type, containing data necessary to paginate this connection.
#[derive(Debug, Clone, SimpleObject)]
pub struct PageInfo {
    /// When paginating forwards, are there more items?
    has_next_page: bool,
    /// When paginating backwards, are there more items?
    has_previous_page: bool,
    /// When paginating backwards, the cursor to continue.
    start_cursor: Option<String>,
    /// When paginating forwards, the cursor to continue.
    end_cursor: Option<String>,
}

/// A Relay edge containing a `Contact` and its cursor.
#[derive(Debug, Clone, SimpleObject)]
pub struct ContactEdge {
    /// The item at the end of the edge
    node: Option<ContactInterface>,
    /// A cursor for use in pagination
    cursor: String,
}

/// The contacts of the numbers asked, one edge per number.
#[derive(Debug, Clone, SimpleObject)]
pub struct ContactConnection {
    /// Pagination data for this connection.
    page_info: PageInfo,
    /// Contains the nodes in this connection.
    edges: Vec<Option<ContactEdge>>,
}

/// graphql-relay's array cursors: `base64("arrayconnection:<index>")`.
fn cursor(index: usize) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("arrayconnection:{index}"))
}

fn offset(cursor: Option<&String>) -> Option<usize> {
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(cursor?)
        .ok()?;
    String::from_utf8(decoded)
        .ok()?
        .strip_prefix("arrayconnection:")?
        .parse()
        .ok()
}

impl ContactConnection {
    /// The edges `window` selects among `nodes`, as graphql-relay's `connection_from_array`.
    pub(super) fn slice(
        nodes: Vec<Option<ContactInterface>>,
        window: &Window,
    ) -> ContactConnection {
        let length = nodes.len();
        let after = offset(window.after.as_ref());
        let before = offset(window.before.as_ref());
        let mut start = after.map_or(0, |a| a + 1).min(length);
        let mut end = before.map_or(length, |b| b.min(length));
        if let Some(first) = window.first {
            end = end.min(start + usize::try_from(first).unwrap_or(0));
        }
        if let Some(last) = window.last {
            start = start.max(end.saturating_sub(usize::try_from(last).unwrap_or(0)));
        }
        let end = end.max(start);
        let edges: Vec<Option<ContactEdge>> = nodes
            .into_iter()
            .enumerate()
            .skip(start)
            .take(end - start)
            .map(|(index, node)| {
                Some(ContactEdge {
                    node,
                    cursor: cursor(index),
                })
            })
            .collect();
        let lower = after.map_or(0, |a| a + 1);
        let upper = before.unwrap_or(length);
        ContactConnection {
            page_info: PageInfo {
                has_next_page: window.first.is_some() && end < upper,
                has_previous_page: window.last.is_some() && start > lower,
                start_cursor: (start < end).then(|| cursor(start)),
                end_cursor: (start < end).then(|| cursor(end - 1)),
            },
            edges,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_and_windows_are_graphql_relays() {
        assert_eq!(cursor(0), "YXJyYXljb25uZWN0aW9uOjA=");
        assert_eq!(cursor(2), "YXJyYXljb25uZWN0aW9uOjI=");
        let nodes = || vec![None, None, None];
        let all = ContactConnection::slice(nodes(), &Window::default());
        assert_eq!(all.edges.len(), 3);
        assert!(!all.page_info.has_next_page && !all.page_info.has_previous_page);
        let window = Window {
            first: Some(1),
            after: Some(cursor(0)),
            ..Window::default()
        };
        let page = ContactConnection::slice(nodes(), &window);
        assert_eq!(page.edges.len(), 1);
        assert_eq!(
            page.edges[0].as_ref().map(|e| e.cursor.clone()),
            Some(cursor(1))
        );
        assert!(page.page_info.has_next_page && !page.page_info.has_previous_page);
        assert_eq!(page.page_info.start_cursor, Some(cursor(1)));
    }
}

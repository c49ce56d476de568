//! Who is asking the directory (a leaf: it depends on nothing of the crate). Views build it from
//! the request's token; some backends query on the caller's behalf (personal contacts, the cloud
//! address books), and the favorites and personal views read the user from it.

/// The caller of one directory request.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The caller's wazo-auth token.
    pub token: Option<String>,
    /// The token's user, if it has one.
    pub user_uuid: Option<String>,
    /// The tenant the request is made in.
    pub tenant_uuid: String,
}

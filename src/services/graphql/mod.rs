//! wazo-dird's GraphQL schema (async-graphql): `hello`, `me`, `user(uuid)`, and on both users
//! `contacts(profile, extens)`, the bulk caller-name lookup wazo-agid and the softphones use. Each
//! root field needs the ACL `dird.graphql.<field>` (in the `Wazo-Tenant` tenant, else the token's);
//! errors carry wazo-dird's `extensions {error_id, details, timestamp[, resource]}`.
//!
//! `contacts` asks every reverse source of the profile once for all the numbers (`match_all`,
//! under the reverse timeout) and answers one edge per number, in the order given, `node: null`
//! where nothing matched, even when a number repeats (wazo-dird collapses repeats, shifting the
//! later edges).

use crate::auth::{AuthService, CheckOutcome, Unreachable};
use crate::backends;
use crate::services::directory::Directory;
use crate::services::source_actor::SourceResult;
use crate::text::python::python_str;
use async_graphql::{
    Context, EmptyMutation, EmptySubscription, ErrorExtensions, Interface, MergedObject, Object,
    Schema, SimpleObject,
};
use serde_json::{json, Value};
use std::sync::Arc;

mod connection;

use connection::{ContactConnection, Window};

/// The schema, with the directory and the authentication service as its data.
#[derive(Clone)]
pub struct DirdSchema(Schema<Query, EmptyMutation, EmptySubscription>);

impl std::fmt::Debug for DirdSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DirdSchema")
    }
}

impl DirdSchema {
    /// Runs one request.
    pub async fn execute(&self, request: async_graphql::Request) -> async_graphql::Response {
        self.0.execute(request).await
    }
}

/// Builds the schema.
pub fn schema(directory: Arc<Directory>, auth: Arc<AuthService>) -> DirdSchema {
    DirdSchema(
        Schema::build(Query, EmptyMutation, EmptySubscription)
            .register_output_type::<ContactInterface>()
            .data(directory)
            .data(auth)
            .finish(),
    )
}

/// Who asks, for one request: its token and its `Wazo-Tenant`.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token: String,
    pub tenant: Option<String>,
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// A GraphQL error in wazo-dird's shape.
fn error(
    message: &str,
    error_id: &str,
    details: Value,
    resource: Option<&str>,
) -> async_graphql::Error {
    let details = async_graphql::Value::from_json(details).unwrap_or(async_graphql::Value::Null);
    let resource = resource.map(str::to_owned);
    async_graphql::Error::new(message).extend_with(|_, extensions| {
        extensions.set("error_id", error_id);
        extensions.set("details", details.clone());
        extensions.set("timestamp", now());
        if let Some(resource) = &resource {
            extensions.set("resource", resource.as_str());
        }
    })
}

fn unauthorized(token: &str) -> async_graphql::Error {
    error(
        "Unauthorized",
        "unauthorized",
        json!({"invalid_token": token}),
        None,
    )
}

fn unreachable(failure: &Unreachable) -> async_graphql::Error {
    error(
        "Authentication server unreachable",
        "authentication-server-unreachable",
        failure.details(),
        None,
    )
}

/// Checks `dird.graphql.<field>` for the caller; answers the tenant the request acts in.
async fn authorize(ctx: &Context<'_>, field: &str) -> async_graphql::Result<String> {
    let auth = ctx.data::<Arc<AuthService>>()?;
    let caller = ctx.data::<Caller>()?;
    if caller.token.is_empty() {
        return Err(unauthorized(&caller.token));
    }
    let acl = format!("dird.graphql.{field}");
    match auth
        .check(&caller.token, &acl, caller.tenant.as_deref())
        .await
    {
        Ok(CheckOutcome::Valid) => {}
        Ok(_) => return Err(unauthorized(&caller.token)),
        Err(failure) => return Err(unreachable(&failure)),
    }
    if let Some(tenant) = &caller.tenant {
        return Ok(tenant.clone());
    }
    match auth.token_info(&caller.token).await {
        Ok(Some(info)) => info.tenant_uuid.ok_or_else(|| unauthorized(&caller.token)),
        Ok(None) => Err(unauthorized(&caller.token)),
        Err(failure) => Err(unreachable(&failure)),
    }
}

/// Reports `error` at the field being resolved and answers `null` for it, as graphql-core does
/// for a nullable field (the other fields of the query keep their data).
fn report<T>(ctx: &Context<'_>, error: async_graphql::Error) -> Option<T> {
    let mut reported = error.into_server_error(ctx.item.pos);
    if let Some(path) = ctx.path_node {
        reported.path = path
            .to_string_vec()
            .into_iter()
            .map(async_graphql::PathSegment::Field)
            .collect();
    }
    ctx.add_error(reported);
    None
}

/// `Ok(value)`, or the error reported and `null`.
fn nullable<T>(ctx: &Context<'_>, result: async_graphql::Result<Option<T>>) -> Option<T> {
    result.unwrap_or_else(|error| report(ctx, error))
}

/// The root of every query.
#[derive(Debug)]
pub struct Query;

#[Object]
impl Query {
    /// Return "world"
    async fn hello(&self, ctx: &Context<'_>) -> Option<String> {
        let answer = authorize(ctx, "hello")
            .await
            .map(|_| Some("world".to_owned()));
        nullable(ctx, answer)
    }

    /// The user linked to the authentication token
    async fn me(&self, ctx: &Context<'_>) -> Option<UserMe> {
        nullable(ctx, Self::resolve_me(ctx).await)
    }

    /// The user to use for this query
    async fn user(&self, ctx: &Context<'_>, uuid: Option<String>) -> Option<User> {
        nullable(ctx, Self::resolve_user(ctx, uuid).await)
    }
}

impl Query {
    async fn resolve_me(ctx: &Context<'_>) -> async_graphql::Result<Option<UserMe>> {
        let tenant_uuid = authorize(ctx, "me").await?;
        let auth = ctx.data::<Arc<AuthService>>()?;
        let caller = ctx.data::<Caller>()?;
        let info = auth
            .token_info(&caller.token)
            .await
            .map_err(|failure| unreachable(&failure))?;
        let user_uuid = info.and_then(|i| i.user_uuid);
        let asker = Asker {
            user_uuid: user_uuid.clone(),
            tenant_uuid,
            token: caller.token.clone(),
        };
        Ok(Some(UserMe(UserContacts(asker), MeUuid { user_uuid })))
    }

    async fn resolve_user(
        ctx: &Context<'_>,
        uuid: Option<String>,
    ) -> async_graphql::Result<Option<User>> {
        let tenant_uuid = authorize(ctx, "user").await?;
        let Some(uuid) = uuid else {
            return Err(async_graphql::Error::new(
                "Query.resolve_user() missing 1 required positional argument: 'uuid'",
            ));
        };
        let caller = ctx.data::<Caller>()?;
        let asker = Asker {
            user_uuid: Some(uuid.clone()),
            tenant_uuid,
            token: caller.token.clone(),
        };
        Ok(Some(User(
            UserContacts(asker),
            UserUuid { uuid: Some(uuid) },
        )))
    }
}

/// The user a `contacts` query is made for.
#[derive(Debug, Clone)]
struct Asker {
    user_uuid: Option<String>,
    tenant_uuid: String,
    token: String,
}

impl Asker {
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        profile: Option<String>,
        extens: Option<Vec<Option<String>>>,
        window: Window,
    ) -> async_graphql::Result<Option<ContactConnection>> {
        let directory = ctx.data::<Arc<Directory>>()?;
        let no_profile = |name: &str| {
            error(
                &format!("No such profile: \"{name}\""),
                "unknown-profile",
                json!({"uuid": name}),
                Some("profiles"),
            )
        };
        let name = profile.ok_or_else(|| no_profile("None"))?;
        let resolved = directory
            .profile(&self.tenant_uuid, &name)
            .map_err(|not_ready| async_graphql::Error::new(not_ready.to_string()))?
            .ok_or_else(|| no_profile(&name))?;
        let extens: Vec<String> = extens.unwrap_or_default().into_iter().flatten().collect();
        let mut unique = extens.clone();
        unique.sort();
        unique.dedup();
        let found = if unique.is_empty() {
            Default::default()
        } else {
            let context = backends::Context {
                token: Some(self.token.clone()),
                user_uuid: self.user_uuid.clone(),
                tenant_uuid: self.tenant_uuid.clone(),
            };
            directory
                .reverse_many(&resolved.profile, &unique, &context)
                .await
        };
        let nodes: Vec<Option<ContactInterface>> = extens
            .iter()
            .map(|exten| found.get(exten).map(ContactInterface::from_result))
            .collect();
        Ok(Some(ContactConnection::slice(nodes, &window)))
    }
}

/// The `contacts` field both users have.
#[derive(Debug)]
pub struct UserContacts(Asker);

#[Object]
impl UserContacts {
    #[allow(clippy::too_many_arguments)]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return only contacts having exactly one of the given extens")]
        extens: Option<Vec<Option<String>>>,
        #[graphql(desc = "Name of the profile defining where contacts are searched")]
        profile: Option<String>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Option<ContactConnection> {
        let window = Window {
            before,
            after,
            first,
            last,
        };
        nullable(ctx, self.0.contacts(ctx, profile, extens, window).await)
    }
}

/// The token's own user: `contacts` and `userUuid`.
#[derive(Debug, MergedObject)]
pub struct UserMe(UserContacts, MeUuid);

#[derive(Debug, SimpleObject)]
pub struct MeUuid {
    user_uuid: Option<String>,
}

/// A user named by uuid (wazo-agid asks for the called user): `contacts` and `uuid`.
#[derive(Debug, MergedObject)]
pub struct User(UserContacts, UserUuid);

#[derive(Debug, SimpleObject)]
pub struct UserUuid {
    uuid: Option<String>,
}

/// The fields every contact has.
#[derive(Debug, Clone, SimpleObject)]
pub struct Contact {
    firstname: Option<String>,
    lastname: Option<String>,
    email: Option<String>,
    wazo_reverse: Option<String>,
    wazo_source_entry_id: Option<String>,
    wazo_source_name: Option<String>,
    wazo_backend: Option<String>,
}

/// A contact of the `wazo` backend: a Wazo user, with its ids.
#[derive(Debug, Clone, SimpleObject)]
pub struct WazoContact {
    firstname: Option<String>,
    lastname: Option<String>,
    email: Option<String>,
    wazo_reverse: Option<String>,
    wazo_source_entry_id: Option<String>,
    wazo_source_name: Option<String>,
    wazo_backend: Option<String>,
    user_id: Option<String>,
    user_uuid: Option<String>,
    endpoint_id: Option<String>,
    agent_id: Option<String>,
}

/// A contact, of whatever backend.
#[allow(
    clippy::duplicated_attributes,
    reason = "every interface field of async-graphql repeats its `ty`"
)]
#[derive(Debug, Clone, Interface)]
#[graphql(
    field(name = "firstname", ty = "&Option<String>"),
    field(name = "lastname", ty = "&Option<String>"),
    field(name = "email", ty = "&Option<String>"),
    field(name = "wazo_reverse", ty = "&Option<String>"),
    field(name = "wazo_source_entry_id", ty = "&Option<String>"),
    field(name = "wazo_source_name", ty = "&Option<String>"),
    field(name = "wazo_backend", ty = "&Option<String>")
)]
pub enum ContactInterface {
    Contact(Contact),
    WazoContact(WazoContact),
}

/// A value as GraphQL's `String` renders it (numbers as text), `null` for null or absent.
fn string(value: Option<&Value>) -> Option<String> {
    value.filter(|v| !v.is_null()).map(python_str)
}

impl ContactInterface {
    fn from_result(result: &SourceResult) -> ContactInterface {
        let field = |name: &str| string(result.fields.get(name));
        let contact = Contact {
            firstname: field("firstname"),
            lastname: field("lastname"),
            email: field("email"),
            wazo_reverse: field("reverse"),
            wazo_source_entry_id: result.relations.source_entry_id.clone(),
            wazo_source_name: Some(result.source.clone()),
            wazo_backend: Some(result.backend.clone()),
        };
        if result.backend != <crate::backends::wazo::Wazo as crate::backends::BackendKind>::NAME {
            return ContactInterface::Contact(contact);
        }
        let links = &result.relations.links;
        ContactInterface::WazoContact(WazoContact {
            firstname: contact.firstname,
            lastname: contact.lastname,
            email: contact.email,
            wazo_reverse: contact.wazo_reverse,
            wazo_source_entry_id: contact.wazo_source_entry_id,
            wazo_source_name: contact.wazo_source_name,
            wazo_backend: contact.wazo_backend,
            user_id: string(links.user_id.as_ref()),
            user_uuid: string(links.user_uuid.as_ref()),
            endpoint_id: string(links.endpoint_id.as_ref()),
            agent_id: string(links.agent_id.as_ref()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sdl_is_wazo_dirds() {
        let sdl = Schema::build(Query, EmptyMutation, EmptySubscription)
            .register_output_type::<ContactInterface>()
            .finish()
            .sdl();
        for expected in [
            "interface ContactInterface",
            "type WazoContact implements ContactInterface",
            "type Contact implements ContactInterface",
            "wazoReverse: String",
            "wazoSourceEntryId: String",
            "userUuid: String",
            "agentId: String",
            "edges: [ContactEdge]!",
            "pageInfo: PageInfo!",
            "node: ContactInterface",
            "user(uuid: String): User",
            "me: UserMe",
        ] {
            assert!(sdl.contains(expected), "{expected} missing from:\n{sdl}");
        }
        for part in ["UserContacts", "MeUuid", "UserUuid"] {
            assert!(
                !sdl.contains(part),
                "the merged parts are not types of their own: {part} in\n{sdl}"
            );
        }
    }
}

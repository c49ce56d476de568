-- wazo-dird's schema at revision 5a67556fbbf1, written for this daemon: the same tables, columns,
-- types, defaults, constraint and index names as a database made by wazo-dird, so that either daemon
-- can serve the other's database.

CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE EXTENSION IF NOT EXISTS hstore;
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE TABLE alembic_version_dird (
    version_num varchar(32) NOT NULL,
    CONSTRAINT alembic_version_dird_pkc PRIMARY KEY (version_num)
);

-- Tenants and users, created lazily when first seen.
CREATE TABLE dird_tenant (
    uuid varchar(36) NOT NULL DEFAULT uuid_generate_v4(),
    country varchar(2),
    CONSTRAINT dird_tenant_pkey PRIMARY KEY (uuid)
);

CREATE TABLE dird_user (
    user_uuid varchar(36) NOT NULL,
    tenant_uuid varchar(36),
    CONSTRAINT dird_user_pkey PRIMARY KEY (user_uuid),
    CONSTRAINT dird_user_tenant_uuid_fkey FOREIGN KEY (tenant_uuid) REFERENCES dird_tenant (uuid) ON DELETE CASCADE
);
CREATE INDEX dird_user__idx__tenant_uuid ON dird_user (tenant_uuid);

-- Company phonebooks.
CREATE TABLE dird_phonebook (
    id serial NOT NULL,
    name varchar(255) NOT NULL,
    description text,
    tenant_uuid varchar(36) NOT NULL,
    uuid uuid NOT NULL DEFAULT uuid_generate_v4(),
    CONSTRAINT dird_phonebook_pkey PRIMARY KEY (uuid),
    CONSTRAINT dird_phonebook_id UNIQUE (id),
    CONSTRAINT dird_phonebook_name_tenant_uuid UNIQUE (name, tenant_uuid),
    CONSTRAINT dird_phonebook_tenant_uuid_idx UNIQUE (uuid, tenant_uuid),
    CONSTRAINT dird_phonebook_name_check CHECK (name::text <> ''::text),
    CONSTRAINT dird_phonebook_tenant_uuid_fkey FOREIGN KEY (tenant_uuid) REFERENCES dird_tenant (uuid) ON DELETE CASCADE
);
CREATE INDEX dird_phonebook__idx__tenant_uuid ON dird_phonebook (tenant_uuid);

-- Personal contacts (user_uuid) and phonebook contacts (phonebook_uuid), fields stored as rows.
CREATE TABLE dird_contact (
    uuid varchar(38) NOT NULL DEFAULT uuid_generate_v4(),
    user_uuid varchar(36),
    hash varchar(40) NOT NULL,
    phonebook_uuid uuid,
    CONSTRAINT dird_contact_pkey PRIMARY KEY (uuid),
    CONSTRAINT dird_contact_hash_phonebook_uuid UNIQUE (phonebook_uuid, hash),
    CONSTRAINT dird_contact_hash_user_uuid UNIQUE (hash, user_uuid),
    CONSTRAINT dird_contact_phonebook_uuid_fkey FOREIGN KEY (phonebook_uuid) REFERENCES dird_phonebook (uuid) ON DELETE CASCADE,
    CONSTRAINT dird_contact_user_uuid_fkey FOREIGN KEY (user_uuid) REFERENCES dird_user (user_uuid) ON DELETE CASCADE
);
CREATE INDEX dird_contact__idx__phonebook_uuid ON dird_contact (phonebook_uuid);
CREATE INDEX dird_contact__idx__user_uuid ON dird_contact (user_uuid);

CREATE TABLE dird_contact_fields (
    id serial NOT NULL,
    name text NOT NULL,
    value text,
    contact_uuid varchar(38) NOT NULL,
    CONSTRAINT dird_contact_fields_pkey PRIMARY KEY (id),
    CONSTRAINT dird_contact_fields_contact_uuid_fkey FOREIGN KEY (contact_uuid) REFERENCES dird_contact (uuid) ON DELETE CASCADE
);
CREATE INDEX dird_contact_fields__idx__contact_uuid ON dird_contact_fields (contact_uuid);
CREATE INDEX ix_dird_contact_fields_name ON dird_contact_fields (name);
CREATE INDEX ix_dird_contact_fields_value ON dird_contact_fields (value);

-- Directory sources; backend-specific settings live in extra_fields.
CREATE TABLE dird_source (
    name text NOT NULL DEFAULT uuid_generate_v4(),
    uuid varchar(36) NOT NULL DEFAULT uuid_generate_v4(),
    tenant_uuid varchar(36),
    searched_columns text[],
    first_matched_columns text[],
    format_columns hstore,
    extra_fields json,
    backend text NOT NULL,
    phonebook_uuid uuid,
    CONSTRAINT dird_source_pkey PRIMARY KEY (uuid),
    CONSTRAINT dird_source_tenant_name UNIQUE (tenant_uuid, name),
    CONSTRAINT dird_source_uuid_tenant UNIQUE (uuid, tenant_uuid),
    CONSTRAINT dird_source_phonebook_fkey FOREIGN KEY (phonebook_uuid, tenant_uuid) REFERENCES dird_phonebook (uuid, tenant_uuid) ON DELETE CASCADE,
    CONSTRAINT dird_source_phonebook_uuid_fkey FOREIGN KEY (phonebook_uuid) REFERENCES dird_phonebook (uuid) ON DELETE CASCADE,
    CONSTRAINT dird_source_tenant_uuid_fkey FOREIGN KEY (tenant_uuid) REFERENCES dird_tenant (uuid)
);
CREATE INDEX dird_source__idx__tenant_uuid ON dird_source (tenant_uuid);

CREATE TABLE dird_favorite (
    contact_id text NOT NULL,
    user_uuid varchar(36) NOT NULL,
    source_uuid varchar(36) NOT NULL,
    CONSTRAINT dird_favorite_pkey PRIMARY KEY (source_uuid, contact_id, user_uuid),
    CONSTRAINT dird_favorite_source_uuid_fkey FOREIGN KEY (source_uuid) REFERENCES dird_source (uuid) ON DELETE CASCADE,
    CONSTRAINT dird_favorite_user_uuid_fkey FOREIGN KEY (user_uuid) REFERENCES dird_user (user_uuid) ON DELETE CASCADE
);

-- Displays: the columns of formatted results.
CREATE TABLE dird_display (
    uuid varchar(36) NOT NULL DEFAULT uuid_generate_v4(),
    tenant_uuid varchar(36) NOT NULL,
    name text NOT NULL,
    CONSTRAINT dird_display_pkey PRIMARY KEY (uuid),
    CONSTRAINT dird_display_uuid_tenant UNIQUE (uuid, tenant_uuid),
    CONSTRAINT dird_display_tenant_uuid_fkey FOREIGN KEY (tenant_uuid) REFERENCES dird_tenant (uuid) ON DELETE CASCADE
);
CREATE INDEX dird_display__idx__tenant_uuid ON dird_display (tenant_uuid);

CREATE TABLE dird_display_column (
    uuid varchar(36) NOT NULL DEFAULT uuid_generate_v4(),
    display_uuid varchar(36) NOT NULL,
    field text,
    "default" text,
    type text,
    title text,
    number_display text,
    CONSTRAINT dird_display_column_pkey PRIMARY KEY (uuid),
    CONSTRAINT dird_display_column_display_uuid_fkey FOREIGN KEY (display_uuid) REFERENCES dird_display (uuid) ON DELETE CASCADE
);

-- Profiles: a display plus, per service, the sources to query and options.
CREATE TABLE dird_profile (
    uuid varchar(36) NOT NULL DEFAULT uuid_generate_v4(),
    tenant_uuid varchar(36) NOT NULL,
    name text NOT NULL,
    display_uuid varchar(36),
    display_tenant_uuid varchar(36),
    CONSTRAINT dird_profile_pkey PRIMARY KEY (uuid),
    CONSTRAINT dird_profile_tenant_name UNIQUE (tenant_uuid, name),
    CONSTRAINT dird_profile_uuid_tenant UNIQUE (uuid, tenant_uuid),
    CONSTRAINT dird_profile_display_uuid_tenant_fkey FOREIGN KEY (display_uuid, display_tenant_uuid) REFERENCES dird_display (uuid, tenant_uuid) ON DELETE SET NULL,
    CONSTRAINT dird_profile_tenant_uuid_fkey FOREIGN KEY (tenant_uuid) REFERENCES dird_tenant (uuid) ON DELETE CASCADE
);
CREATE INDEX dird_profile__idx__display_tenant_uuid ON dird_profile (display_tenant_uuid);
CREATE INDEX dird_profile__idx__display_uuid ON dird_profile (display_uuid);
CREATE INDEX dird_profile__idx__tenant_uuid ON dird_profile (tenant_uuid);

CREATE TABLE dird_service (
    uuid varchar(36) NOT NULL DEFAULT uuid_generate_v4(),
    name text NOT NULL,
    CONSTRAINT dird_service_pkey PRIMARY KEY (uuid),
    CONSTRAINT dird_service_name_key UNIQUE (name)
);

CREATE TABLE dird_profile_service (
    uuid varchar(36) NOT NULL DEFAULT uuid_generate_v4(),
    profile_uuid varchar(36) NOT NULL,
    service_uuid varchar(36) NOT NULL,
    config json,
    profile_tenant_uuid varchar(36),
    CONSTRAINT dird_profile_service_pkey PRIMARY KEY (uuid),
    CONSTRAINT dird_profile_service_uuid_tenant UNIQUE (uuid, profile_tenant_uuid),
    CONSTRAINT dird_profile_service_profile_uuid_tenant_fkey FOREIGN KEY (profile_uuid, profile_tenant_uuid) REFERENCES dird_profile (uuid, tenant_uuid) ON DELETE CASCADE,
    CONSTRAINT dird_profile_service_service_uuid_fkey FOREIGN KEY (service_uuid) REFERENCES dird_service (uuid) ON DELETE CASCADE
);
CREATE INDEX dird_profile_service__idx__profile_tenant_uuid ON dird_profile_service (profile_tenant_uuid);
CREATE INDEX dird_profile_service__idx__profile_uuid ON dird_profile_service (profile_uuid);
CREATE INDEX dird_profile_service__idx__service_uuid ON dird_profile_service (service_uuid);

-- No primary key: a wazo-dird database has none on this table either.
CREATE TABLE dird_profile_service_source (
    profile_service_uuid varchar(36) NOT NULL,
    source_uuid varchar(36) NOT NULL,
    profile_tenant_uuid varchar(36),
    source_tenant_uuid varchar(36),
    CONSTRAINT dird_profile_service_source_profile_service_uuid_tenant_fkey FOREIGN KEY (profile_service_uuid, profile_tenant_uuid) REFERENCES dird_profile_service (uuid, profile_tenant_uuid) ON DELETE CASCADE,
    CONSTRAINT dird_profile_service_source_source_uuid_tenant_fkey FOREIGN KEY (source_uuid, source_tenant_uuid) REFERENCES dird_source (uuid, tenant_uuid) ON DELETE CASCADE
);

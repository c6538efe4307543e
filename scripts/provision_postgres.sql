-- The one-time admin step on PostgreSQL: the login dbt builds as, its database and
-- the read-only role dashboards use. Run by an admin (a superuser) with psql 15 or
-- newer; scripts/provision_postgres.py runs it for you (make test and .ci/run do):
--
--     KPI_PG_USER=kpi DBT_ENV_SECRET_PG_PASSWORD=... KPI_PG_DATABASE=kpi_tree \
--     KPI_READER_ROLE=bi_reader psql -X -v ON_ERROR_STOP=1 -f scripts/provision_postgres.sql
--
-- Values are read from the environment with \getenv and reach SQL only through
-- psql's quoting (:'var' a literal) and format() (%I an identifier, %L a literal),
-- so a quote, a semicolon or $$ in a name or password is data, never SQL. Safe to run
-- again: a changed password is applied, and the login converges to exactly what it
-- needs, whatever was granted before: it logs in and owns its database; it has no
-- attribute beyond LOGIN, is a member of no role (direct or inherited) and holds no
-- privilege on server settings. The login needs no CREATEROLE: the reader role is
-- created here.

\set ON_ERROR_STOP 1
\getenv login_role KPI_PG_USER
\getenv login_password DBT_ENV_SECRET_PG_PASSWORD
\getenv database_name KPI_PG_DATABASE
\getenv reader_role KPI_READER_ROLE

\if :{?login_role}
\else
    do $$ begin raise exception 'provisioning needs KPI_PG_USER in the environment'; end $$;
\endif
\if :{?login_password}
\else
    do $$ begin raise exception 'provisioning needs DBT_ENV_SECRET_PG_PASSWORD in the environment'; end $$;
\endif
\if :{?database_name}
\else
    do $$ begin raise exception 'provisioning needs KPI_PG_DATABASE in the environment'; end $$;
\endif
\if :{?reader_role}
\else
    do $$ begin raise exception 'provisioning needs KPI_READER_ROLE in the environment'; end $$;
\endif

-- Never demote a superuser by mistake (KPI_PG_USER=postgres): refuse instead.
select exists (
    select from pg_roles where rolname = :'login_role' and rolsuper
) as login_is_superuser
\gset
\if :login_is_superuser
    do $$ begin raise exception 'KPI_PG_USER names a superuser; dbt needs a login of its own'; end $$;
\endif

-- The dbt login: logs in, owns its database and the schemas dbt creates, nothing more.
select format('create role %I', :'login_role')
where not exists (select from pg_roles where rolname = :'login_role')
\gexec

select format(
    'alter role %I with login nosuperuser nocreaterole nocreatedb noreplication nobypassrls '
    'password %L',
    :'login_role', :'login_password'
)
\gexec

-- Every role membership of the login goes, whatever the role (postgres, a role with
-- CREATEROLE, pg_write_all_data, pg_execute_server_program, ...), whoever granted it and
-- with whatever options: the login is a member of no role, so it inherits nothing and can
-- `set role` to nothing; memberships through other roles go with the direct ones. From
-- PostgreSQL 16 a membership is one grant per grantor, revoked as that grantor (`granted
-- by`); grants the login made through a membership it held go too (`cascade`).
select format(
    'revoke %I from %I%s cascade',
    granted.rolname,
    :'login_role',
    case
        when current_setting('server_version_num')::int >= 160000
            then format(' granted by %I', grantor.rolname)
        else ''
    end
)
from pg_auth_members as membership
inner join pg_roles as granted on membership.roleid = granted.oid
inner join pg_roles as member on membership.member = member.oid
left join pg_roles as grantor on membership.grantor = grantor.oid
where member.rolname = :'login_role'
\gexec

-- Privileges on server settings (PostgreSQL 15+): `alter system` on archive_command, say,
-- runs a program as the server's OS user. The login holds none.
select format('revoke all on parameter %I from %I cascade', acl.parname, :'login_role')
from pg_parameter_acl as acl
cross join lateral aclexplode(acl.paracl) as privilege
inner join pg_roles as grantee on privilege.grantee = grantee.oid
where grantee.rolname = :'login_role'
group by acl.parname
\gexec

-- Converged, or stop: no membership and no attribute beyond logging in is left.
select not exists (
    select from pg_auth_members as membership
    inner join pg_roles as member on membership.member = member.oid
    where member.rolname = :'login_role'
) and not exists (
    select from pg_parameter_acl as acl
    cross join lateral aclexplode(acl.paracl) as privilege
    inner join pg_roles as grantee on privilege.grantee = grantee.oid
    where grantee.rolname = :'login_role'
) and exists (
    select from pg_roles
    where rolname = :'login_role' and rolcanlogin and not (
        rolsuper or rolcreaterole or rolcreatedb or rolreplication or rolbypassrls
    )
) as login_converged
\gset
\if :login_converged
\else
    do $$ begin raise exception 'the login still holds a role membership, an attribute or a privilege on a setting after provisioning'; end $$;
\endif

select format('create database %I owner %I', :'database_name', :'login_role')
where not exists (select from pg_database where datname = :'database_name')
\gexec

-- The login owns its database (an existing one is handed over).
select format('alter database %I owner to %I', :'database_name', :'login_role')
from pg_database
where datname = :'database_name' and datdba <> (select oid from pg_roles where rolname = :'login_role')
\gexec

-- The read-only role that dbt's grants name (KPI_READER_ROLE): no login of its own;
-- dashboard logins are members of it.
select format('create role %I nologin', :'reader_role')
where not exists (select from pg_roles where rolname = :'reader_role')
\gexec

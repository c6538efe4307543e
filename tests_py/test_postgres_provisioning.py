"""The one-time admin step (scripts/provision_postgres.py + .sql, kpitree.postgres) and least
privilege on PostgreSQL: the code `make test` and `.ci/run` run, here with hostile names and
passwords, against the server the KPI_PG_* settings name, as the admin KPI_PG_ADMIN_USER."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg2
import pytest
from harness import make_engine, pg_admin_connect, pg_admin_settings, pg_connect, run_dbt
from kpitree.postgres.provision_cli import main
from kpitree.postgres.provisioning import Admin, ProvisionError, Provisioning, provision
from psycopg2 import sql


def admin() -> Admin:
    settings = pg_admin_settings()
    return Admin(
        host=settings["host"],
        port=int(settings["port"]),
        user=settings["user"],
        password=settings["password"],
        database=settings["dbname"],
    )


def query(statement: str, *params: Any) -> list[tuple[Any, ...]]:
    connection = pg_admin_connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return list(cursor.fetchall())
    finally:
        connection.close()


def role_flags(role: str) -> tuple[bool, bool, bool] | None:
    """(rolcanlogin, rolsuper, rolcreaterole), or None when the role does not exist."""
    rows = query(
        "select rolcanlogin, rolsuper, rolcreaterole from pg_roles where rolname = %s", role
    )
    return rows[0] if rows else None


def superusers() -> set[str]:
    return {name for (name,) in query("select rolname from pg_roles where rolsuper")}


def log_in(role: str, password: str, database: str) -> str:
    """Log in as role with password; returns current_user."""
    settings = {**pg_admin_settings(), "user": role, "password": password, "dbname": database}
    connection = psycopg2.connect(**settings, connect_timeout=5)
    try:
        with connection.cursor() as cursor:
            cursor.execute("select current_user")
            return str(cursor.fetchone()[0])
    finally:
        connection.close()


@pytest.fixture
def names() -> Iterator[dict[str, str]]:
    """Unique throwaway names; the databases and roles they name are dropped afterwards."""
    suffix = uuid.uuid4().hex[:8]
    created = {"suffix": suffix, "reader": f"kpi_r_{suffix}"}
    yield created
    connection = pg_admin_connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "select datname from pg_database where datname like %s", (f"%{suffix}%",)
            )
            for (database,) in cursor.fetchall():
                cursor.execute(
                    sql.SQL("drop database {} with (force)").format(sql.Identifier(database))
                )
            cursor.execute("select rolname from pg_roles where rolname like %s", (f"%{suffix}%",))
            for (role,) in cursor.fetchall():
                cursor.execute(sql.SQL("drop role {}").format(sql.Identifier(role)))
    finally:
        connection.close()


# A quote, a semicolon, statements that would make the reader role ({r}) a superuser,
# dollar quoting, a backslash and a double quote.
HOSTILE = [
    pytest.param("t{s} o'brien", "it's a secret", "t{s}_db'", id="quote"),
    pytest.param("t{s}; drop role x", "pass;word", "t{s}; --", id="semicolon"),
    pytest.param(
        "t{s}'; alter role {r} superuser; --",
        "'; alter role {r} superuser; --",
        't{s}"; alter role {r} superuser; --',
        id="statement",
    ),
    pytest.param(
        "t{s}$$",
        "$$; alter role {r} superuser; $$ \\' \"",
        "t{s}_$$",
        id="dollars",
    ),
]


@pytest.mark.parametrize(("login", "password", "database"), HOSTILE)
def test_provisioning_hostile_names_and_passwords_creates_exactly_them(
    names: dict[str, str], login: str, password: str, database: str
) -> None:
    login, password, database = (
        value.format(s=names["suffix"], r=names["reader"]) for value in (login, password, database)
    )
    before = superusers()
    settings = Provisioning(login, password, database, names["reader"])

    provision(settings, admin())

    assert role_flags(login) == (True, False, False)  # logs in; not superuser nor createrole
    assert log_in(login, password, database) == login
    with pytest.raises(psycopg2.OperationalError):
        log_in(login, password + "x", database)
    assert query(
        "select pg_get_userbyid(datdba) from pg_database where datname = %s", database
    ) == [(login,)]
    assert role_flags(names["reader"]) == (False, False, False)
    assert superusers() == before


def test_provisioning_again_applies_a_changed_password_and_takes_privileges_away(
    names: dict[str, str],
) -> None:
    login = f"kpi_test_login_{names['suffix']}"
    database = f"kpi_test_db_{names['suffix']}"
    connection = pg_admin_connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("create role {} login createrole password 'old'").format(
                    sql.Identifier(login)
                )
            )
            cursor.execute(
                sql.SQL("grant pg_execute_server_program to {}").format(sql.Identifier(login))
            )
    finally:
        connection.close()
    assert log_in(login, "old", "postgres") == login

    provision(Provisioning(login, "new 'one'", database, names["reader"]), admin())

    assert log_in(login, "new 'one'", database) == login
    with pytest.raises(psycopg2.OperationalError):
        log_in(login, "old", database)
    assert role_flags(login) == (True, False, False)
    members = query(
        "select count(*) from pg_auth_members as m join pg_roles as r on m.member = r.oid "
        "where r.rolname = %s",
        login,
    )
    assert members == [(0,)]


def bootstrap_superuser() -> str:
    """The role that owns the cluster (postgres on Debian and in the throwaway server)."""
    return str(query("select rolname from pg_roles where oid = 10")[0][0])


def test_provisioning_again_revokes_every_membership_and_attribute_granted_by_mistake(
    names: dict[str, str],
) -> None:
    """Whatever an admin granted by mistake (attributes, memberships direct, through
    another role, or recorded under another grantor, and a privilege on a setting), the
    next run of the admin step leaves the login exactly what docs/reliability.md documents."""
    suffix = names["suffix"]
    login, password = f"kpi_test_login_{suffix}", "secret 'pw'"
    database = f"kpi_test_db_{suffix}"
    settings = Provisioning(login, password, database, names["reader"])
    provision(settings, admin())
    creator, middle, grantor = (f"kpi_test_{kind}_{suffix}" for kind in ("cr", "mid", "gr"))
    mistakes = [
        "alter role {login} createrole createdb",
        "grant {superuser} to {login}",
        "create role {creator} createrole",
        "grant {creator} to {login}",
        "grant pg_write_all_data to {login}",
        # a membership through another role, and one recorded under another grantor
        "create role {middle}",
        "grant pg_execute_server_program to {middle}",
        "grant {middle} to {login}",
        "create role {grantor}",
        "grant pg_read_server_files to {grantor} with admin option",
        "grant pg_read_server_files to {login} granted by {grantor}",
        # alter system on archive_command runs programs as the server's OS user
        "grant alter system on parameter archive_command to {login}",
    ]
    identifiers = {
        "login": login, "superuser": bootstrap_superuser(), "creator": creator,
        "middle": middle, "grantor": grantor,
    }  # fmt: skip
    connection = pg_admin_connect()
    try:
        with connection.cursor() as cursor:
            for statement in mistakes:
                cursor.execute(
                    sql.SQL(statement).format(
                        **{key: sql.Identifier(value) for key, value in identifiers.items()}
                    )
                )
    finally:
        connection.close()
    assert len(memberships(login)) == 5
    assert role_flags(login) == (True, False, True)

    provision(settings, admin())

    assert memberships(login) == []
    for role in (bootstrap_superuser(), creator, "pg_write_all_data",
                 "pg_execute_server_program", "pg_read_server_files"):  # fmt: skip
        assert query("select pg_has_role(%s, %s, 'member')", login, role) == [(False,)], role
    assert query(
        "select rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls "
        "from pg_roles where rolname = %s",
        login,
    ) == [(True, False, False, False, False, False)]
    connection = psycopg2.connect(
        **{**pg_admin_settings(), "user": login, "password": password, "dbname": database},
        connect_timeout=5,
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            denied = [
                sql.SQL("set role {}").format(sql.Identifier(bootstrap_superuser())),
                sql.SQL("set role {}").format(sql.Identifier(creator)),
                sql.SQL("copy (select 1) to program 'true'"),
                sql.SQL("select pg_read_file('/etc/hostname')"),
                sql.SQL("alter system set archive_command = 'true'"),
                sql.SQL("create role {}").format(sql.Identifier(f"kpi_test_escalation_{suffix}")),
                sql.SQL("create database {}").format(sql.Identifier(f"kpi_test_other_{suffix}")),
            ]
            for statement in denied:
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cursor.execute(statement)
            # what the login is documented to do: build in its database, grant the reader
            schema = sql.Identifier(f"kpi_test_schema_{suffix}")
            cursor.execute(sql.SQL("create schema {}").format(schema))
            cursor.execute(sql.SQL("create table {}.facts as select 42 as answer").format(schema))
            cursor.execute(
                sql.SQL("grant usage on schema {} to {}").format(
                    schema, sql.Identifier(names["reader"])
                )
            )
            cursor.execute(
                sql.SQL("grant select on {}.facts to {}").format(
                    schema, sql.Identifier(names["reader"])
                )
            )
            cursor.execute(sql.SQL("select answer from {}.facts").format(schema))
            assert cursor.fetchall() == [(42,)]
    finally:
        connection.close()


def memberships(login: str) -> list[str]:
    """The roles login is a direct member of, one entry per grant."""
    rows = query(
        "select granted.rolname from pg_auth_members as membership "
        "join pg_roles as granted on membership.roleid = granted.oid "
        "join pg_roles as member on membership.member = member.oid "
        "where member.rolname = %s order by 1",
        login,
    )
    return [name for (name,) in rows]


def test_provisioning_refuses_to_demote_a_superuser(names: dict[str, str]) -> None:
    superuser = pg_admin_settings()["user"]
    settings = Provisioning(superuser, "whatever", f"kpi_test_db_{names['suffix']}", "bi_reader")
    with pytest.raises(ProvisionError, match="superuser"):
        provision(settings, admin())
    assert role_flags(superuser) is not None and role_flags(superuser)[1] is True


@pytest.mark.parametrize("reader", ["bi_reader; drop role x", "BI_Reader", 'bi"reader'])
def test_provisioning_refuses_a_reader_role_dbt_could_not_quote(
    reader: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """dbt's grants write the reader role into SQL unquoted: only plain names pass."""
    monkeypatch.setenv("KPI_READER_ROLE", reader)
    monkeypatch.setenv("DBT_ENV_SECRET_PG_PASSWORD", "secret")
    assert main(["--psql", "/nonexistent/psql"]) == 2  # refused before psql runs
    assert "KPI_READER_ROLE" in capsys.readouterr().err


def test_provisioning_needs_a_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBT_ENV_SECRET_PG_PASSWORD", raising=False)
    assert main(["--psql", "/nonexistent/psql"]) == 2


def test_the_postgres_dbt_login_can_neither_create_roles_nor_run_programs() -> None:
    """The login the suite builds with (KPI_PG_USER) holds no privilege beyond its own."""
    connection = pg_connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "select rolsuper, rolcreaterole, rolcreatedb from pg_roles "
                "where rolname = current_user"
            )
            assert cursor.fetchone() == (False, False, False)
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cursor.execute(f"create role kpi_test_escalation_{uuid.uuid4().hex[:8]}")
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cursor.execute("grant pg_execute_server_program to current_user")
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cursor.execute("copy (select 1) to program 'true'")
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("reader", "message"),
    [
        ("kpi_test_missing_reader", "scripts/provision_postgres.py"),
        ("bi_reader, public", "lower snake_case"),
    ],
    ids=["missing", "not_a_plain_name"],
)
def test_a_postgres_build_checks_the_reader_role_before_anything_builds(
    reader: str, message: str, tmp_path: Any
) -> None:
    engine = make_engine("postgres", tmp_path / "postgres")
    env = {**engine.env, "KPI_READER_ROLE": reader, "KPI_RAW_SCHEMA": f"raw_{uuid.uuid4().hex[:8]}"}
    try:
        result = run_dbt(
            ["run", "-s", "stg_marketing__accounts"], env, tmp_path / "target", expect_success=False
        )
        assert not result.success
        assert message in str(result.exception or "") + str(result.result or "")
        built = engine.query(
            "select count(*) from information_schema.tables "
            f"where table_schema like '{engine.schema}%'"
        )
        assert built == [(0,)]  # nothing was built
    finally:
        engine.drop_schemas()

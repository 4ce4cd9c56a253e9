"""The database each test runs on: SQLite (the default) or a real PostgreSQL server the suite starts.

``PRESCRIBE_TEST_DATABASE=postgresql`` runs the suite on PostgreSQL: a server is started from the
machine's own binaries (``initdb``/``pg_ctl``, on the PATH or in ``/usr/lib/postgresql/*/bin``) in a
temporary folder, on a free loopback port, and stopped at the end. PostgreSQL refuses to run as
root, so under root (CI, this workplace) the server runs as the ``postgres`` user when there is
one, else ``nobody``.

Either way the schema is built once per test session by the migrations (so the suite also checks
they run), and every test starts from an empty copy of it: a copied file on SQLite, emptied tables
on PostgreSQL.
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from prescribe.db import create_database_engine
from prescribe.migrations import upgrade

BACKEND_ENV = "PRESCRIBE_TEST_DATABASE"
POSTGRES_BIN_ENV = "PRESCRIBE_POSTGRES_BIN"
POSTGRES_USER = "prescribe"


def requested_backend() -> str:
    """``sqlite`` or ``postgresql``, from the environment."""
    value = os.environ.get(BACKEND_ENV, "sqlite").strip().lower()
    if value in ("postgres", "postgresql", "pg"):
        return "postgresql"
    if value != "sqlite":
        raise ValueError(f"{BACKEND_ENV} must be sqlite or postgresql, not {value!r}")
    return "sqlite"


def find_postgres_binaries() -> Path | None:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``, newest version first; None if absent."""
    candidates = []
    if os.environ.get(POSTGRES_BIN_ENV):
        candidates.append(Path(os.environ[POSTGRES_BIN_ENV]))
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", path.parent.name)) or (0,)

    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    for folder in candidates:
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """A throwaway PostgreSQL server on loopback, in a temporary folder removed by :meth:`stop`."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="prescribe-pg-"))
        self.data = self.root / "data"
        self.password = secrets.token_hex(16)
        self.port = 0
        self.version = ""
        self._run_as: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            self._run_as = _unprivileged_user()
            os.chown(self.root, self._run_as.pw_uid, self._run_as.pw_gid)

    def _run(self, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
        """Run a server binary as the server's user, in its folder."""
        extra = {}
        if self._run_as is not None:
            extra = {"user": self._run_as.pw_uid, "group": self._run_as.pw_gid, "extra_groups": []}
        return subprocess.run([str(self.bin_dir / args[0]), *args[1:]], cwd=self.root, capture_output=True,
                              text=True, timeout=timeout, check=True,
                              env={"PATH": "/usr/bin:/bin", "LC_ALL": "C", "LANG": "C"}, **extra)

    def start(self) -> None:
        password_file = self.root / "password"
        password_file.write_text(self.password)
        if self._run_as is not None:
            os.chown(password_file, self._run_as.pw_uid, self._run_as.pw_gid)
        password_file.chmod(0o600)
        try:
            self._run("initdb", "-D", str(self.data), "-U", POSTGRES_USER, f"--pwfile={password_file}",
                      "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync")
        finally:
            password_file.unlink()
        # Durability settings off: this server holds nothing worth keeping, and the suite runs faster.
        for attempt in range(3):
            self.port = _free_port()
            options = (f"-p {self.port} -h 127.0.0.1 -k {self.root} -c fsync=off -c synchronous_commit=off "
                       "-c full_page_writes=off -c max_connections=200")
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60",
                          "-o", options, "start")
                break
            except subprocess.CalledProcessError:
                if attempt == 2:
                    raise RuntimeError("PostgreSQL did not start:\n" + self.log_tail()) from None
                time.sleep(0.5)  # the port was taken between probing and binding: try another
        self.version = self._run("postgres", "--version").stdout.strip()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{POSTGRES_USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def execute_autocommit(self, statement: str) -> None:
        """Run a statement outside a transaction (CREATE/DROP DATABASE)."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=POSTGRES_USER, password=self.password,
                             dbname="postgres", autocommit=True) as connection:
            connection.execute(statement)

    def create_database(self, name: str) -> str:
        self.execute_autocommit(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.execute_autocommit(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def log_tail(self) -> str:
        log = self.root / "server.log"
        return log.read_text(errors="replace")[-3000:] if log.exists() else "(no server log)"

    def stop(self) -> None:
        try:
            if self.data.exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
        except subprocess.CalledProcessError:
            pass  # never started
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _unprivileged_user() -> pwd.struct_passwd:
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("Running as root with neither a 'postgres' nor a 'nobody' user to run PostgreSQL as.")


class SqliteDatabases:
    """Each test gets a copy of one migrated database file (copying is faster than migrating)."""

    name = "sqlite"
    postgres_bin = None

    def __init__(self, workdir: Path):
        self.template = workdir / "template.sqlite"
        engine = create_database_engine(f"sqlite:///{self.template}")
        upgrade(engine)
        engine.dispose()  # the last connection closed: the WAL is folded into the file
        self.description = "SQLite"

    def url_for_test(self, test_dir: Path) -> str:
        path = test_dir / "test.sqlite"
        if not path.exists():
            test_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def empty_url(self, test_dir: Path, name: str) -> str:
        """A URL for a new, empty database (migration tests build it themselves)."""
        return f"sqlite:///{test_dir / (name + '.sqlite')}"

    def close(self) -> None:
        pass


class PostgresDatabases:
    """One migrated database emptied before each test, and new empty databases on request."""

    name = "postgresql"
    TEST_DATABASE = "prescribe_test"

    def __init__(self, server: PostgresServer):
        self.server = server
        self.postgres_bin = str(server.bin_dir)  # pg_dump and pg_restore of the server's own version
        self.url = server.create_database(self.TEST_DATABASE)
        self.engine = create_database_engine(self.url)
        upgrade(self.engine)
        self.description = server.version
        self._prepared_for: Path | None = None
        self._extra: list[str] = []

    def url_for_test(self, test_dir: Path) -> str:
        if self._prepared_for != test_dir:  # the test's first app; a second one shares its database
            self.reset()
            self._prepared_for = test_dir
        return self.url

    def reset(self) -> None:
        """Empty every table and restart the ids, as a fresh database would have them."""
        with self.engine.begin() as connection:
            # A connection a previous test left open could hold a lock TRUNCATE waits for forever.
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            tables = connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )).scalars().all()
            connection.execute(text("SET LOCAL session_replication_role = replica"))  # no triggers
            connection.execute(text(f"TRUNCATE {', '.join(f'{chr(34)}{t}{chr(34)}' for t in tables)} "
                                    "RESTART IDENTITY CASCADE"))

    def empty_url(self, test_dir: Path, name: str) -> str:
        database = f"prescribe_{name}_{secrets.token_hex(4)}"
        self._extra.append(database)
        return self.server.create_database(database)

    def close(self) -> None:
        self.engine.dispose()
        for database in self._extra:
            self.server.drop_database(database)
        self.server.stop()


def open_databases(workdir: Path):
    """The databases of this test session, on the requested backend."""
    if requested_backend() == "sqlite":
        return SqliteDatabases(workdir)
    bin_dir = find_postgres_binaries()
    if bin_dir is None:
        raise RuntimeError(f"{BACKEND_ENV}=postgresql but no PostgreSQL server binaries (initdb, pg_ctl) were "
                           "found: install the postgresql package or set PRESCRIBE_POSTGRES_BIN.")
    server = PostgresServer(bin_dir)
    try:
        server.start()
        return PostgresDatabases(server)
    except BaseException:
        server.stop()
        raise

"""A throwaway PostgreSQL server for the tests: `initdb` and `pg_ctl` on a temporary folder and
a free port, started once per test session; each test gets a database of its own.

PostgreSQL refuses to run as root: as root the server runs as the `postgres` user (`runuser`).
When no server can be started (no binaries, no such user), `start_server` raises
`ServerUnavailableError` with the reason, and the Postgres tests are skipped with it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Where Debian and Ubuntu put the server binaries (the `postgresql` package); PATH otherwise.
BIN_DIRS = tuple(Path(f"/usr/lib/postgresql/{v}/bin") for v in (17, 16, 15, 14))
SUPERUSER = "postgres"
# Durability is not what the tests are about: no fsync, so creating databases is quick.
SERVER_OPTIONS = (
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    " -c max_connections=300 -c shared_buffers=32MB"
)


class ServerUnavailableError(RuntimeError):
    """Raised when no PostgreSQL server can be started here; the message says why."""


@dataclass(frozen=True)
class Server:
    """A running server: its folder and port; `url(db)` is the DATABASE_URL of one database."""

    folder: Path
    port: int
    bin_dir: Path
    run_as: str | None  # the OS user the server runs as when we are root

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"


def _bin_dir() -> Path:
    for folder in BIN_DIRS:
        if (folder / "initdb").is_file():
            return folder
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise ServerUnavailableError(
        "PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin or on PATH;"
        " apt-get install postgresql)"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run(command: list[str], run_as: str | None) -> None:
    if run_as is not None:
        command = ["runuser", "-u", run_as, "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise ServerUnavailableError(
            f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()[-500:]}"
        )


def start_server() -> Server:
    """initdb a fresh cluster in a temporary folder and start it on a free port."""
    bin_dir = _bin_dir()
    run_as = None
    if os.geteuid() == 0:
        try:
            import pwd

            owner = pwd.getpwnam(SUPERUSER)
        except KeyError:
            raise ServerUnavailableError(
                "running as root and there is no `postgres` user to run the server as"
            ) from None
        run_as = SUPERUSER
    folder = Path(tempfile.mkdtemp(prefix="yuzhong-pg-"))
    if run_as is not None:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    data = folder / "data"
    _run(
        [
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        ],
        run_as,
    )
    port = _free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 {SERVER_OPTIONS}"
    _run(
        [
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(folder / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        ],
        run_as,
    )
    return Server(folder, port, bin_dir, run_as)


def _pg_ctl(server: Server, *args: str) -> None:
    data = str(server.folder / "data")
    _run([str(server.bin_dir / "pg_ctl"), "-D", data, *args], server.run_as)


def pause_server(server: Server) -> None:
    """Stop the server (its clients' connections drop), keeping its data for `resume_server`."""
    _pg_ctl(server, "-m", "fast", "-w", "stop")


def resume_server(server: Server) -> None:
    """Start a paused server again, on the same port with the same data."""
    options = f"-p {server.port} -k {server.folder} -c listen_addresses=127.0.0.1 {SERVER_OPTIONS}"
    _pg_ctl(server, "-o", options, "-l", str(server.folder / "server.log"), "-w", "start")


def stop_server(server: Server) -> None:
    """Stop the server at once and delete its folder."""
    try:
        data = str(server.folder / "data")
        _run(
            [str(server.bin_dir / "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"], server.run_as
        )
    finally:
        shutil.rmtree(server.folder, ignore_errors=True)

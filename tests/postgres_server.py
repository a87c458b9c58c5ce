"""A throwaway PostgreSQL server from Debian's binaries, on a free loopback port."""

import glob
import os
import pwd
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError(
            "PostgreSQL server binaries not found; .ci/run installs them "
            "(apt-get install postgresql)."
        )
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def postgres_server(workdir: Path) -> Iterator[str]:
    """Start a server in ``workdir``; yield its base URL (user postgres, trust on loopback)."""
    binaries = _binaries()
    data, sockets = workdir / "pgdata", workdir / "sockets"
    sockets.mkdir(parents=True)
    command_prefix: list[str] = []
    if os.geteuid() == 0:
        # initdb refuses to run as root; Debian's package brings a "postgres" user for this.
        owner = pwd.getpwnam("postgres")
        for path in (workdir, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        command_prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()

    def run(*args: str) -> None:
        subprocess.run([*command_prefix, *args], check=True, capture_output=True, timeout=120)

    run(str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    run(
        str(binaries / "pg_ctl"),
        "-D", str(data),
        "-l", str(workdir / "server.log"),
        "-o", f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off",
        "-w", "start",
    )  # fmt: skip
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*command_prefix, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(workdir, ignore_errors=True)

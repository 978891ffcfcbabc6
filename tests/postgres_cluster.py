"""A throwaway PostgreSQL cluster for the shared-store tests and benchmarks: initdb in a temp folder, a free
port on 127.0.0.1, trust auth, stopped and removed afterwards. initdb refuses root, so as root the cluster
runs as the `postgres` user, in a folder that user can reach."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path


def pg_bin(name: str) -> str:
    found = next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None) or shutil.which(name)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed; run `bash scripts/bootstrap.sh --test`")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Postgres:
    port: int
    folder: Path
    as_postgres: list[str]

    def create_database(self, name: str | None = None) -> str:
        name = name or "t_" + uuid.uuid4().hex[:12]
        subprocess.run([pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
                       check=True, capture_output=True)
        return name

    def lake_url(self, name: str) -> str:
        return f"ducklake:postgres:dbname={name} host=127.0.0.1 port={self.port} user=postgres"


def start_cluster() -> Postgres:
    folder = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(folder, "postgres")
    port = free_port()
    subprocess.run([*as_postgres, pg_bin("initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", "postgres",
                    "--no-sync"], check=True, capture_output=True)
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    subprocess.run([*as_postgres, pg_bin("pg_ctl"), "-D", str(folder / "data"), "-o", options,
                    "-l", str(folder / "log"), "-w", "start"], check=True, capture_output=True)
    return Postgres(port, folder, as_postgres)


def stop_cluster(cluster: Postgres) -> None:
    subprocess.run([*cluster.as_postgres, pg_bin("pg_ctl"), "-D", str(cluster.folder / "data"), "-m", "fast", "-w",
                    "stop"], capture_output=True)
    shutil.rmtree(cluster.folder, ignore_errors=True)

"""Start and stop a private one-node SLURM cluster for tests.

The cluster runs munged, slurmctld and slurmd as root from a temporary
folder, with its own ports, munge socket and configuration, so it does not
touch a SLURM or munge installation that the machine may already have. Its
one node is this host, listening on the loopback address that the host's
short name resolves to, and it offers one fake GPU (``Gres=gpu:1`` backed by
``/dev/null``) so that GPU requests are scheduled but nothing can use CUDA.

Written for Debian's SLURM 22.05 packages (``slurm-wlm``) and munge 0.5.15.
There is no accounting database, so ``sacct`` and ``sacctmgr`` fail and tests
must ask the Snakemake SLURM executor for its ``squeue`` status command.
``sshare`` lists no account, so the executor (2.8.0) skips its account check,
and sbatch accepts any account name.

The executor's job step (snakemake-executor-plugin-slurm-jobstep 0.6.1) runs
``srun`` inside each job with every ``SLURM_*`` variable removed except a few
job ids, SLURM_CONF included. That srun only finds a configuration at a
built-in path. SLURM 22.05 clients read ``/run/slurm/conf/slurm.conf`` when
``/etc/slurm/slurm.conf`` is missing, so while the cluster runs it links
``/run/slurm/conf`` to its own configuration folder. It refuses to start on a
machine that has either path already, except a dangling link left by a killed
run, which it replaces.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

log = logging.getLogger(__name__)

SLURM_PACKAGES = ("slurm-wlm", "munge")

# The Snakemake SLURM executor (2.8.0) waits up to 180 s between status
# queries, so finished jobs must stay in squeue's list well beyond that. It
# also falls back to sacct when MinJobAge is below three times its first
# polling delay (40 s by default).
MIN_JOB_AGE_SECONDS = 900

PARTITION = "debug"
GPU_COUNT = 1

SYSTEM_SLURM_CONF = Path("/etc/slurm/slurm.conf")
CLIENT_CONF_LINK = Path("/run/slurm/conf")

# Field names of `scontrol --oneliner show job`, such as JobId, CPUs/Task or
# AllocNode:Sid.
FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_:/]*$")

SLURM_CONF_TEMPLATE = """\
# Written by tests/slurm_cluster.py for a throwaway one-node test cluster.
ClusterName=initlab-test
SlurmctldHost={host}
SlurmUser=root
SlurmdUser=root
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={munge_socket}
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
StateSaveLocation={state_dir}
SlurmdSpoolDir={spool_dir}
SlurmctldPidFile={ctld_pid}
SlurmdPidFile={slurmd_pid}
SlurmctldLogFile={ctld_log}
SlurmdLogFile={slurmd_log}
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge={min_job_age}
GresTypes=gpu
NodeName={host} CPUs={cpus} RealMemory={memory_mb} Gres=gpu:{gpus} State=UNKNOWN
PartitionName={partition} Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""

# Without File= the node reports no usable GPU and slurmctld drains it.
GRES_CONF_TEMPLATE = """\
NodeName={host} Name=gpu File=/dev/null
"""

# slurmd 22.05 also starts without this file, because proctrack/linuxproc
# and task/none use no cgroup. It turns every cgroup constraint off in case a
# cgroup plugin is configured later.
CGROUP_CONF = """\
CgroupAutomount=no
ConstrainCores=no
ConstrainRAMSpace=no
ConstrainDevices=no
"""


class SlurmClusterError(RuntimeError):
    """A step of starting or stopping the test cluster failed."""


def ensure_slurm_installed() -> None:
    """Install Debian's SLURM and munge packages when slurmctld or munged is missing.

    A fresh CI machine has neither, and this needs root and the Debian
    package mirror.
    """
    if shutil.which("slurmctld") and shutil.which("munged"):
        return
    if os.geteuid() != 0:
        raise SlurmClusterError(
            "slurmctld or munged is missing and installing "
            f"{' '.join(SLURM_PACKAGES)} needs root; install them with apt-get"
        )
    apt_env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    log.info("installing %s with apt-get", " ".join(SLURM_PACKAGES))
    subprocess.run(["apt-get", "update"], check=True, env=apt_env)
    subprocess.run(
        ["apt-get", "install", "-y", "--no-install-recommends", *SLURM_PACKAGES],
        check=True,
        env=apt_env,
    )


def loopback_address(host: str) -> str:
    """Return the loopback address that ``host`` resolves to.

    Raises SlurmClusterError when ``host`` does not resolve or resolves to any
    address outside the loopback range, because the daemons bind to that
    address and must not listen on a network interface.
    """
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise SlurmClusterError(
            f"host name {host!r} does not resolve ({error}); add "
            f"'127.0.0.1 {host}' to /etc/hosts to run the SLURM tests"
        ) from error

    addresses = sorted({info[4][0] for info in infos})
    not_loopback = [a for a in addresses if not ipaddress.ip_address(a).is_loopback]
    if not_loopback:
        raise SlurmClusterError(
            f"host name {host!r} resolves to non-loopback addresses "
            f"{not_loopback}; the test cluster only starts when the host "
            f"name resolves to loopback only (for example '127.0.0.1 {host}' "
            "in /etc/hosts)"
        )
    return addresses[0]


def free_port(address: str) -> int:
    """Return a TCP port that is free on ``address`` at the time of the call."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


def total_memory_mb() -> int:
    """Return the machine's total memory in MB, as /proc/meminfo reports it."""
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    raise SlurmClusterError("MemTotal is missing from /proc/meminfo")


class SlurmCluster:
    """A one-node SLURM cluster whose files all live under ``root``.

    Use it as a context manager: leaving the block cancels every job and stops
    every daemon that ``start`` launched, even when the block raised.
    ``env`` is the environment that sbatch, squeue, scontrol and Snakemake
    need in order to reach this cluster.
    """

    def __init__(self, root: Path, cpus: int | None = None) -> None:
        self.root = Path(root).resolve()
        self.host = socket.gethostname().split(".")[0]
        self.cpus = cpus or os.cpu_count() or 1
        self.conf_dir = self.root / "etc"
        self.run_dir = self.root / "run"
        self.log_dir = self.root / "log"
        self.slurm_conf = self.conf_dir / "slurm.conf"
        self.munge_socket = self.run_dir / "munge.socket"
        self.pid_files = {
            "munged": self.run_dir / "munged.pid",
            "slurmctld": self.run_dir / "slurmctld.pid",
            "slurmd": self.run_dir / "slurmd.pid",
        }
        self.env = dict(os.environ, SLURM_CONF=str(self.slurm_conf))
        self._started: list[str] = []
        self._created_link_parent = False
        self._linked = False

    def __enter__(self) -> "SlurmCluster":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self, timeout: float = 60.0) -> None:
        """Install SLURM if needed, write the configuration and start the daemons.

        Returns once sinfo reports the node idle. Raises SlurmClusterError
        with the daemon logs when that does not happen within ``timeout``
        seconds.
        """
        address = loopback_address(self.host)
        ensure_slurm_installed()
        for folder in (self.conf_dir, self.run_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)

        self._write_configuration(address)
        self._link_client_configuration()
        self._start_munged()
        self._start_daemon("slurmctld", ["slurmctld", "-f", str(self.slurm_conf)])
        self._start_daemon("slurmd", ["slurmd", "-f", str(self.slurm_conf)])
        self._wait_until_idle(timeout)
        log.info("SLURM test cluster is up on %s (%s)", self.host, address)

    def _write_configuration(self, address: str) -> None:
        state_dir = self.root / "state"
        spool_dir = self.root / "spool"
        state_dir.mkdir(exist_ok=True)
        spool_dir.mkdir(exist_ok=True)
        # sbatch rejects a job whose --mem exceeds RealMemory, so offer almost
        # all of the machine's memory.
        memory_mb = max(total_memory_mb() - 512, 1024)

        self.slurm_conf.write_text(
            SLURM_CONF_TEMPLATE.format(
                host=self.host,
                ctld_port=free_port(address),
                slurmd_port=free_port(address),
                munge_socket=self.munge_socket,
                state_dir=state_dir,
                spool_dir=spool_dir,
                ctld_pid=self.pid_files["slurmctld"],
                slurmd_pid=self.pid_files["slurmd"],
                ctld_log=self.log_dir / "slurmctld.log",
                slurmd_log=self.log_dir / "slurmd.log",
                min_job_age=MIN_JOB_AGE_SECONDS,
                cpus=self.cpus,
                memory_mb=memory_mb,
                gpus=GPU_COUNT,
                partition=PARTITION,
            ),
            encoding="ascii",
        )
        (self.conf_dir / "gres.conf").write_text(
            GRES_CONF_TEMPLATE.format(host=self.host), encoding="ascii"
        )
        (self.conf_dir / "cgroup.conf").write_text(CGROUP_CONF, encoding="ascii")

    def _link_client_configuration(self) -> None:
        """Point /run/slurm/conf at this cluster's configuration folder."""
        if SYSTEM_SLURM_CONF.exists():
            raise SlurmClusterError(
                f"{SYSTEM_SLURM_CONF} exists, so the srun inside each test job "
                "would reach that cluster: the Snakemake job step removes "
                "SLURM_CONF from its environment. Run the SLURM tests on a "
                "machine without a SLURM configuration"
            )
        if CLIENT_CONF_LINK.is_symlink() and not CLIENT_CONF_LINK.exists():
            log.warning("removing dangling link %s left by an earlier run", CLIENT_CONF_LINK)
            CLIENT_CONF_LINK.unlink()
        if CLIENT_CONF_LINK.exists():
            raise SlurmClusterError(
                f"{CLIENT_CONF_LINK} exists (a configless slurmd or another test "
                "cluster), so the srun inside each test job would read that "
                "configuration; stop it or remove the path and retry"
            )
        if not CLIENT_CONF_LINK.parent.exists():
            CLIENT_CONF_LINK.parent.mkdir(parents=True)
            self._created_link_parent = True
        CLIENT_CONF_LINK.symlink_to(self.conf_dir, target_is_directory=True)
        self._linked = True

    def _unlink_client_configuration(self) -> None:
        if self._linked and CLIENT_CONF_LINK.is_symlink():
            if Path(os.readlink(CLIENT_CONF_LINK)) == self.conf_dir:
                CLIENT_CONF_LINK.unlink()
        self._linked = False
        if self._created_link_parent:
            try:
                CLIENT_CONF_LINK.parent.rmdir()
            except OSError as error:
                log.warning("could not remove %s: %s", CLIENT_CONF_LINK.parent, error)
            self._created_link_parent = False

    def _start_munged(self) -> None:
        # Linux limits a Unix socket path to 107 bytes.
        if len(os.fsencode(self.munge_socket)) > 107:
            raise SlurmClusterError(
                f"munge socket path {self.munge_socket} is longer than 107 bytes; "
                "start the cluster in a folder with a shorter path"
            )
        key_file = self.conf_dir / "munge.key"
        key_file.write_bytes(os.urandom(1024))
        key_file.chmod(0o600)
        self._start_daemon(
            "munged",
            [
                "munged",
                "--force",
                f"--key-file={key_file}",
                f"--socket={self.munge_socket}",
                f"--pid-file={self.pid_files['munged']}",
                f"--log-file={self.log_dir / 'munged.log'}",
                f"--seed-file={self.run_dir / 'munged.seed'}",
            ],
        )

    def _start_daemon(self, name: str, command: list[str]) -> None:
        """Run a daemon that forks into the background and writes its pid file."""
        log.info("starting %s: %s", name, " ".join(command))
        self._started.append(name)
        result = subprocess.run(
            command,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=30,
        )
        if result.returncode != 0:
            raise SlurmClusterError(
                f"{name} failed to start (exit status {result.returncode}): "
                f"{result.stderr.strip()}\n{self.daemon_logs()}"
            )
        if self._read_pid(name, wait=10.0) is None:
            raise SlurmClusterError(
                f"{name} wrote no pid file at {self.pid_files[name]}\n"
                f"{self.daemon_logs()}"
            )

    def _wait_until_idle(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            result = self.run(["sinfo", "--noheader", "--Node", "--format=%N %t"])
            state = result.stdout.strip()
            if result.returncode == 0 and state == f"{self.host} idle":
                return
            if any(bad in state for bad in ("drain", "drng", "inval", "fail")):
                break
            time.sleep(1)
        node = self.run(["scontrol", "show", "node", self.host]).stdout
        raise SlurmClusterError(
            f"node {self.host} is not idle after {timeout:.0f} s "
            f"(sinfo: {state!r})\n{node}\n{self.daemon_logs()}"
        )

    def run(self, command: list[str], timeout: float = 30.0) -> subprocess.CompletedProcess:
        """Run a SLURM client command against this cluster and capture its output."""
        return subprocess.run(
            command,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def show_job(self, job_id: str) -> dict[str, str]:
        """Return ``scontrol show job`` fields of one job as a dict.

        Fields such as ``Command`` may contain spaces, so the parser splits
        on the ``Key=`` tokens that scontrol writes in its one-line mode.
        """
        result = self.run(["scontrol", "--oneliner", "show", "job", job_id])
        if result.returncode != 0:
            raise SlurmClusterError(
                f"scontrol show job {job_id} failed: {result.stderr.strip()}"
            )
        fields: dict[str, str] = {}
        key = None
        for token in result.stdout.strip().split(" "):
            name, separator, value = token.partition("=")
            if separator and FIELD_NAME.match(name):
                key = name
                fields[key] = value
            elif key is not None:
                fields[key] += " " + token
        return fields

    def job_ids(self) -> list[str]:
        """Return the ids of all jobs that squeue still lists, finished ones included."""
        result = self.run(
            ["squeue", "--noheader", "--states=all", "--format=%i"]
        )
        if result.returncode != 0:
            raise SlurmClusterError(f"squeue failed: {result.stderr.strip()}")
        return result.stdout.split()

    def daemon_logs(self, tail_lines: int = 40) -> str:
        """Return the last lines of each daemon log, for error messages."""
        parts = []
        for log_file in sorted(self.log_dir.glob("*.log")):
            lines = log_file.read_text(errors="replace").splitlines()[-tail_lines:]
            parts.append(f"--- {log_file} ---\n" + "\n".join(lines))
        return "\n".join(parts)

    def stop(self) -> None:
        """Cancel all jobs, stop the daemons that ``start`` launched and remove the link.

        Each daemon is stopped by the pid in its pid file, and only when
        /proc shows that the pid still belongs to that daemon, so a stale
        pid file never stops an unrelated process.
        """
        if "slurmctld" in self._started:
            self._cancel_jobs()
        for name in ("slurmd", "slurmctld", "munged"):
            if name in self._started:
                self._stop_daemon(name)
        self._started.clear()
        self._unlink_client_configuration()

    def _cancel_jobs(self, timeout: float = 30.0) -> None:
        try:
            self.run(["scancel", "--full", f"--partition={PARTITION}"])
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                result = self.run(
                    ["squeue", "--noheader", "--states=PENDING,RUNNING,COMPLETING"]
                )
                if result.returncode != 0 or not result.stdout.strip():
                    return
                time.sleep(1)
            log.warning("jobs still listed %.0f s after scancel", timeout)
        except (OSError, subprocess.TimeoutExpired) as error:
            log.warning("cancelling test cluster jobs failed: %s", error)

    def _read_pid(self, name: str, wait: float = 0.0) -> int | None:
        deadline = time.monotonic() + wait
        while True:
            try:
                text = self.pid_files[name].read_text(encoding="ascii").strip()
                if text:
                    return int(text)
            except (FileNotFoundError, ValueError):
                pass
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.2)

    def _stop_daemon(self, name: str, timeout: float = 15.0) -> None:
        pid = self._read_pid(name)
        if pid is None or not _process_is(pid, name):
            log.warning("%s has no live process for pid file %s", name, self.pid_files[name])
            return
        log.info("stopping %s (pid %d)", name, pid)
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _process_is(pid, name):
                return
            time.sleep(0.2)
        log.warning("%s (pid %d) ignored SIGTERM for %.0f s; sending SIGKILL", name, pid, timeout)
        os.kill(pid, signal.SIGKILL)


def _process_is(pid: int, name: str) -> bool:
    """Return whether ``pid`` is a running, non-zombie process named ``name``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return False
    # /proc/PID/stat is "PID (COMM) STATE ...", and COMM may contain spaces.
    command = stat[stat.index("(") + 1 : stat.rindex(")")]
    state = stat[stat.rindex(")") + 2]
    return command == name[:15] and state != "Z"

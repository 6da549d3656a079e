"""Upload benchmark: a 1 GiB file POSTed to /api/v1/assets on a real gunicorn server, and the
peak resident size of its worker process. No PostgreSQL, no Redis: the server runs on a fresh
SQLite database and local file storage in a temporary folder, which is deleted afterwards.

Standard library and requests only here: the server is a separate process, and this module must
not set Django up (bench/__main__.py does that only for the PIM benchmarks)."""

import contextlib
import os
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
GIB = 1024**3
MIB = 1024**2
MIN_SIZE = 32 * MIB
TARGET_MIB = 150
SAMPLE_SECONDS = 0.05
CHUNK = MIB  # what the client hands the socket at a time
SECRET_KEY = "bench-upload-" + "u" * 50
USERNAME, PASSWORD = "bench-uploader", "bench-Upload-password-1"
# What the server process must not inherit from the shell (or from the PIM benchmarks, which
# point DATABASE_URL at PostgreSQL in this process): it runs on SQLite and local files alone.
SCRUBBED = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
SCRUBBED_PREFIXES = ("DJANGO_", "TESSERA_", "AWS_")


# ------------------------------------------------------------------------------ the file


def wav_header(data_bytes: int) -> bytes:
    """A canonical 44-byte RIFF/WAVE header (PCM, 16-bit stereo, 44.1 kHz) for data_bytes of
    samples: libmagic reads it as audio/x-wav, which the upload allowlist accepts."""
    channels, rate, bits = 2, 44_100, 16
    block = channels * bits // 8
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * block, block, bits)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


class MultipartWav:
    """A multipart/form-data body with one `file` part, a WAV of `size` bytes (header + silence),
    made chunk by chunk as it is sent: the benchmark never holds more than one chunk. Its length
    is known, so requests sends a Content-Length (Django reads no body without one)."""

    def __init__(self, size: int, filename: str):
        data_bytes = size - 44
        data_bytes -= data_bytes % 4  # whole stereo frames
        self.file_size = 44 + data_bytes
        self.boundary = "----tessera-bench-" + os.urandom(12).hex()
        self.head = (
            f"--{self.boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: audio/wav\r\n\r\n"
        ).encode() + wav_header(data_bytes)
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.data_bytes = data_bytes
        self.content_type = f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return len(self.head) + self.data_bytes + len(self.tail)

    def __iter__(self):
        yield self.head
        silence = bytes(CHUNK)
        left = self.data_bytes
        while left:
            step = min(left, CHUNK)
            yield silence if step == CHUNK else silence[:step]
            left -= step
        yield self.tail


# ------------------------------------------------------------------------------ /proc


def proc_status(pid: int) -> dict[str, int]:
    """The kB fields of /proc/<pid>/status (VmRSS, VmHWM, ...), in KiB."""
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            parts = value.split()
            if len(parts) == 2 and parts[1] == "kB":
                fields[name] = int(parts[0])
    return fields


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def reset_peak(pid: int) -> bool:
    """Reset the process's VmHWM to its current RSS (Linux ≥ 4.0), so the peak read later is
    the upload's; False where the kernel does not allow it (the peak is then since boot)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


class Sampler(threading.Thread):
    """VmRSS of the worker every 50 ms, with the phase it was in (judged from which file grows:
    Django's temporary upload file while the body arrives, the stored original after)."""

    def __init__(self, pid: int, upload_dir: Path, media_dir: Path):
        super().__init__(daemon=True)
        self.pid, self.upload_dir, self.media_dir = pid, upload_dir, media_dir
        self.stop = threading.Event()
        self.samples: list[tuple[float, int, str]] = []  # (seconds, KiB, phase)

    def run(self) -> None:
        started = time.perf_counter()
        # What is there already (the warm-up's original) is no sign of this upload.
        received = before_received = folder_bytes(self.upload_dir, "*.upload*")
        stored = before_stored = folder_bytes(self.media_dir / "originals", "**/*")
        while not self.stop.is_set():
            try:
                rss = proc_status(self.pid)["VmRSS"]
            except (OSError, KeyError):
                return
            now_received = folder_bytes(self.upload_dir, "*.upload*")
            now_stored = folder_bytes(self.media_dir / "originals", "**/*")
            if now_stored > stored:
                phase = "storing"
            elif now_received > received:
                phase = "receiving"
            elif now_stored > before_stored:
                phase = "after storing"
            elif now_received > before_received:
                phase = "inspecting"
            else:
                phase = "request start"
            received, stored = max(received, now_received), max(stored, now_stored)
            self.samples.append((time.perf_counter() - started, rss, phase))
            self.stop.wait(SAMPLE_SECONDS)

    def peaks(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for _, rss, phase in self.samples:
            found[phase] = max(found.get(phase, 0), rss)
        return found


def folder_bytes(folder: Path, pattern: str) -> int:
    total = 0
    with contextlib.suppress(OSError):
        for path in folder.glob(pattern):
            with contextlib.suppress(OSError):
                if path.is_file():
                    total += path.stat().st_size
    return total


# ------------------------------------------------------------------------------ the server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(var_dir: Path) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in SCRUBBED and not name.startswith(SCRUBBED_PREFIXES)
    }
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": SECRET_KEY,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "TESSERA_VAR_DIR": str(var_dir),  # SQLite database, media/ and static/ in here
            "TESSERA_LOG_LEVEL": "WARNING",
            "TMPDIR": str(var_dir / "tmp"),  # Django's temporary upload file lands here too
            "PYTHONUNBUFFERED": "1",
        }
    )
    return environment


def manage(environment: dict, *arguments: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
        timeout=600,
    )


# The role a deployment gives uploaders (dam.add_asset with dam.view_asset): the upload answer
# shows only assets the uploader may view, so a bare add_asset user would get `asset: null`.
CREATE_USER = f"""
from django.contrib.auth.models import Group, User
from governance.roles import ASSET_CONTRIBUTOR
user = User.objects.create_user({USERNAME!r}, password={PASSWORD!r})
user.groups.add(Group.objects.get(name=ASSET_CONTRIBUTOR))
"""


def prepare_site(environment: dict) -> None:
    """What a deployment does before it serves: the schema, the static manifest (DEBUG off
    serves the login page through it), and an uploader in the Asset Contributor role (no
    superuser)."""
    manage(environment, "migrate", "--noinput", "-v", "0")
    manage(environment, "collectstatic", "--noinput", "-v", "0")
    manage(environment, "shell", "-c", CREATE_USER)


def start_server(environment: dict, port: int, log: Path) -> subprocess.Popen:
    with log.open("wb") as output:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "900",
                "--graceful-timeout",
                "10",
            ],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def wait_ready(server: subprocess.Popen, base: str, log: Path) -> int:
    """The worker's pid, once the server answers /healthz."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.returncode}): {log.read_text()[-2000:]}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                workers = children(server.pid)
                if len(workers) == 1:
                    return workers[0]
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer within 60 s: {log.read_text()[-2000:]}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


# ------------------------------------------------------------------------------ the client


class Client:
    """Logs in through /accounts/login/ as a browser does, then calls the API with the session
    cookie and the CSRF header. With DEBUG off both cookies are Secure, which a client keeps
    off plain HTTP; on this loopback test server they are handed back explicitly."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, **options) -> requests.Response:
        response = self.http.request(
            method,
            self.base + path,
            cookies=self.cookies,
            allow_redirects=False,
            timeout=options.pop("timeout", 60),
            **options,
        )
        self.cookies.update(response.cookies.get_dict())
        return response

    def log_in(self, username: str, password: str) -> None:
        page = self.request("GET", "/accounts/login/")
        if page.status_code != 200 or "csrftoken" not in self.cookies:
            raise RuntimeError(f"login page: HTTP {page.status_code}, cookies {list(self.cookies)}")
        answer = self.request(
            "POST",
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": self.cookies["csrftoken"],
                "username": username,
                "password": password,
            },
            headers={"Referer": self.base + "/accounts/login/"},
        )
        if answer.status_code != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login refused: HTTP {answer.status_code}")

    def upload(self, body: MultipartWav, timeout: float) -> requests.Response:
        return self.request(
            "POST",
            "/api/v1/assets",
            data=body,
            headers={
                "Content-Type": body.content_type,
                "X-CSRFToken": self.cookies["csrftoken"],
                "Accept": "application/json",
            },
            timeout=timeout,
        )


# ------------------------------------------------------------------------------ the benchmark


def check_created(response: requests.Response, body: MultipartWav) -> tuple[bool, str]:
    """201 with one new asset whose stored version has the size and type sent."""
    if response.status_code != 201:
        return False, f"HTTP {response.status_code}: {response.text[:300]}"
    [result] = response.json()["results"]
    if not result["created"]:
        return False, "answered an existing asset"
    if result["asset"] is None:
        return False, "created, but the answer shows no asset (may the uploader view assets?)"
    version = result["asset"]["current_version"] or {}
    size, mime = version.get("size"), version.get("mime")
    if size != body.file_size:
        return False, f"stored {size} bytes, sent {body.file_size}"
    return True, (
        f"asset {result['asset']['code']} ({mime}, {size:,} bytes, metadata "
        f"{version.get('metadata_status')} {version.get('metadata', {}).get('duration')} s)"
    )


def upload_memory(scale: float) -> dict:
    """Peak RSS of the gunicorn worker while one large WAV is uploaded through the API."""
    size = max(int(GIB * scale), MIN_SIZE)
    var_dir = Path(tempfile.mkdtemp(prefix="tessera-upload-bench-"))
    (var_dir / "tmp").mkdir()
    environment = server_environment(var_dir)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = var_dir / "gunicorn.log"
    server = None
    try:
        prepare_site(environment)
        server = start_server(environment, port, log)
        worker = wait_ready(server, base, log)
        booted = proc_status(worker)["VmRSS"]
        client = Client(base)
        client.log_in(USERNAME, PASSWORD)
        # Warm the worker as serving would: the API, the sniffer (libmagic's database), the
        # storage, the metadata step (ffprobe) — with a small WAV of other bytes.
        warm = client.request("GET", "/api/v1/assets")
        warm_up = client.upload(MultipartWav(MIB + 4, "warm-up.wav"), timeout=120)
        if warm.status_code != 200 or warm_up.status_code != 201:
            raise RuntimeError(
                f"warm-up: list HTTP {warm.status_code}, upload HTTP {warm_up.status_code}: "
                f"{warm_up.text[:300]}"
            )
        time.sleep(0.5)
        baseline = proc_status(worker)["VmRSS"]
        master_baseline = proc_status(server.pid)["VmRSS"]
        peak_since_reset = reset_peak(worker) and reset_peak(server.pid)

        body = MultipartWav(size, "bench-upload.wav")
        sampler = Sampler(worker, var_dir / "tmp", var_dir / "media")
        sampler.start()
        started = time.perf_counter()
        response = client.upload(body, timeout=1800)
        elapsed = time.perf_counter() - started
        time.sleep(2 * SAMPLE_SECONDS)
        sampler.stop.set()
        sampler.join()

        worker_status, master_status = proc_status(worker), proc_status(server.pid)
        created, detail = check_created(response, body)
        leftovers = folder_bytes(var_dir / "tmp", "*")
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(var_dir, ignore_errors=True)

    sampled_peak = max((rss for _, rss, _ in sampler.samples), default=0)
    peak = max(worker_status["VmHWM"], sampled_peak) / 1024
    master_peak = master_status["VmHWM"] / 1024
    mib_per_second = len(body) / MIB / elapsed
    phases = ", ".join(f"{phase} {rss / 1024:.0f}" for phase, rss in sampler.peaks().items())
    client_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "name": f"upload {size / GIB:.2f} GiB: web peak RSS",
        "measured": f"{peak:.1f} MiB",
        "target": f"< {TARGET_MIB} MiB",
        "met": created and peak < TARGET_MIB,
        "file_bytes": body.file_size,
        "http_status": response.status_code,
        "created": created,
        "worker_peak_rss_mib": round(peak, 1),
        "worker_boot_rss_mib": round(booted / 1024, 1),
        "worker_baseline_rss_mib": round(baseline / 1024, 1),
        "worker_growth_mib": round(peak - baseline / 1024, 1),
        "worker_rss_after_mib": round(worker_status["VmRSS"] / 1024, 1),
        "master_peak_rss_mib": round(master_peak, 1),
        "master_baseline_rss_mib": round(master_baseline / 1024, 1),
        "upload_seconds": round(elapsed, 2),
        "throughput_mib_s": round(mib_per_second, 1),
        "samples": len(sampler.samples),
        "phase_peaks_mib": {k: round(v / 1024, 1) for k, v in sampler.peaks().items()},
        "temp_bytes_left": leftovers,
        "benchmark_process_peak_mib": round(client_peak, 1),
        "notes": (
            f"gunicorn config.wsgi -w 1 (sync) on loopback, SQLite + local storage, DEBUG off; "
            f"POST /api/v1/assets, session login, Content-Length {len(body):,}: {detail}; "
            f"HTTP {response.status_code} in {elapsed:.1f} s ({mib_per_second:.0f} MiB/s, "
            f"request to response, in-request metadata step included). Worker RSS "
            f"{booted / 1024:.0f} MiB booted, {baseline / 1024:.0f} MiB warmed → peak {peak:.1f} MiB "
            f"({'VmHWM reset before the upload' if peak_since_reset else 'VmHWM since boot'}, "
            f"and {len(sampler.samples)} VmRSS samples at 50 ms; by phase: {phases}); "
            f"master peak {master_peak:.0f} MiB; the benchmark itself peaked at "
            f"{client_peak:.0f} MiB"
        ),
    }


BENCHMARKS = [upload_memory]

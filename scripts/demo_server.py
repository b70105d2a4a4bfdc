"""Serve the demo site as production would, for `make lighthouse` and `make screenshots`.

`demo_site()` builds a throwaway site in a temporary folder (SQLite database, media and
collected static files): `migrate`, `seed_demo` and `seed_demo_activity` (with DEBUG on, as
the seed commands require), then `collectstatic` with DEBUG off, so whitenoise serves the
hashed, compressed files with long cache headers. It starts daphne with DEBUG off on a free
port of 127.0.0.1 and yields a `DemoSite`: its base URL, a session cookie for each demo
login and the demo pages' paths. Everything is stopped and removed on exit.

With DEBUG off Django serves no uploads (production keeps them on Cloudinary), so the server
runs `application` below: the site, with MEDIA_URL served from the demo's MEDIA_ROOT.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEMO_LOGINS = {
    "student": "student@example.com",
    "instructor": "instructor@example.com",
    "admin": "admin@example.com",
}
# The demo student's course in progress (seed_demo's STUDENT_PROGRESS), and a paid course
# that sells (featured, reviewed) for the course page.
STUDENT_COURSE = "python-for-absolute-beginners"
COURSE_PAGE = "django-web-applications"


@dataclass
class DemoSite:
    base_url: str
    sessions: dict[str, str]  # role -> sessionid cookie value
    paths: dict[str, str]  # page name -> path

    def url(self, name: str) -> str:
        return self.base_url + self.paths[name]

    def cookie_header(self, role: str) -> str:
        return f"sessionid={self.sessions[role]}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(folder: Path, port: int, *, debug: bool) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "REDIS_", "DATABASE_", "STRIPE_", "CLOUDINARY_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "edusphere.settings",
            "DEBUG": str(debug),
            "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
            "MEDIA_ROOT": str(folder / "media"),
            "PRIVATE_MEDIA_ROOT": str(folder / "media-private"),
            "STATIC_ROOT": str(folder / "static"),
            "SITE_URL": f"http://127.0.0.1:{port}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "EMAIL_URL": "consolemail://",
            "LOG_LEVEL": "WARNING",
        }
    )
    if not debug:
        env.update(
            {
                "SECRET_KEY": (folder / "secret").read_text(),
                # Plain HTTP on 127.0.0.1; the demo admin has no authenticator app.
                "SECURE_SSL_REDIRECT": "False",
                "SECURE_HSTS_SECONDS": "0",
                "MFA_REQUIRED_FOR_ADMINS": "False",
            }
        )
    return env


def _run(args: list[str], env: dict[str, str], log) -> str:
    result = subprocess.run(  # noqa: S603  (our own manage.py, fixed arguments)
        [PYTHON, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    log.write(result.stdout + result.stderr)
    if result.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def _wait_until_up(base_url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError("daphne did not answer /healthz in time")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _resume_path(base_url: str, cookie: str) -> str:
    """Where the demo student's "Continue" leads: the lecture to do next."""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(  # noqa: S310
        f"{base_url}/learn/{STUDENT_COURSE}/", headers={"Cookie": cookie}
    )
    try:
        opener.open(request, timeout=10)
    except urllib.error.HTTPError as redirect:
        if redirect.code in (301, 302, 303, 307, 308):
            return redirect.headers["Location"].split("#")[0]
        raise
    raise RuntimeError("the resume page did not redirect to a lecture")


SESSIONS_SCRIPT = """
import json, sys
import django
django.setup()
from django.test import Client
from accounts.models import User
from courses.models import Course
logins = json.loads(sys.argv[1])
sessions = {}
for role, email in logins.items():
    client = Client()
    client.force_login(User.objects.get(email=email))
    sessions[role] = client.cookies["sessionid"].value
taught = Course.objects.filter(instructors__email=logins["instructor"], status="published")
print(json.dumps({"sessions": sessions, "workspace": taught.order_by("title")[0].slug}))
"""


@contextmanager
def demo_site(*, keep: Path | None = None, log=None):
    """Build and serve the demo site; yields a DemoSite. `keep`: a folder to build in and
    leave behind (for a look afterwards); by default a temporary one, removed on exit."""
    folder = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="edusphere-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "secret").write_text(secrets.token_urlsafe(64))
    log = log or open(folder / "server.log", "a")  # noqa: SIM115  (closed below)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = None
    try:
        debug_env = _environment(folder, port, debug=True)
        prod_env = _environment(folder, port, debug=False)
        print(f"Building the demo site in {folder} ...", flush=True)
        _run(["manage.py", "migrate", "--no-input"], debug_env, log)
        _run(["manage.py", "seed_demo"], debug_env, log)
        _run(["manage.py", "seed_demo_activity"], debug_env, log)
        _run(["manage.py", "collectstatic", "--no-input"], prod_env, log)
        made = json.loads(
            _run(["-c", SESSIONS_SCRIPT, json.dumps(DEMO_LOGINS)], prod_env, log).strip()
        )
        server_env = {**prod_env, "EDUSPHERE_DEMO_ASGI": "1"}
        process = subprocess.Popen(  # noqa: S603
            [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
            + ["scripts.demo_server:application"],
            cwd=ROOT,
            env=server_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait_until_up(base_url, process)
        sessions = made["sessions"]
        paths = {
            "home": "/",
            "catalog": "/courses/",
            "course": f"/courses/{COURSE_PAGE}/",
            "player": _resume_path(base_url, f"sessionid={sessions['student']}"),
            "my_learning": "/learn/",
            "workspace": f"/teach/{made['workspace']}/",
            "admin": "/admin/",
        }
        print(f"Demo site at {base_url}", flush=True)
        yield DemoSite(base_url=base_url, sessions=sessions, paths=paths)
    finally:
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        log.close()
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def _application():
    """The site under DEBUG off, with the demo's uploads served from MEDIA_ROOT."""
    from django.conf import settings
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.views.static import serve

    from edusphere.asgi import application as site

    class ASGIMediaHandler(ASGIStaticFilesHandler):
        def get_base_url(self):
            return settings.MEDIA_URL

        def serve(self, request):
            response = serve(request, self.file_path(request.path), settings.MEDIA_ROOT)
            response.headers["Cache-Control"] = "public, max-age=86400"
            return response

    return ASGIMediaHandler(site)


if os.environ.get("EDUSPHERE_DEMO_ASGI") == "1":
    application = _application()

"""In-process fake of the Cloudinary Upload/Admin API for tests.

Point the SDK at it with ``cloudinary://KEY:SECRET@CLOUD?upload_prefix=<server.url>``.
Delivery URLs in responses still name res.cloudinary.com; tests must not fetch them.
"""

import base64
import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from cloudinary.utils import api_sign_request

_API = re.compile(
    r"^/v1_1/(?P<cloud>[^/]+)/(?P<rtype>image|video|raw|auto)/(?P<action>upload|destroy)$"
)
_RESOURCE = re.compile(
    r"^/v1_1/(?P<cloud>[^/]+)/resources/(?P<rtype>image|video|raw)/(?P<type>\w+)/(?P<pid>.+)$"
)


def parse_multipart(body, content_type):
    """Return (fields, files) from a multipart/form-data body; ``k[]`` fields become lists."""
    match = re.search(r'boundary="?([^";]+)"?', content_type or "")
    if not match:
        raise ValueError("missing multipart boundary")
    fields, files = {}, {}
    for part in body.split(b"--" + match.group(1).encode())[1:-1]:
        head, _, data = part[2:].partition(b"\r\n\r\n")  # skip the CRLF after the boundary
        data = data[:-2]  # drop the CRLF before the next boundary
        disposition = next(
            line for line in head.decode().split("\r\n") if line.lower().startswith("content-disp")
        )
        name = re.search(r'\bname="([^"]*)"', disposition).group(1)
        filename = re.search(r'\bfilename="([^"]*)"', disposition)
        if filename:
            files[name] = (filename.group(1), data)
        elif name.endswith("[]"):
            fields.setdefault(name[:-2], []).append(data.decode())
        else:
            fields[name] = data.decode()
    return fields, files


class FakeCloudinary:
    """Threaded fake server. Use as a context manager or call start()/stop().

    Attributes:
      uploads: {(resource_type, type, public_id): asset dict incl. "data" bytes}
      requests: log of {"method", "path", "fields", "headers"} per request
      down: when True every request gets its connection dropped (outage)
    """

    def __init__(self, api_key="key", api_secret="secret", cloud_name="demo"):
        self.api_key, self.api_secret, self.cloud_name = api_key, api_secret, cloud_name
        self.uploads = {}
        self.requests = []
        self.down = False
        self._failures = []
        self._chunks = {}
        self._lock = threading.Lock()
        self._server = None

    # -- controls ----------------------------------------------------------------

    def fail_next(self, status=500, message="Simulated failure", after_store=False):
        """Make the next API request fail with a Cloudinary error JSON.

        With after_store=True the upload is stored, then the connection is dropped, as
        when a response is lost in transit.
        """
        self._failures.append((status, message, after_store))

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def cloudinary_url(self):
        return f"cloudinary://{self.api_key}:{self.api_secret}@{self.cloud_name}?upload_prefix={self.url}"

    def start(self):
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    __enter__ = start

    def __exit__(self, *exc):
        self.stop()

    # -- API behaviour -----------------------------------------------------------

    def _check_signature(self, fields):
        params = {k: v for k, v in fields.items() if k not in ("signature", "api_key", "file")}
        expected = api_sign_request(params, self.api_secret)
        if fields.get("api_key") != self.api_key or fields.get("signature") != expected:
            return "Invalid Signature " + str(fields.get("signature"))
        if abs(time.time() - int(fields.get("timestamp") or 0)) > 3600:
            return "Stale request - reported time is too old"
        return None

    def _upload(self, rtype, fields, files, headers):
        if "file" not in files:
            return 400, {"error": {"message": "Missing required parameter - file"}}
        filename, data = files["file"]
        public_id = fields.get("public_id") or hashlib.sha1(data).hexdigest()[:20]
        content_range = headers.get("Content-Range")
        if content_range:  # chunked upload: buffer parts until the last byte arrives
            start, end, total = map(
                int, re.match(r"bytes (\d+)-(\d+)/(\d+)", content_range).groups()
            )
            buffer = self._chunks.setdefault(headers.get("X-Unique-Upload-Id"), bytearray())
            if start != len(buffer):
                return 400, {"error": {"message": "Chunk out of order"}}
            buffer.extend(data)
            if end + 1 < total:
                return 200, {"done": False, "public_id": public_id}
            data = bytes(self._chunks.pop(headers.get("X-Unique-Upload-Id")))
        if rtype == "auto":
            rtype = "raw"
        dtype = fields.get("type") or "upload"
        key = (rtype, dtype, public_id)
        if key in self.uploads and fields.get("overwrite") in ("0", "false"):
            return 200, {**self._describe(key), "existing": True}
        ext = filename.rpartition(".")[2].lower() if "." in filename else ""
        version = int(time.time())
        self.uploads[key] = {
            "data": data,
            "format": "" if rtype == "raw" else ext,
            "version": version,
            "params": fields,
            "original_filename": filename.rpartition(".")[0] or filename,
        }
        return 200, self._describe(key)

    def _describe(self, key):
        rtype, dtype, public_id = key
        asset = self.uploads[key]
        path = f"{self.cloud_name}/{rtype}/{dtype}/v{asset['version']}/{public_id}"
        if asset["format"]:
            path += "." + asset["format"]
        return {
            "asset_id": hashlib.md5(repr(key).encode()).hexdigest(),
            "public_id": public_id,
            "version": asset["version"],
            "version_id": hashlib.md5(path.encode()).hexdigest(),
            "signature": hashlib.sha1(asset["data"]).hexdigest(),
            "format": asset["format"] or None,
            "resource_type": rtype,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(asset["version"])),
            "tags": [],
            "bytes": len(asset["data"]),
            "type": dtype,
            "etag": hashlib.md5(asset["data"]).hexdigest(),
            "placeholder": False,
            "url": f"http://res.cloudinary.com/{path}",
            "secure_url": f"https://res.cloudinary.com/{path}",
            "original_filename": asset["original_filename"],
            "api_key": self.api_key,
        }

    def _destroy(self, rtype, fields):
        key = (rtype, fields.get("type") or "upload", fields.get("public_id"))
        return 200, {"result": "ok" if self.uploads.pop(key, None) else "not found"}


class _Handler(BaseHTTPRequestHandler):
    server_fake = None  # set on the per-server subclass
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output quiet
        pass

    def _reply(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drop(self):
        self.close_connection = True
        self.connection.close()

    def _handle(self, method):
        fake = self.server_fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fields, files = {}, {}
        if method == "POST":
            try:
                fields, files = parse_multipart(body, self.headers.get("Content-Type"))
            except (ValueError, StopIteration, AttributeError):
                return self._reply(400, {"error": {"message": "Malformed multipart body"}})
        with fake._lock:
            fake.requests.append(
                {
                    "method": method,
                    "path": self.path,
                    "fields": fields,
                    "headers": dict(self.headers),
                }
            )
            if fake.down:
                return self._drop()
            failure = fake._failures.pop(0) if fake._failures else None
            if failure and not failure[2]:
                return self._reply(failure[0], {"error": {"message": failure[1]}})
            status, payload = self._route(method, fields, files)
            if failure:  # after_store: the work happened, the response is lost
                return self._drop()
        return self._reply(status, payload)

    def _route(self, method, fields, files):
        fake = self.server_fake
        api = _API.match(self.path) if method == "POST" else None
        if api and api["cloud"] == fake.cloud_name:
            error = fake._check_signature(fields)
            if error:
                return 401, {"error": {"message": error}}
            if api["action"] == "upload":
                return fake._upload(api["rtype"], fields, files, self.headers)
            return fake._destroy(api["rtype"], fields)
        resource = _RESOURCE.match(self.path.split("?")[0]) if method == "GET" else None
        if resource and resource["cloud"] == fake.cloud_name:
            expected = base64.b64encode(f"{fake.api_key}:{fake.api_secret}".encode()).decode()
            if self.headers.get("Authorization") != f"Basic {expected}":
                return 401, {"error": {"message": "Invalid credentials"}}
            key = (resource["rtype"], resource["type"], unquote(resource["pid"]))
            if key not in fake.uploads:
                return 404, {"error": {"message": f"Resource not found - {key[2]}"}}
            return 200, fake._describe(key)
        return 404, {"error": {"message": f"Unknown endpoint {method} {self.path}"}}

    def do_POST(self):
        self._handle("POST")

    def do_GET(self):
        self._handle("GET")

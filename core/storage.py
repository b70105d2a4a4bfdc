"""Django storage backend for Cloudinary.

Stored names look like ``video/lectures/intro_Ab3dE9x.mp4``: the first segment is
Cloudinary's resource type, the rest is the public id (plus the format for image and
video, whose public ids carry no extension). That is all ``url()``/``delete()`` need, so
models only store a name. The delivery type (``upload`` or ``authenticated``) belongs to
the storage instance, not to the name.
"""

import logging
import mimetypes
import os
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urlsplit

import cloudinary.api
import cloudinary.exceptions
import cloudinary.uploader
import cloudinary.utils
import filetype
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.crypto import get_random_string
from django.utils.deconstruct import deconstructible
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

RESOURCE_TYPES = ("image", "video", "raw")
DELIVERY_TYPES = ("upload", "authenticated")
# Name length reserved for the "video/" style prefix added in _save().
_PREFIX_RESERVE = len("video/")


class CloudinaryStorageError(Exception):
    """A Cloudinary call failed; nothing was stored."""


# What a user is told when a file could not be stored (a Cloudinary failure).
STORAGE_FAILED = _("The file could not be stored. Please try again in a moment.")


def storage_failed(form) -> int:
    """Show STORAGE_FAILED on `form`; returns the status to answer: 503, since nothing was
    saved and trying again in a moment may work."""
    form.add_error(None, STORAGE_FAILED)
    return 503


@lru_cache(maxsize=8)
def parse_cloudinary_url(url):
    """Return SDK call options from ``cloudinary://key:secret@cloud?opt=value``.

    Parsed here and passed per call instead of via ``cloudinary.config()``, because that
    global ignores ``cloudinary_url=`` and would leak between storages and tests.
    """
    parts = urlsplit(url)
    if parts.scheme != "cloudinary" or not (parts.hostname and parts.username and parts.password):
        raise ImproperlyConfigured("CLOUDINARY_URL must look like cloudinary://key:secret@cloud")
    options = {
        "cloud_name": parts.hostname,
        "api_key": unquote(parts.username),
        "api_secret": unquote(parts.password),
    }
    if parts.path.strip("/"):
        options.update(private_cdn=True, secure_distribution=parts.path.strip("/"))
    options.update(parse_qsl(parts.query))
    return options


def sniff_resource_type(name, content):
    """Choose image/video/raw from the file's magic bytes, falling back to its extension."""
    pos = content.tell()
    content.seek(0)
    head = content.read(8192)
    content.seek(pos)
    mime = filetype.guess_mime(head) or mimetypes.guess_type(name)[0] or ""
    # SVG stays raw: it is script-capable markup, not a raster image.
    if mime.startswith("image/") and mime != "image/svg+xml":
        return "image"
    if mime.startswith(("video/", "audio/")):  # Cloudinary files audio under "video"
        return "video"
    return "raw"


class _KeepOpen:
    """Wraps a file for ``upload_large``, which closes what it is given."""

    def __init__(self, file, name):
        self._file, self.name = file, name

    def __getattr__(self, attr):
        return getattr(self._file, attr)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@deconstructible(path="core.storage.CloudinaryStorage")
class CloudinaryStorage(Storage):
    """Store files on Cloudinary.

    Options (``STORAGES[...]["OPTIONS"]``):
      delivery_type: "upload" (public URLs) or "authenticated" (signed URLs only).
      cloudinary_url: overrides ``settings.CLOUDINARY_URL`` (read lazily on each call).
      chunk_size: files larger than this go through the chunked upload API (bytes).
      timeout: seconds per API request.
    """

    def __init__(
        self,
        delivery_type="upload",
        cloudinary_url=None,
        chunk_size=cloudinary.uploader.UPLOAD_LARGE_CHUNK_SIZE,
        timeout=120,
    ):
        if delivery_type not in DELIVERY_TYPES:
            raise ImproperlyConfigured(f"delivery_type must be one of {DELIVERY_TYPES}")
        self.delivery_type = delivery_type
        self.cloudinary_url = cloudinary_url
        self.chunk_size = chunk_size
        self.timeout = timeout

    # -- helpers ---------------------------------------------------------------

    def _options(self, **extra):
        url = self.cloudinary_url or getattr(settings, "CLOUDINARY_URL", "")
        if not url:
            raise ImproperlyConfigured("CloudinaryStorage needs settings.CLOUDINARY_URL")
        return {**parse_cloudinary_url(url), "type": self.delivery_type, **extra}

    @staticmethod
    def _split(name):
        """``video/lectures/a.mp4`` -> ("video", "lectures/a", "mp4")."""
        resource_type, _, rest = name.replace("\\", "/").partition("/")
        if resource_type not in RESOURCE_TYPES or not rest:
            raise SuspiciousFileOperation(f"Not a Cloudinary storage name: {name!r}")
        if resource_type == "raw":  # raw public ids keep their extension
            return resource_type, rest, None
        root, ext = os.path.splitext(rest)
        return resource_type, root, ext.lstrip(".") or None

    def _resource(self, name):
        resource_type, public_id, _ = self._split(name)
        try:
            return cloudinary.api.resource(
                public_id, **self._options(resource_type=resource_type, timeout=self.timeout)
            )
        except cloudinary.exceptions.NotFound:
            return None
        except Exception as exc:  # the Admin API raises bare Exception for unknown codes
            raise CloudinaryStorageError(f"Cloudinary lookup of {name!r} failed: {exc}") from exc

    # -- Storage API -------------------------------------------------------------

    def get_available_name(self, name, max_length=None):
        """Always add a random suffix instead of asking Cloudinary whether a name is taken.

        That saves an Admin API call (rate limited) per upload; ``overwrite=False`` in
        ``_save`` still refuses to replace an asset if a suffix ever collides.
        """
        dir_name, file_name = os.path.split(name)
        root, ext = os.path.splitext(file_name)
        suffix = "_" + get_random_string(7)
        if max_length:
            overflow = len(name) + len(suffix) + _PREFIX_RESERVE - max_length
            if overflow > 0:
                root = root[:-overflow]
                if not root:
                    raise SuspiciousFileOperation(f"Storage can not find a short name for {name!r}")
        return os.path.join(dir_name, f"{root}{suffix}{ext}").replace("\\", "/")

    def _save(self, name, content):
        resource_type = sniff_resource_type(name, content)
        public_id = name if resource_type == "raw" else os.path.splitext(name)[0]
        options = self._options(
            resource_type=resource_type,
            public_id=public_id,
            overwrite=False,
            unique_filename=False,
            filename=os.path.basename(name),
            timeout=self.timeout,
        )
        content.seek(0)
        try:
            if content.size > self.chunk_size:
                result = cloudinary.uploader.upload_large(
                    _KeepOpen(content, name), chunk_size=self.chunk_size, **options
                )
            else:
                result = cloudinary.uploader.upload(content, **options)
        except Exception as exc:
            # The asset may exist if only the response was lost; remove it so no orphan stays.
            self._destroy_quietly(public_id, resource_type)
            raise CloudinaryStorageError(f"Cloudinary upload of {name!r} failed: {exc}") from exc

        if result.get("existing"):  # someone else's asset: never adopt or delete it
            raise CloudinaryStorageError(f"Cloudinary already has an asset named {name!r}")
        if result.get("public_id") != public_id or result.get("type") != self.delivery_type:
            self._destroy_quietly(public_id, resource_type)
            raise CloudinaryStorageError(f"Unexpected Cloudinary upload response for {name!r}")
        stored = f"{result['resource_type']}/{result['public_id']}"
        if result["resource_type"] != "raw" and result.get("format"):
            stored += "." + result["format"]
        return stored

    def _destroy_quietly(self, public_id, resource_type):
        try:
            cloudinary.uploader.destroy(
                public_id, **self._options(resource_type=resource_type, timeout=self.timeout)
            )
        except cloudinary.exceptions.Error as exc:
            # Best effort: the caller gets the original error; this one is only logged.
            logger.warning("Could not remove Cloudinary asset %s: %s", public_id, exc)

    def _open(self, name, mode="rb"):
        raise NotImplementedError("Cloudinary files are delivered by URL; use storage.url()")

    def delete(self, name):
        if not name:
            raise ValueError("The name must be given to delete().")
        resource_type, public_id, _ = self._split(name)
        try:
            result = cloudinary.uploader.destroy(
                public_id,
                **self._options(resource_type=resource_type, invalidate=True, timeout=self.timeout),
            )
        except Exception as exc:
            raise CloudinaryStorageError(f"Cloudinary delete of {name!r} failed: {exc}") from exc
        # Django's contract: deleting a missing file is not an error.
        if result.get("result") not in ("ok", "not found"):
            raise CloudinaryStorageError(f"Cloudinary delete of {name!r} returned {result!r}")

    def exists(self, name):
        return self._resource(name) is not None

    def size(self, name):
        resource = self._resource(name)
        if resource is None:
            raise FileNotFoundError(name)
        return resource["bytes"]

    def url(self, name):
        resource_type, public_id, fmt = self._split(name)
        options = self._options()
        url, _ = cloudinary.utils.cloudinary_url(
            public_id,
            resource_type=resource_type,
            type=self.delivery_type,
            format=fmt,
            secure=True,
            # A signature in the path makes authenticated URLs unguessable.
            sign_url=self.delivery_type == "authenticated",
            cloud_name=options["cloud_name"],
            api_secret=options["api_secret"],
            private_cdn=options.get("private_cdn", False),
            secure_distribution=options.get("secure_distribution"),
        )
        return url


class _PrivateStorage(LazyObject):
    """The "private" entry of STORAGES, looked up on first use rather than at import.

    File fields bind their storage when models load; this indirection lets a settings change
    (tests, or a Cloudinary switch) take effect, as Django's own default_storage does.
    """

    def _setup(self):
        self._wrapped = storages["private"]


private_storage = _PrivateStorage()


@receiver(setting_changed)
def _reset_private_storage(*, setting, **kwargs):
    if setting == "STORAGES":
        private_storage._wrapped = empty

import io
import re

import pytest
from cloudinary.utils import api_sign_request
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import override_settings
from PIL import Image

from core.storage import CloudinaryStorage, CloudinaryStorageError
from tests.fakes.cloudinary_server import FakeCloudinary

MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 64
SIGNED = re.compile(r"/s--[A-Za-z0-9_-]{8}--/")


def png_bytes():
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def public():
    return CloudinaryStorage(delivery_type="upload")


@pytest.fixture
def private():
    return CloudinaryStorage(delivery_type="authenticated")


def upload_requests(fake):
    return [r for r in fake.requests if r["path"].endswith("/upload")]


def test_public_image_is_uploaded_as_image_with_valid_signature(fake_cloudinary, public):
    data = png_bytes()

    name = public.save("avatars/me.png", ContentFile(data))

    assert re.fullmatch(r"image/avatars/me_\w{7}\.png", name)
    public_id = name.removeprefix("image/").removesuffix(".png")
    assert fake_cloudinary.uploads[("image", "upload", public_id)]["data"] == data
    (request,) = upload_requests(fake_cloudinary)
    assert request["path"] == "/v1_1/edu/image/upload"
    fields = request["fields"]
    signed = {k: v for k, v in fields.items() if k not in ("signature", "api_key")}
    assert fields["api_key"] == "test-key"
    assert fields["signature"] == api_sign_request(signed, "test-secret")


def test_private_video_goes_up_as_authenticated_video(fake_cloudinary, private):
    name = private.save("lectures/intro.mp4", ContentFile(MP4))

    assert name.startswith("video/lectures/intro_") and name.endswith(".mp4")
    (request,) = upload_requests(fake_cloudinary)
    assert request["path"] == "/v1_1/edu/video/upload"
    assert request["fields"]["type"] == "authenticated"
    assert ("video", "authenticated", name[6:-4]) in fake_cloudinary.uploads


def test_pdf_goes_up_as_raw_keeping_its_extension(fake_cloudinary, private):
    name = private.save("attachments/notes.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))

    assert re.fullmatch(r"raw/attachments/notes_\w{7}\.pdf", name)
    assert ("raw", "authenticated", name[4:]) in fake_cloudinary.uploads
    assert "/raw/authenticated/" in private.url(name)


def test_private_url_is_signed_and_public_url_is_not(fake_cloudinary, public, private):
    private_name = private.save("lectures/intro.mp4", ContentFile(MP4))
    public_name = public.save("thumbs/t.png", ContentFile(png_bytes()))

    private_url = private.url(private_name)
    public_url = public.url(public_name)

    assert private_url.startswith("https://res.cloudinary.com/edu/video/authenticated/")
    assert SIGNED.search(private_url)
    assert private_url.endswith(private_name.removeprefix("video/"))
    assert public_url.startswith("https://res.cloudinary.com/edu/image/upload/")
    assert "s--" not in public_url
    # The signature depends on the secret, so it cannot be forged without it.
    other = CloudinaryStorage("authenticated", cloudinary_url="cloudinary://test-key:x@edu")
    assert SIGNED.search(other.url(private_name))[0] != SIGNED.search(private_url)[0]


def test_delete_calls_destroy(fake_cloudinary, private):
    name = private.save("lectures/intro.mp4", ContentFile(MP4))
    assert private.exists(name)

    private.delete(name)

    destroy = fake_cloudinary.requests[-1]
    assert destroy["path"] == "/v1_1/edu/video/destroy"
    assert destroy["fields"]["public_id"] == name[6:-4]
    assert destroy["fields"]["type"] == "authenticated"
    assert fake_cloudinary.uploads == {}
    assert not private.exists(name)
    private.delete(name)  # a missing file is not an error, as with FileSystemStorage


def test_exists_and_size_use_the_admin_api(fake_cloudinary, public):
    name = public.save("avatars/me.png", ContentFile(png_bytes()))

    assert public.exists(name)
    assert public.size(name) == len(png_bytes())
    assert not public.exists("image/avatars/nobody.png")


def test_upload_error_raises_and_stores_nothing(fake_cloudinary, public):
    fake_cloudinary.fail_next(status=500, message="Internal error")

    with pytest.raises(CloudinaryStorageError, match="Internal error"):
        public.save("avatars/me.png", ContentFile(png_bytes()))

    assert fake_cloudinary.uploads == {}


def test_lost_response_removes_the_stored_asset(fake_cloudinary, private):
    fake_cloudinary.fail_next(after_store=True)

    with pytest.raises(CloudinaryStorageError):
        private.save("lectures/intro.mp4", ContentFile(MP4))

    assert fake_cloudinary.uploads == {}
    assert fake_cloudinary.requests[-1]["path"] == "/v1_1/edu/video/destroy"


def test_service_down_raises(fake_cloudinary, public):
    fake_cloudinary.down = True

    with pytest.raises(CloudinaryStorageError):
        public.save("avatars/me.png", ContentFile(png_bytes()))
    assert fake_cloudinary.uploads == {}


def test_wrong_secret_is_rejected_by_signature_check(fake_cloudinary):
    storage = CloudinaryStorage(
        cloudinary_url=fake_cloudinary.cloudinary_url.replace("test-secret", "guess")
    )

    with pytest.raises(CloudinaryStorageError, match="Invalid Signature"):
        storage.save("avatars/me.png", ContentFile(png_bytes()))
    assert fake_cloudinary.uploads == {}


def test_large_file_is_uploaded_in_chunks(fake_cloudinary):
    storage = CloudinaryStorage("authenticated", chunk_size=32)
    data = MP4 + bytes(range(256))

    name = storage.save("lectures/long.mp4", ContentFile(data))

    chunks = upload_requests(fake_cloudinary)
    assert len(chunks) == -(-len(data) // 32)
    assert all("Content-Range" in r["headers"] for r in chunks)
    assert fake_cloudinary.uploads[("video", "authenticated", name[6:-4])]["data"] == data


def test_names_fit_max_length_and_are_unique(fake_cloudinary, public):
    long_name = "avatars/" + "a" * 120 + ".png"

    first = public.save(long_name, ContentFile(png_bytes()), max_length=100)
    second = public.save(long_name, ContentFile(png_bytes()), max_length=100)

    assert len(first) <= 100 and len(second) <= 100
    assert first != second


def test_storages_setting_builds_both_backends(fake_cloudinary):
    backend = "core.storage.CloudinaryStorage"
    config = {
        "default": {"BACKEND": backend, "OPTIONS": {"delivery_type": "upload"}},
        "private": {"BACKEND": backend, "OPTIONS": {"delivery_type": "authenticated"}},
    }
    with override_settings(STORAGES=config):
        assert storages["default"].delivery_type == "upload"
        name = storages["private"].save("lectures/a.mp4", ContentFile(MP4))
        assert SIGNED.search(storages["private"].url(name))


def test_deconstructs_for_migrations():
    path, _args, kwargs = CloudinaryStorage(delivery_type="authenticated").deconstruct()
    assert path == "core.storage.CloudinaryStorage"
    assert kwargs == {"delivery_type": "authenticated"}


def test_storage_reads_the_setting_at_call_time():
    storage = CloudinaryStorage()
    with FakeCloudinary(cloud_name="first") as first, FakeCloudinary(cloud_name="second") as second:
        for fake in (first, second):
            with override_settings(CLOUDINARY_URL=fake.cloudinary_url):
                storage.save("avatars/me.png", ContentFile(png_bytes()))
        assert len(first.uploads) == len(second.uploads) == 1

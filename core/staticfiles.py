"""whitenoise's static files storage, with each file's URL worked out once per process."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Remembers url() per name.

    The manifest is read when the process starts and does not change while it runs, so
    neither does a file's URL; every page links the same stylesheet and scripts, and
    working one URL out costs about as much as rendering the link.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        url = self._urls.get(name)
        if url is None:
            url = self._urls[name] = super().url(name)  # a missing file raises, uncached
        return url

"""A size limit on uploaded files that holds before anything is stored.

Django keeps an upload above ``FILE_UPLOAD_MAX_MEMORY_SIZE`` in a temporary file, whatever its
size: a 100 MB upload would be written to disk before a form could refuse it. This handler, first
in ``FILE_UPLOAD_HANDLERS``, stops taking a file's data once it passes the limit (the rest of the
request is read and thrown away, so the browser gets the page, not a reset connection) and marks
the request (``request.upload_too_large``); the form then shows a German message. The fields
before the file (the CSRF token) are read as usual.

The limit is the view's: a view class that takes larger files names the setting of its limit in
``upload_max_setting`` (the documents' views: ``"DOCUMENT_MAX_BYTES"``); every other view, the
import among them, has ``UPLOAD_MAX_BYTES``. The view is known before the body is read: Django
resolves the URL (``request.resolver_match``) before the CSRF check reads the form. The setting
is read per request, so a test (``override_settings``) or an operator may change it.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


def upload_limit(request) -> int:
    """The most bytes one file sent to this request's view may have."""
    view = getattr(getattr(request, "resolver_match", None), "func", None)
    setting = getattr(getattr(view, "view_class", None), "upload_max_setting", "UPLOAD_MAX_BYTES")
    return getattr(settings, setting)


class LimitedUploadHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request.upload_too_large = False
        self.limit = upload_limit(self.request)

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.request.upload_too_large:
            raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None

"""What a file store's failure looks like, for the code that reads and writes PDFs and uploads.

The local media folder fails with OSError; object storage (django-storages on boto3) with
botocore's connection and HTTP-client errors, which are not OSErrors. Both mean "the store
is not answering right now": a job gives its work back and retries, a download answers 503.
"""

from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.exceptions import HTTPClientError

STORAGE_ERRORS: tuple[type[BaseException], ...] = (OSError, BotoConnectionError, HTTPClientError)


class StorageUnavailable(Exception):
    """The file store did not answer; the stored file itself is safe."""

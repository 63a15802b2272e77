"""Object Storage's own error codes (it does not use NotAuthorizedOrNotFound for missing objects)."""
from __future__ import annotations

from emulator.errors import OCIError


def bucket_not_found(namespace: str, bucket: str) -> OCIError:
    return OCIError(404, "BucketNotFound", f"Either the bucket named '{bucket}' does not exist in the namespace "
                    f"'{namespace}' or you are not authorized to access it")


def object_not_found(bucket: str, name: str) -> OCIError:
    return OCIError(404, "ObjectNotFound", f"The object '{name}' was not found in the bucket '{bucket}'")


def upload_not_found(upload_id: str) -> OCIError:
    return OCIError(404, "NoSuchUpload", f"The multipart upload {upload_id} does not exist or was committed or aborted")


def bucket_exists(bucket: str) -> OCIError:
    return OCIError(409, "BucketAlreadyExists", f"Either the bucket '{bucket}' in namespace already exists or you "
                    "are not authorized to create it")


def bucket_not_empty(bucket: str) -> OCIError:
    return OCIError(409, "BucketNotEmpty", f"Bucket named '{bucket}' is not empty. Delete all objects first.")


def if_match_failed(name: str) -> OCIError:
    return OCIError(412, "IfMatchFailed", f"The if-match/if-none-match condition failed for '{name}'")


def md5_mismatch() -> OCIError:
    return OCIError(400, "InvalidContentMD5", "The Content-MD5 you specified did not match what we received.")


def invalid_name(what: str, name: str) -> OCIError:
    return OCIError(400, "InvalidParameter", f"Invalid {what} name: {name!r}")


def too_large(limit: int) -> OCIError:
    return OCIError(413, "PayloadTooLarge", f"The request body exceeds the limit of {limit} bytes.")


def incomplete() -> OCIError:
    return OCIError(400, "InvalidParameter", "The upload ended before Content-Length bytes arrived; nothing was stored.")

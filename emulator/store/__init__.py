"""Persistence for the emulator: SQLite (WAL) for JSON records, files for artifacts. No HTTP here."""
from emulator.store.blobs import BlobInfo, BlobStore, IncompleteUpload, UploadTooLarge
from emulator.store.db import Database, Page

__all__ = ["BlobInfo", "BlobStore", "Database", "IncompleteUpload", "Page", "UploadTooLarge"]

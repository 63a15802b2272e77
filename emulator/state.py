"""The emulator's shared state, reachable from any request as ``current_state()``: settings,
the record database, the blob store, and the hooks services run when a server starts or stops."""
from __future__ import annotations

import fcntl
import logging
from dataclasses import dataclass, field
from typing import IO, Callable

from flask import Flask, current_app

from emulator import private
from emulator.config import EmulatorConfig
from emulator.store import BlobStore, Database
from emulator.store.tombstones import Tombstones

log = logging.getLogger(__name__)

Hook = Callable[["EmulatorState"], None]
EXTENSION = "dockyard"  # the app.extensions key; reach it through state_of() / current_state()


@dataclass
class EmulatorState:
    """Everything a service needs; one per app (``state_of(app)``, ``current_state()`` in a request)."""

    config: EmulatorConfig
    db: Database
    blobs: BlobStore
    tombstones: Tombstones
    url: str | None = None  # set by the server once it listens
    startup_hooks: list[Hook] = field(default_factory=list)
    shutdown_hooks: list[Hook] = field(default_factory=list)
    reset_hooks: list[Hook] = field(default_factory=list)
    seed_hooks: list[Hook] = field(default_factory=list)
    restore_hooks: list[Hook] = field(default_factory=list)
    kept_on_reset: set[str] = field(default_factory=set)
    seeded: dict[str, set[str]] = field(default_factory=dict)  # kind -> ids the seed hooks own
    serving: IO[str] | None = None  # the shared lock on <home>/serving.lock, held while open

    @classmethod
    def open(cls, config: EmulatorConfig) -> "EmulatorState":
        """Open (or create) the home: private to its owner (0700, files 0600), also when an older
        version made it; when no other emulator has it open, collect what a crash left behind (blobs
        no record names, partial uploads, a snapshot save's or restore's working folders)."""
        private.make_dir(config.home)
        private.tighten(config.home)
        db = Database(config.db_path)
        state = cls(config=config, db=db, blobs=BlobStore(config.blob_dir),
                    tombstones=Tombstones(db, config.tombstone_retention))
        state.serving = private.open_file(config.home / "serving.lock", "a")
        try:
            fcntl.flock(state.serving, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("another emulator has %s open; leaving its blobs alone", config.home)
        else:
            removed = state.blobs.collect_orphans(state.db.blob_names())
            if removed:
                log.info("removed %d blob(s) no record names (an interrupted upload)", len(removed))
            from emulator.snapshots.library import remove_staging

            staging = remove_staging(config.home)
            if staging:
                log.info("removed what an interrupted snapshot save or restore left: %s", ", ".join(staging))
        fcntl.flock(state.serving, fcntl.LOCK_SH)
        return state

    def on_start(self, hook: Hook) -> None:
        """Run ``hook(state)`` once the server listens (``state.url`` is known then)."""
        self.startup_hooks.append(hook)

    def on_stop(self, hook: Hook) -> None:
        """Run ``hook(state)`` when the server stops."""
        self.shutdown_hooks.append(hook)

    def on_reset(self, hook: Hook) -> None:
        """Run ``hook(state)`` at the start of :meth:`reset`, to let go of what a service runs."""
        self.reset_hooks.append(hook)

    def seed(self, hook: Hook) -> None:
        """Run ``hook(state)`` now and again after every :meth:`reset`: what a new emulator contains
        (the service conda packs' bucket). Hooks must be idempotent: a restart runs them again."""
        self.seed_hooks.append(hook)
        hook(self)

    def seeded_records(self, kind: str, ids: set[str]) -> None:
        """A seed hook owns these records: :meth:`reset` leaves them (and the blobs they name) in place
        for the hook to check and repair, instead of deleting what the hook would only write again."""
        self.seeded.setdefault(kind, set()).update(ids)

    def on_restore(self, hook: Hook) -> None:
        """Run ``hook(state)`` once :meth:`restore` put other records in place: what those records say
        runs (ACTIVE deployments) comes up again."""
        self.restore_hooks.append(hook)

    def keep_on_reset(self, kind: str) -> None:
        """Records of ``kind`` survive :meth:`reset` (configuration such as API keys, not state)."""
        self.kept_on_reset.add(kind)

    def reset(self) -> None:
        """Empty the emulator, as moto's ``reset()`` does: services stop what they run (their reset
        hooks: deployment servers), then every record but the kept kinds and every stored file go, and
        the seed hooks put back what a new emulator contains. The records a seed hook owns stay, with
        their blobs, for the hook to bring back to what it writes (a user may have changed them): the
        same result as writing them anew, without rewriting a hundred files each time."""
        self._run(self.reset_hooks, strict=True)
        self.db.delete_all(keep=tuple(sorted(self.kept_on_reset)), keep_records=self.seeded)
        self.blobs.clear(keep=self.db.blob_names())
        self.tombstones.reschedule()
        self._run(self.seed_hooks, strict=True)

    def restore(self, install: Callable[[], None]) -> None:
        """Replace the whole state with another (a snapshot's): services stop what they run (reset
        hooks), ``install()`` swaps the records and blobs in at once, the seed hooks add what this
        version's new emulator contains, then the restore hooks start what the new records say runs."""
        self._run(self.reset_hooks, strict=True)
        install()
        self.tombstones.reschedule()
        self._run(self.seed_hooks, strict=True)
        self._run(self.restore_hooks, strict=True)

    def run_startup(self, url: str) -> None:
        self.url = url
        self._run(self.startup_hooks)

    def run_shutdown(self) -> None:
        self._run(self.shutdown_hooks)
        self.db.close()
        if self.serving is not None:
            self.serving.close()  # releases the lock
            self.serving = None

    def _run(self, hooks: list[Hook], strict: bool = False) -> None:
        """Run every hook; one failing must not keep the others from running (``strict``: then re-raise)."""
        failed: Exception | None = None
        for hook in hooks:
            try:
                hook(self)
            except Exception as exc:
                log.exception("emulator hook %r failed", hook)
                failed = failed or exc
        if strict and failed is not None:
            raise failed


def attach(app: Flask, state: EmulatorState) -> None:
    app.extensions[EXTENSION] = state


def state_of(app: Flask) -> EmulatorState:
    return app.extensions[EXTENSION]


def current_state() -> EmulatorState:
    return state_of(current_app)

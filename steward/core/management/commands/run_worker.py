"""The one background process operators run: the outbox dispatcher (every email Steward sends),
the audit log's sequencer, the scheduler's periodic jobs and the queue of Django tasks, each in
a thread of this process.

Run as many as you like, on any machines that reach the database: each outbox message and
each occurrence of a periodic job is taken by one of them. SIGTERM or Ctrl-C stops it after
the send or job in progress; SIGKILL loses nothing (docs/operator-guide.md, "The worker")."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand
from django.tasks import task_backends

from steward.core import audit, outbox, scheduler


class Command(BaseCommand):
    help = "Run Steward's worker: outbox deliveries, periodic jobs and queued tasks."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true",
                            help="Run every job that is due once (the outbox is emptied), then exit.")
        parser.add_argument("--no-tasks", action="store_true", help="Do not run queued Django tasks in this process.")

    def handle(self, *args: Any, once: bool = False, no_tasks: bool = False, **options: Any) -> None:
        if once:
            sent = outbox.dispatch(limit=1_000_000)
            ran = scheduler.run_due()
            chained = audit.sequence_and_sign()
            self.stdout.write(f"outbox: {sent} message(s) tried; jobs run: {', '.join(ran) or 'none was due'}; "
                              f"audit entries sequenced: {chained}")
            return
        stop = threading.Event()

        def shutdown(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGINT, shutdown)
        signal.signal(signal.SIGTERM, shutdown)
        dispatcher = threading.Thread(target=outbox.run_forever, args=(stop,), name="outbox")
        dispatcher.start()
        sequencer = threading.Thread(target=audit.run_forever, args=(stop,), name="audit-sequencer")
        sequencer.start()
        tasks = None if no_tasks else self._tasks_worker()
        if tasks is not None:
            queue = threading.Thread(target=tasks.run, name="tasks", daemon=True)
            queue.start()
        self.stdout.write(f"Steward worker {scheduler.worker_name()}: the outbox, the audit sequencer, "
                          f"{', '.join(job.name for job in scheduler.jobs()) or 'no periodic jobs'}"
                          f"{'' if tasks is None else ', queued tasks'}")
        try:
            scheduler.run_forever(stop)
        finally:
            stop.set()
            if tasks is not None:
                tasks.running = False
                queue.join(timeout=30)
            dispatcher.join(timeout=60)
            sequencer.join(timeout=60)

    def _tasks_worker(self) -> Any:
        """django_tasks_db's worker for the default backend, when that is the database backend."""
        backend = task_backends["default"]
        if not backend.__class__.__module__.startswith("django_tasks_db"):
            return None
        from django_tasks_db.management.commands.db_worker import Worker

        return Worker(queue_names=list(backend.queues) or ["default"], interval=1.0, batch=False,
                      backend_name=backend.alias, startup_delay=False, max_tasks=None,
                      worker_id=scheduler.worker_name(), excluded_queue_names=[])

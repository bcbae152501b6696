"""A development task backend: runs tasks on an in-process thread pool.

`runserver` alone then delivers SMS after the emulated provider delay without
holding the request. Production uses a durable queue with its own worker.
"""

from concurrent.futures import ThreadPoolExecutor

from django.db import connections
from django_tasks.backends.immediate import ImmediateBackend

# One pool per process: django-tasks builds a backend instance per thread.
_pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="task")


class ThreadPoolBackend(ImmediateBackend):
    def _execute_task(self, task_result) -> None:
        _pool.submit(self._run, task_result)

    def _run(self, task_result) -> None:
        try:
            super()._execute_task(task_result)
        finally:
            connections.close_all()

"""The Celery app a job-queue test runs (tests/redis_celery.test.ts), and the script that sends
its tasks and gathers their results.

Broker and result backend are both Redis (database 0 and 1 of the server on CELERY_PORT). Every
run of a task appends "<task id> <n> <attempt> <pid>" to the file named by CELERY_RESULTS, so the
test can count the runs of each task without asking the server under test.

    CELERY_PORT=N python3 celery_jobs.py COUNT    sends COUNT tasks and one chord, waits for every
                                                  result through the backend, prints a JSON summary
    CELERY_PORT=N python3 celery_jobs.py hold COUNT    sends COUNT tasks due in ten minutes
"""

import json
import os
import sys
import time

from celery import Celery, chord
from celery.result import ResultSet

PORT = int(os.environ.get("CELERY_PORT", "6379"))
CHORD_SIZE = 20

app = Celery("celery_jobs")
app.conf.update(
    broker_url=f"redis://127.0.0.1:{PORT}/0",
    result_backend=f"redis://127.0.0.1:{PORT}/1",
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)


def record(task, n):
    """Appends one line for this run (O_APPEND: one write, whole lines from every process)."""
    fd = os.open(os.environ["CELERY_RESULTS"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        line = f"{task.request.id} {n} {task.request.retries} {os.getpid()} {time.time():.3f}\n"
        os.write(fd, line.encode())
    finally:
        os.close(fd)


@app.task(bind=True)
def square(self, n):
    """A plain task (also sent with a countdown, which kombu holds as an unacked message)."""
    record(self, n)
    return n * n


@app.task(bind=True, max_retries=1)
def flaky(self, n):
    """Fails its first run and asks to be retried once, after a short countdown."""
    record(self, n)
    if self.request.retries == 0:
        raise self.retry(countdown=0.5)
    return n * n


@app.task(bind=True)
def total(self, values):
    """A chord's callback: the sum of its header's results."""
    record(self, -1)
    return sum(values)


def kind(n):
    """Which way task n is sent: every tenth retries once, every tenth (offset) is delayed."""
    return "flaky" if n % 10 == 3 else "countdown" if n % 10 == 7 else "plain"


def hold(count):
    """Sends tasks due in ten minutes: a worker holds them unacked until then, or a warm shutdown."""
    for n in range(count):
        square.apply_async((n,), countdown=600)


def main():
    if sys.argv[1] == "hold":
        hold(int(sys.argv[2]))
        return
    count = int(sys.argv[1])
    pending = []
    for n in range(count):
        k = kind(n)
        if k == "flaky":
            pending.append((n, k, flaky.delay(n)))
        elif k == "countdown":
            pending.append((n, k, square.apply_async((n,), countdown=1)))
        else:
            pending.append((n, k, square.delay(n)))
    header = [square.s(count + i) for i in range(CHORD_SIZE)]
    chord_result = chord(header)(total.s())
    # One native join through the backend (subscriptions and MGET) rather than a wait per task.
    values = ResultSet([r for _, _, r in pending]).join_native(timeout=120)
    results = {}
    for (n, k, r), value in zip(pending, values):
        results[n] = {"kind": k, "id": r.id, "value": value, "state": r.state}
    summary = {
        "tasks": [results[n] for n in range(count)],
        "chord": {
            "value": chord_result.get(timeout=120),
            "id": chord_result.id,
            "header": [r.id for r in chord_result.parent.results],
        },
    }
    json.dump(summary, sys.stdout)


if __name__ == "__main__":
    main()

"""The job an rq test runs (tests/redis_rq_jobs.test.ts), and the script that enqueues them.

Each job appends "<n> <pid>" to the file named by RQ_RESULTS, so the test can see that every job
ran exactly once without asking the server under test.

    python3 rq_jobs.py PORT COUNT    enqueues jobs 0..COUNT-1 on the queue "jobs"
"""

import os
import sys


def record(n):
    """Appends one line for job n (O_APPEND: one write, whole lines from every process)."""
    fd = os.open(os.environ["RQ_RESULTS"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{n} {os.getpid()}\n".encode())
    finally:
        os.close(fd)
    return n


if __name__ == "__main__":
    from redis import Redis
    from rq import Queue

    port, count = int(sys.argv[1]), int(sys.argv[2])
    queue = Queue("jobs", connection=Redis(host="127.0.0.1", port=port))
    for i in range(count):
        queue.enqueue("rq_jobs.record", i)

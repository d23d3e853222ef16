"""A default Celery 5 worker against the server: 200 add tasks, results over rpc://, clean SIGTERM shutdown.

The worker (prefork, concurrency 2) and this producer use Celery's defaults, which need direct, fanout
and topic exchanges, exclusive auto-delete queues with x-expires/x-message-ttl, heartbeats and
consumer cancel notifications. The whole scenario is bounded (~60 s).
"""
import os
import signal
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
N_TASKS = 200


@pytest.mark.timeout(120)
def test_celery_worker_runs_200_tasks(amqp_server, tmp_path):
    broker = "amqp://guest:guest@%s:%d//" % (amqp_server.host, amqp_server.port)
    env = dict(os.environ, LATCHKEY_CELERY_BROKER=broker, PYTHONPATH=HERE)
    log_path = tmp_path / "worker.log"
    log = open(log_path, "wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "celery_app", "worker", "--concurrency", "2", "--loglevel", "info",
         "--hostname", "latchkey-test-%d@localhost" % os.getpid()],
        cwd=HERE, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 40
        while b" ready." not in log_path.read_bytes():
            assert worker.poll() is None, "worker exited: %s" % log_path.read_text(errors="replace")
            assert time.monotonic() < deadline, "worker not ready: %s" % log_path.read_text(errors="replace")
            time.sleep(0.1)

        os.environ["LATCHKEY_CELERY_BROKER"] = broker
        sys.path.insert(0, HERE)
        import celery_app
        celery_app.app.conf.broker_url = broker
        try:
            started = time.monotonic()
            results = [celery_app.add.delay(i, i) for i in range(N_TASKS)]
            values = [r.get(timeout=30) for r in results]
            elapsed = time.monotonic() - started
        finally:
            celery_app.app.close()
        assert values == [2 * i for i in range(N_TASKS)]
        assert elapsed < 45, "200 tasks took %.1fs" % elapsed

        worker.send_signal(signal.SIGTERM)
        rc = worker.wait(timeout=30)
        text = log_path.read_text(errors="replace")
        assert rc == 0, text
        assert "Traceback" not in text, text
        assert text.count("succeeded in") == N_TASKS
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        log.close()

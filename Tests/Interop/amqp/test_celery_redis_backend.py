"""Celery with a RabbitMQ broker and the Redis result backend, both served by one Latchkey: a worker
runs add tasks whose results the producer waits for through the backend (SETEX + PUBLISH in a
MULTI pipeline on the worker side, SUBSCRIBE on celery-task-meta-<id> and GET on the producer
side), a failing task's exception travels back, and forget() deletes a result. With
LATCHKEY_TARGET=rabbitmq the broker is RabbitMQ and the backend a real redis-server.
Chords (which need lists) are not exercised here.
"""
import os
import signal
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "redis"))
N_TASKS = 50


@pytest.fixture
def backend_url(amqp_server):
    if amqp_server.kind == "latchkey" and amqp_server.server is not None:
        yield "redis://%s:%d/0" % (amqp_server.host, amqp_server.server.port)
        return
    import real_redis
    if not real_redis.available():
        pytest.skip("redis-server is not installed")
    redis = real_redis.RedisServer().start()
    try:
        yield "redis://127.0.0.1:%d/0" % redis.port
    finally:
        redis.stop()


@pytest.mark.timeout(120)
def test_celery_results_through_the_redis_backend(amqp_server, backend_url, tmp_path):
    broker = "amqp://guest:guest@%s:%d//" % (amqp_server.host, amqp_server.port)
    env = dict(os.environ, LATCHKEY_CELERY_BROKER=broker, LATCHKEY_CELERY_BACKEND=backend_url, PYTHONPATH=HERE)
    log_path = tmp_path / "worker.log"
    log = open(log_path, "wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "celery_redis_app", "worker", "--concurrency", "2",
         "--loglevel", "info", "--hostname", "latchkey-redis-%d@localhost" % os.getpid()],
        cwd=HERE, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 40
        while b" ready." not in log_path.read_bytes():
            assert worker.poll() is None, "worker exited: %s" % log_path.read_text(errors="replace")
            assert time.monotonic() < deadline, "worker not ready: %s" % log_path.read_text(errors="replace")
            time.sleep(0.1)

        os.environ["LATCHKEY_CELERY_BROKER"] = broker
        os.environ["LATCHKEY_CELERY_BACKEND"] = backend_url
        sys.path.insert(0, HERE)
        import celery_redis_app
        app = celery_redis_app.app
        app.conf.broker_url = broker
        app.conf.result_backend = backend_url
        try:
            results = [celery_redis_app.add.delay(i, i) for i in range(N_TASKS)]
            assert [r.get(timeout=30) for r in results] == [2 * i for i in range(N_TASKS)]
            assert all(r.state == "SUCCESS" for r in results)

            failed = celery_redis_app.fail.delay("boom")
            with pytest.raises(ValueError, match="boom"):
                failed.get(timeout=30)
            assert failed.state == "FAILURE"

            done = results[0]
            key = "celery-task-meta-%s" % done.id
            client = app.backend.client
            assert client.exists(key) == 1 and 0 < client.ttl(key) <= 86400
            done.forget()
            assert client.exists(key) == 0
        finally:
            app.close()

        worker.send_signal(signal.SIGTERM)
        rc = worker.wait(timeout=30)
        text = log_path.read_text(errors="replace")
        assert rc == 0, text
        assert text.count("succeeded in") == N_TASKS
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        log.close()

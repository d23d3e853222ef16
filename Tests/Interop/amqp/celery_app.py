"""The Celery application used by test_celery.py: default settings, broker and rpc:// results.

The broker URL comes from LATCHKEY_CELERY_BROKER (the test sets it to the server under test), e.g.
amqp://guest:guest@127.0.0.1:5672//. Run a worker with: celery -A celery_app worker --concurrency 2
"""
import os

from celery import Celery

app = Celery("celery_app",
             broker=os.environ.get("LATCHKEY_CELERY_BROKER", "amqp://guest:guest@127.0.0.1:5672//"),
             backend="rpc://")
app.conf.result_backend = "rpc://"


@app.task
def add(x, y):
    return x + y

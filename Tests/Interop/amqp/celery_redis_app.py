"""The Celery application of test_celery_redis_backend.py: the usual production pairing, a RabbitMQ
broker (Latchkey's AMQP side) with the Redis result backend (Latchkey's RESP side). Both URLs come
from the environment: LATCHKEY_CELERY_BROKER (amqp://...) and LATCHKEY_CELERY_BACKEND (redis://...).
"""
import os

from celery import Celery

app = Celery("celery_redis_app",
             broker=os.environ.get("LATCHKEY_CELERY_BROKER", "amqp://guest:guest@127.0.0.1:5672//"),
             backend=os.environ.get("LATCHKEY_CELERY_BACKEND", "redis://127.0.0.1:6379/0"))


@app.task
def add(x, y):
    return x + y


@app.task
def fail(text):
    raise ValueError(text)

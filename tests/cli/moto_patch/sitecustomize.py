"""Makes moto's SQS queue and Kinesis shard operations atomic, as they are on AWS, for the
pageviews tests.

tests/cli/moto.rs puts this folder on moto_server's PYTHONPATH, so Python runs this file when
the server starts. moto 5.2.1's server answers each request on a thread of its own, and its SQS
model changes a queue's messages without a lock:

- Queue.delete_message rebuilds the list of messages and assigns it back. Two deletes at once
  each drop one message from the same old list; the later assignment brings back the message
  the other deleted, still hidden. The delete answered success, yet the message shows as in
  flight, and comes back after its visibility timeout.
- SQSBackend.receive_message checks that a message is visible, then marks it received. Two
  receives at once can both take it: one message, two deliveries.

Both happen with `drain --workers 4` against one server (10-20 of 400 messages in flight after
every delete succeeded; 401 deliveries of 400 messages). SQS loses no deletes; it may deliver a
message twice, rarely, and the tests that need a second delivery make one on purpose. Each
queue has a condition, `_messages_lock`, that sends already take: receives, deletes and
visibility changes take it here too. Its lock is re-entrant, and a long poll waits on the
condition, which lets the lock go for the wait, so other calls go on meanwhile.

moto 5.2.1's Kinesis shard (its own comment says so) is not safe for concurrency either:
Shard.put_record numbers a record one past the highest number so far and stores it under that
number. Two PutRecords at once can give two records one number, the later replacing the
earlier: a record the stream confirmed is gone (2 of 3,000 when `send` had four calls of 500
records in flight). Kinesis numbers every record it confirms uniquely. Putting and reading a
shard's records take one lock here (reading also walks the dict a put changes).

moto 5.2.1 also answers S3's CompleteMultipartUpload with the root element
`CompleteMultipartUploadResponse`, where S3 writes `CompleteMultipartUploadResult`: the AWS SDK
then refuses the answer although the upload completed. The answer's root is renamed here.
"""

import functools
import sys


def _locking_the_named_queue(method):
    @functools.wraps(method)
    def locked(self, queue_name, *args, **kwargs):
        with self.get_queue(queue_name)._messages_lock:
            return method(self, queue_name, *args, **kwargs)

    return locked


def _locking_this_queue(method):
    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self._messages_lock:
            return method(self, *args, **kwargs)

    return locked


def _patch():
    from moto.sqs.models import Queue, SQSBackend

    SQSBackend.receive_message = _locking_the_named_queue(SQSBackend.receive_message)
    SQSBackend.change_message_visibility = _locking_the_named_queue(
        SQSBackend.change_message_visibility
    )
    Queue.delete_message = _locking_this_queue(Queue.delete_message)


def _patch_kinesis():
    import threading

    from moto.kinesis.models import Shard

    lock = threading.RLock()
    for name in ("put_record", "get_records"):
        original = getattr(Shard, name)

        def locked(self, *args, _original=original, **kwargs):
            with lock:
                return _original(self, *args, **kwargs)

        setattr(Shard, name, functools.wraps(original)(locked))


def _patch_s3():
    from moto.s3.responses import S3Response

    original = S3Response.serialized

    @functools.wraps(original)
    def serialized(self, action_result):
        status, headers, body = original(self, action_result)
        if getattr(self, "data", {}).get("Action") == "CompleteMultipartUpload":
            wrong, right = "CompleteMultipartUploadResponse", "CompleteMultipartUploadResult"
            if isinstance(body, bytes):
                body = body.replace(wrong.encode(), right.encode())
            elif isinstance(body, str):
                body = body.replace(wrong, right)
        return status, headers, body

    S3Response.serialized = serialized


try:
    _patch()
except Exception as err:  # another moto: run it as it is, and say so in its log
    print(f"pageviews tests: moto's SQS left as it is ({err!r})", file=sys.stderr)

try:
    _patch_kinesis()
except Exception as err:  # another moto: run it as it is, and say so in its log
    print(f"pageviews tests: moto's Kinesis left as it is ({err!r})", file=sys.stderr)

try:
    _patch_s3()
except Exception as err:  # another moto: run it as it is, and say so in its log
    print(f"pageviews tests: moto's S3 left as it is ({err!r})", file=sys.stderr)

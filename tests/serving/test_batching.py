"""The micro-batcher: concurrent callers share passes through the model and each gets its own results back."""

import asyncio
import threading

import pytest

from sentiment.batching import MicroBatcher, QueueFull


class BlockingModel:
    """Upper-cases texts; its first call waits until released, so that callers pile up behind it."""

    def __init__(self):
        self.batches: list[list[str]] = []
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, texts: list[str]) -> list[str]:
        if not self.entered.is_set():
            self.entered.set()
            self.release.wait(timeout=10)
        self.batches.append(list(texts))
        return [text.upper() for text in texts]


async def until(condition, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached in time")


async def queue_behind_a_busy_model(model: BlockingModel, batcher: MicroBatcher, requests: list[list[str]]):
    """Send ``["first"]``, which blocks in the model, then ``requests`` behind it; returns their tasks."""
    first = asyncio.create_task(batcher.predict(["first"]))
    await until(model.entered.is_set)
    others = [asyncio.create_task(batcher.predict(texts)) for texts in requests]
    await asyncio.sleep(0.05)
    return first, others


def run_behind_a_busy_model(requests: list[list[str]], max_batch_texts: int) -> tuple[list, list]:
    """The batches the model saw and each caller's results, when ``requests`` queue behind a busy model."""

    async def scenario():
        model = BlockingModel()
        batcher = MicroBatcher(model, max_batch_texts=max_batch_texts, max_queued=100)
        batcher.start()
        first, others = await queue_behind_a_busy_model(model, batcher, requests)
        model.release.set()
        results = await asyncio.gather(first, *others)
        await batcher.stop()
        return model.batches, results

    return asyncio.run(scenario())


def test_callers_waiting_together_share_one_batch_and_get_their_own_results():
    batches, results = run_behind_a_busy_model([[f"a{i}", f"b{i}"] for i in range(10)], max_batch_texts=100)
    assert results[0] == ["FIRST"]
    assert results[1:] == [[f"A{i}", f"B{i}"] for i in range(10)], "each caller must get its own texts back, in order"
    assert len(batches) == 2, f"the ten waiting callers should share one batch, got batches {batches}"
    assert len(batches[1]) == 20


def test_a_batch_stops_growing_at_max_batch_texts():
    batches, _ = run_behind_a_busy_model([[f"t{i}", f"u{i}"] for i in range(6)], max_batch_texts=4)
    assert [len(batch) for batch in batches[1:]] == [4, 4, 4]


def test_a_full_queue_refuses_at_once():
    async def scenario():
        model = BlockingModel()
        batcher = MicroBatcher(model, max_batch_texts=10, max_queued=2)
        batcher.start()
        first, waiting = await queue_behind_a_busy_model(model, batcher, [["w0"], ["w1"]])
        with pytest.raises(QueueFull, match="2 requests are already waiting"):
            await batcher.predict(["one too many"])
        model.release.set()
        results = await asyncio.gather(first, *waiting)
        await batcher.stop()
        return results

    assert asyncio.run(scenario()) == [["FIRST"], ["W0"], ["W1"]]


def test_a_model_error_reaches_every_caller_of_that_batch_and_the_next_batch_still_runs():
    calls = []

    def flaky(texts):
        calls.append(texts)
        if len(calls) == 1:
            raise ValueError("model exploded")
        return [len(text) for text in texts]

    async def scenario():
        batcher = MicroBatcher(flaky, max_batch_texts=10, max_queued=10)
        batcher.start()
        with pytest.raises(ValueError, match="model exploded"):
            await batcher.predict(["boom"])
        result = await batcher.predict(["four", "sixsix"])
        await batcher.stop()
        return result

    assert asyncio.run(scenario()) == [4, 6]


def test_stop_fails_running_and_queued_callers_instead_of_leaving_them_hanging():
    async def scenario():
        model = BlockingModel()
        batcher = MicroBatcher(model, max_batch_texts=10, max_queued=10)
        batcher.start()
        running, queued = await queue_behind_a_busy_model(model, batcher, [["queued"]])
        threading.Timer(0.1, model.release.set).start()  # the model call in progress ends soon after stop()
        await batcher.stop()
        return await asyncio.gather(running, *queued, return_exceptions=True)

    outcomes = asyncio.run(scenario())
    for outcome in outcomes:
        assert isinstance(outcome, RuntimeError), outcome
        assert "shutting down" in str(outcome)
